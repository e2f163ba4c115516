#include "eval/latency.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/rng.h"

namespace octet::eval {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Inputs that exercise the kernels like real data: uniform floats in [0, 1), random int8/uint8.
void fill_inputs(runtime::Interpreter& interp) {
  Rng rng(12345);
  for (int i = 0; i < interp.num_inputs(); ++i) {
    if (interp.input_info(i).type == runtime::DataType::kFloat32) {
      float* p = interp.input_f32(i);
      for (size_t k = 0; k < interp.input_bytes(i) / sizeof(float); ++k) p[k] = rng.uniform();
    } else {
      auto* p = static_cast<uint8_t*>(interp.input_data(i));
      for (size_t k = 0; k < interp.input_bytes(i); ++k) p[k] = static_cast<uint8_t>(rng.next_u64());
    }
  }
}

}  // namespace

Result<LatencyStats> measure_latency(const runtime::Graph& graph, const LatencyOptions& options) {
  if (options.batch < 1 || options.threads < 1) {
    return Status::Error("latency: batch and threads must be >= 1");
  }
  runtime::InterpreterOptions io;
  io.batch = options.batch;
  io.num_threads = options.threads;
  io.kernels = options.kernels;
  OCTET_ASSIGN_OR_RETURN(auto interp, runtime::Interpreter::create(graph, io));
  fill_inputs(*interp);
  for (int i = 0; i < options.warmup_runs; ++i) OCTET_RETURN_IF_ERROR(interp->invoke());

  std::vector<double> seconds;
  seconds.reserve(static_cast<size_t>(std::max(options.min_runs, 16)));
  const double start = now_seconds();
  for (;;) {
    const double t0 = now_seconds();
    OCTET_RETURN_IF_ERROR(interp->invoke());
    const double t1 = now_seconds();
    seconds.push_back(t1 - t0);
    const double elapsed = t1 - start;
    const int runs = static_cast<int>(seconds.size());
    if (runs >= options.min_runs && elapsed >= options.min_seconds) break;
    if (runs >= 10 && elapsed >= options.max_seconds) break;
  }
  std::sort(seconds.begin(), seconds.end());
  auto quantile = [&seconds](double q) {
    return seconds[std::min(seconds.size() - 1, static_cast<size_t>(q * (seconds.size() - 1) + 0.5))];
  };
  LatencyStats s;
  s.runs = static_cast<int>(seconds.size());
  s.batch = options.batch;
  const double per_image = 1e6 / options.batch;
  s.us_per_image_median = quantile(0.5) * per_image;
  s.us_per_image_p90 = quantile(0.9) * per_image;
  s.us_per_image_min = seconds.front() * per_image;
  s.images_per_s = options.batch / quantile(0.5);
  return s;
}

}  // namespace octet::eval
