// octet bench: latency and throughput of a .tflite in octet's interpreter, next to the work it does
// (MACs) and the machine's limit (MACs / measured peak / threads), as docs/benchmarks.md asks.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/kernels_option.h"
#include "eval/latency.h"
#include "eval/peak.h"
#include "runtime/kernels/x86/cpu_features.h"
#include "runtime/macs.h"
#include "tflite/reader.h"

namespace octet::cli {

namespace {

struct BenchArgs {
  std::string model;
  int batch = 1, threads = 1, runs = 1000, sub_batch = 0;
  double seconds = 1.0;
  runtime::KernelChoice kernels = runtime::KernelChoice::kAuto;
  bool per_op = false, json = false;
};

// A model's MACs run on int8 when its weighted ops have int8 weights (int8 and dynamic-range
// models); their bound is then the int8 peak, otherwise the fp32 peak.
bool int8_arithmetic(const runtime::Interpreter& interp, const std::vector<int64_t>& macs) {
  const runtime::Graph& g = interp.graph();
  for (size_t i = 0; i < macs.size(); ++i) {
    if (macs[i] > 0 && interp.tensor_info(g.ops[i].inputs[1]).type == runtime::DataType::kInt8) return true;
  }
  return false;
}

Status run_bench(const BenchArgs& a) {
  OCTET_ASSIGN_OR_RETURN(runtime::Graph graph, tflite::load_tflite(a.model));
  runtime::InterpreterOptions io;
  io.batch = a.batch;
  io.num_threads = a.threads;
  io.kernels = a.kernels;
  io.sub_batch = a.sub_batch;
  auto created = runtime::Interpreter::create(graph, io);
  if (!created.ok()) return created.status().with_context(a.model);
  runtime::Interpreter& interp = *created.value();

  const std::vector<int64_t> op_macs = runtime::op_macs(interp);
  const double macs = static_cast<double>(runtime::model_macs_per_image(interp));
  const bool int8 = int8_arithmetic(interp, op_macs);
  const eval::Peak peak = int8 ? eval::measure_int8_peak() : eval::measure_fp32_peak();

  eval::LatencyOptions lo;
  lo.min_runs = a.runs;
  lo.min_seconds = a.seconds;
  lo.per_op = a.per_op;
  lo.progress = true;
  auto measured = eval::measure_latency(interp, lo);
  if (!measured.ok()) return measured.status().with_context(a.model);
  const eval::LatencyStats& s = measured.value();

  const double gmacs = macs * s.images_per_s / 1e9;
  // G MAC/s = 1e3 MAC/us; every thread can reach the per-core peak.
  const double bound_us = peak.gmacs > 0 ? macs / (peak.gmacs * 1e3 * a.threads) : 0;
  const double x_bound = bound_us > 0 ? s.us_per_image_median / bound_us : 0;
  const int num_ops = static_cast<int>(graph.ops.size());
  auto op_gmacs = [&](int i) {
    const double us = s.op_us_per_image_median[i];
    return us > 0 ? op_macs[i] / a.batch / (us * 1e3) : 0.0;
  };

  if (a.json) {
    nlohmann::json ops = nlohmann::json::array();
    for (int i = 0; i < num_ops; ++i) {
      nlohmann::json op = {{"index", i},
                           {"op", runtime::op_type_name(graph.ops[i].type)},
                           {"kernel", interp.op_kernel_name(i)},
                           {"macs", op_macs[i] / a.batch}};
      if (a.per_op) {
        op["us_median"] = s.op_us_per_image_median[i];
        op["gmacs"] = op_gmacs(i);
      }
      ops.push_back(op);
    }
    nlohmann::json j = {{"model", a.model},
                        {"arithmetic", int8 ? "int8" : "fp32"},
                        {"batch", a.batch},
                        {"threads", a.threads},
                        {"sub_batch", interp.sub_batch()},
                        {"kernels", kernel_choice_name(a.kernels)},
                        {"runs", s.runs},
                        {"latency_us_median", s.us_per_image_median},
                        {"latency_us_p90", s.us_per_image_p90},
                        {"latency_us_min", s.us_per_image_min},
                        {"images_per_s", s.images_per_s},
                        {"macs", static_cast<int64_t>(macs)},
                        {"gmacs", gmacs},
                        {"peak_gmacs", peak.gmacs},
                        {"peak_instruction", peak.how},
                        {"bound_us", bound_us},
                        {"x_bound", x_bound},
                        {"cpu_features", kernels::cpu_features_string()},
                        {"ops", ops}};
    std::printf("%s\n", j.dump(2).c_str());
    return Status::Ok();
  }

  std::printf("model       %s (%s arithmetic, %d ops)\n", a.model.c_str(), int8 ? "int8" : "fp32", num_ops);
  std::printf("run         batch %d (sub-batches of %d), %d thread%s, %s kernels, %d timed invokes\n", a.batch,
              interp.sub_batch(), a.threads, a.threads == 1 ? "" : "s", kernel_choice_name(a.kernels), s.runs);
  std::printf("latency     median %.2f us/image, p90 %.2f us/image\n", s.us_per_image_median, s.us_per_image_p90);
  std::printf("throughput  %.0f images/s\n", s.images_per_s);
  std::printf("work        %.4f M MACs/image, %.2f G MAC/s achieved\n", macs / 1e6, gmacs);
  std::printf("peak        %.1f G MAC/s per core, %s, measured now\n", peak.gmacs, peak.how);
  std::printf("bound       %.2f us/image (MACs / peak / %d thread%s): latency is %.2f x the bound\n", bound_us,
              a.threads, a.threads == 1 ? "" : "s", x_bound);
  std::printf("cpu         %s\n\n", kernels::cpu_features_string().c_str());
  std::printf("%3s  %-18s %-28s %12s", "#", "op", "kernel", "MACs/image");
  if (a.per_op) std::printf(" %10s %8s", "us/image", "G MAC/s");
  std::printf("\n");
  for (int i = 0; i < num_ops; ++i) {
    std::printf("%3d  %-18s %-28s %12lld", i, runtime::op_type_name(graph.ops[i].type), interp.op_kernel_name(i),
                static_cast<long long>(op_macs[i] / a.batch));
    if (a.per_op) std::printf(" %10.2f %8.2f", s.op_us_per_image_median[i], op_gmacs(i));
    std::printf("\n");
  }
  return Status::Ok();
}

}  // namespace

Runner add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Latency and throughput of a .tflite in octet's runtime, against the bound MACs / measured peak");
  // Not CLI::ExistingFile: a missing file is reported like any unreadable model, naming it, exit 1.
  cmd->add_option("--model", args->model, ".tflite file (float32, dynamic-range, float16 or int8)")->required();
  cmd->add_option("--batch", args->batch, "Images per invoke")->default_val(1)->check(CLI::Range(1, 65536));
  cmd->add_option("--threads", args->threads, "Threads")->default_val(1)->check(CLI::Range(1, 256));
  cmd->add_option("--sub-batch", args->sub_batch,
                  "Images per sub-batch, each run through every op (0 = sized to the L2 cache)")
      ->default_val(0)
      ->check(CLI::Range(0, 65536));
  add_kernels_option(cmd, args->kernels);
  cmd->add_option("--runs", args->runs, "Timed invokes, at least (after a warm-up; timing stops at 30 s once 10 are done)")
      ->default_val(1000)
      ->check(CLI::Range(1, 100'000'000));
  cmd->add_option("--seconds", args->seconds, "Time the invokes for at least this long (at most 30 s)")
      ->default_val(1.0)
      ->check(CLI::Range(0.0, 30.0));
  cmd->add_flag("--per-op", args->per_op, "Also time every op (as many invokes again) and show its G MAC/s");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  return [args] { return run_bench(*args); };
}

}  // namespace octet::cli
