// Inference latency of a graph in octet's interpreter, measured the way docs/benchmarks.md asks:
// warm-up, then many timed invokes on the same (seeded random) input, median and 90th percentile.
// Used by `octet bench` and by experiments; peers are compared against these figures.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "runtime/graph.h"
#include "runtime/interpreter.h"

namespace octet::eval {

struct LatencyOptions {
  int batch = 1;
  int threads = 1;
  runtime::KernelChoice kernels = runtime::KernelChoice::kAuto;
  int warmup_runs = 20;
  int min_runs = 1000;        // timed invokes, at least ...
  double min_seconds = 1.0;   // ... and at least this long,
  double max_seconds = 30.0;  // but stop after this long (slow models) once 10 runs are timed
};

struct LatencyStats {
  int runs = 0;   // timed invokes
  int batch = 1;  // images per invoke
  double us_per_image_median = 0;
  double us_per_image_p90 = 0;
  double us_per_image_min = 0;
  double images_per_s = 0;  // batch / median invoke time
};

Result<LatencyStats> measure_latency(const runtime::Graph& graph, const LatencyOptions& options);

}  // namespace octet::eval
