// Inference latency of a graph in octet's interpreter, measured the way docs/benchmarks.md asks:
// warm-up, then many timed invokes on the same (seeded random) input, median and 90th percentile.
// Used by `octet bench` and by experiments; peers are compared against these figures.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "runtime/graph.h"
#include "runtime/interpreter.h"

namespace octet::eval {

struct LatencyOptions {
  int batch = 1;
  int threads = 1;
  runtime::KernelChoice kernels = runtime::KernelChoice::kAuto;
  int warmup_runs = 20;              // warm-up invokes, at most ...
  double warmup_max_seconds = 2.0;   // ... for this long (one at least)
  int min_runs = 1000;        // timed invokes, at least ...
  double min_seconds = 1.0;   // ... and at least this long,
  double max_seconds = 30.0;  // but stop after this long (slow models) once 10 runs are timed
  // Then as many invokes again with each op timed (Interpreter::invoke_timed), for a per-op profile.
  bool per_op = false;
  bool progress = false;  // a progress line on stderr once the timing has run for a few seconds
};

struct LatencyStats {
  int runs = 0;   // timed invokes
  int batch = 1;  // images per invoke
  double us_per_image_median = 0;
  double us_per_image_p90 = 0;
  double us_per_image_min = 0;
  double images_per_s = 0;  // batch / median invoke time
  std::vector<double> op_us_per_image_median;  // with per_op: each op's median, else empty
};

Result<LatencyStats> measure_latency(const runtime::Graph& graph, const LatencyOptions& options);

// The same on an interpreter the caller prepared (its batch and threads; options.batch, threads
// and kernels are ignored). Overwrites its inputs with the random input.
Result<LatencyStats> measure_latency(runtime::Interpreter& interp, const LatencyOptions& options);

}  // namespace octet::eval
