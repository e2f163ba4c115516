#include "eval/latency.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "core/progress.h"
#include "core/rng.h"

namespace octet::eval {
namespace {

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

// The q-quantile of sorted values (nearest rank).
double quantile(const std::vector<double>& sorted, double q) {
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * (sorted.size() - 1) + 0.5))];
}

constexpr double kQuietSeconds = 3.0;  // runs shorter than this print no progress

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
  return measure_latency(*interp, options);
}

Result<LatencyStats> measure_latency(runtime::Interpreter& interp, const LatencyOptions& options) {
  fill_inputs(interp);
  const double warmup_start = now_seconds();
  for (int i = 0; i < std::max(1, options.warmup_runs); ++i) {
    OCTET_RETURN_IF_ERROR(interp.invoke());
    if (now_seconds() - warmup_start >= options.warmup_max_seconds) break;
  }

  // The progress line appears only once a run has lasted kQuietSeconds, so quick runs print nothing.
  // Counted in invokes: the timed ones, then as many again with per_op.
  const int expected_runs = options.min_runs * (options.per_op ? 2 : 1);
  std::unique_ptr<Progress> progress;
  if (options.progress) progress = std::make_unique<Progress>("timing", expected_runs, "invokes");
  bool progress_shown = false;
  auto report = [&](int done, double elapsed) {
    if (!progress || elapsed < kQuietSeconds) return;
    progress_shown = true;
    progress->update(std::min(done, expected_runs));
  };

  std::vector<double> seconds;
  seconds.reserve(static_cast<size_t>(std::max(options.min_runs, 16)));
  const double start = now_seconds();
  for (;;) {
    const double t0 = now_seconds();
    OCTET_RETURN_IF_ERROR(interp.invoke());
    const double t1 = now_seconds();
    seconds.push_back(t1 - t0);
    const double elapsed = t1 - start;
    const int runs = static_cast<int>(seconds.size());
    report(runs, elapsed);
    if (runs >= options.min_runs && elapsed >= options.min_seconds) break;
    if (runs >= 10 && elapsed >= options.max_seconds) break;
  }
  const int runs = static_cast<int>(seconds.size());

  std::vector<double> op_us;
  if (options.per_op) {
    // The same number of runs again, each op timed; per op, the median over runs.
    const size_t num_ops = interp.graph().ops.size();
    std::vector<std::vector<double>> per_op(num_ops, std::vector<double>(runs));
    std::vector<double> one(num_ops);
    for (int r = 0; r < runs; ++r) {
      std::fill(one.begin(), one.end(), 0.0);
      OCTET_RETURN_IF_ERROR(interp.invoke_timed(one));
      for (size_t i = 0; i < num_ops; ++i) per_op[i][r] = one[i];
      report(runs + r + 1, now_seconds() - start);
    }
    for (auto& v : per_op) {
      std::sort(v.begin(), v.end());
      op_us.push_back(quantile(v, 0.5) * 1e6 / interp.batch());
    }
  }
  if (progress_shown) progress->finish();

  std::sort(seconds.begin(), seconds.end());
  LatencyStats s;
  s.runs = runs;
  s.batch = interp.batch();
  const double per_image = 1e6 / s.batch;
  s.us_per_image_median = quantile(seconds, 0.5) * per_image;
  s.us_per_image_p90 = quantile(seconds, 0.9) * per_image;
  s.us_per_image_min = seconds.front() * per_image;
  s.images_per_s = s.batch / quantile(seconds, 0.5);
  s.op_us_per_image_median = std::move(op_us);
  return s;
}

}  // namespace octet::eval
