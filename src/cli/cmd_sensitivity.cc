// octet sensitivity: which layers does int8 hurt? For each op of a float model, the int8 model
// with only that op quantized (every other op float32), its held-out accuracy drop and SQNR;
// a table sorted by drop and a horizontal bar chart.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/held_out.h"
#include "cli/kernels_option.h"
#include "core/file_io.h"
#include "data/loader.h"
#include "quant/quantize.h"
#include "report/svg_chart.h"
#include "tflite/reader.h"

namespace octet::cli {

namespace {

struct SensitivityArgs {
  std::string model, data, calibration = "minmax", svg;
  int64_t samples = 500, held_out = 1000;
  uint64_t seed = 42;
  double percentile = 99.999;
  bool per_tensor = false, json = false;
  int batch = 100, threads = 0;
  runtime::KernelChoice kernels = runtime::KernelChoice::kAuto;
};

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string db_text(double v) {
  if (std::isnan(v)) return "-";
  if (std::isinf(v)) return v > 0 ? "exact" : "-inf";
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

Status run_sensitivity(const SensitivityArgs& a) {
  if (!a.svg.empty()) OCTET_RETURN_IF_ERROR(prepare_output_path(a.svg, {a.model}));
  if (!quant::is_calibration_method(a.calibration)) {
    return Status::Error("unknown --calibration '" + a.calibration + "' (available: " + quant::calibration_method_list() + ")");
  }
  OCTET_ASSIGN_OR_RETURN(runtime::Graph graph, tflite::load_tflite(a.model));
  OCTET_RETURN_IF_ERROR(quant::check_float_graph(graph).with_context(a.model));
  quant::CalibrationOptions copt;
  copt.samples = a.samples;
  copt.seed = a.seed;
  copt.method = a.calibration;
  copt.observer.percentile = a.percentile;
  copt.threads = a.threads;
  OCTET_ASSIGN_OR_RETURN(data::DataSplits splits, data::load_dataset(a.data));
  OCTET_ASSIGN_OR_RETURN(HeldOutCalibration hc, calibrate_with_held_out(graph, a.model, splits, a.held_out, copt));

  eval::SensitivityOptions opt;
  opt.quantize.per_channel = !a.per_tensor;
  opt.quantize.io = quant::IoType::kFloat;  // the model input stays float: only the op under test is int8
  opt.batch = a.batch;
  opt.threads = a.threads;
  opt.kernels = a.kernels;
  auto res = eval::layer_sensitivity(graph, hc.calibration, hc.split.held_out, opt);
  if (!res.ok()) return res.status().with_context(a.model);
  const eval::SensitivityResult& r = *res;
  const int64_t train_images = hc.split.calibration.size() + hc.split.held_out.size();

  if (!a.svg.empty()) {
    report::BarChart chart;
    chart.title = "Accuracy drop with only this op int8 (" + hc.dataset + ", last " + std::to_string(r.held_out) +
                  " training images)";
    chart.value_label = "top-1 drop vs float32 (percentage points)";
    for (const eval::OpSensitivity& s : r.ops)
      chart.bars.push_back({std::to_string(s.op_index) + " " + s.op + " " + s.output, s.drop_pp});
    OCTET_RETURN_IF_ERROR(write_file_atomic(a.svg, report::render_bar_chart(chart)));
  }

  if (a.json) {
    nlohmann::json ops = nlohmann::json::array();
    for (const eval::OpSensitivity& s : r.ops) {
      ops.push_back({{"op_index", s.op_index},
                     {"op", s.op},
                     {"output", s.output},
                     {"accuracy", s.accuracy},
                     {"drop_pp", s.drop_pp},
                     {"op_sqnr_db", number_or_null(s.op_sqnr_db)},
                     {"model_sqnr_db", number_or_null(s.model_sqnr_db)}});
    }
    nlohmann::json j = {{"model", a.model},
                        {"dataset", hc.dataset},
                        {"held_out", {{"split", "train"}, {"first", train_images - r.held_out}, {"images", r.held_out}}},
                        {"calibration", {{"method", hc.calibration.method}, {"samples", hc.calibration.samples()},
                                         {"seed", hc.calibration.seed}}},
                        {"per_channel", !a.per_tensor},
                        {"float_accuracy", r.float_accuracy},
                        {"int8_accuracy", r.int8_accuracy},
                        {"accuracy", r.int8_accuracy},
                        {"samples", r.held_out},
                        {"ops", ops}};
    if (!a.svg.empty()) j["svg"] = a.svg;
    std::printf("%s\n", j.dump(2).c_str());
    return Status::Ok();
  }
  std::printf("model        %s\n", a.model.c_str());
  std::printf("held out     %s training images %lld..%lld (%lld images; calibration: %s on %lld of the images before)\n",
              hc.dataset.c_str(), static_cast<long long>(train_images - r.held_out),
              static_cast<long long>(train_images - 1), static_cast<long long>(r.held_out), hc.calibration.method.c_str(),
              static_cast<long long>(hc.calibration.samples()));
  std::printf("accuracy     float32 %.2f%%, every op int8 %.2f%% (%+.2f points)\n\n", 100 * r.float_accuracy,
              100 * r.int8_accuracy, 100 * (r.int8_accuracy - r.float_accuracy));
  std::printf("| rank | op | type | output | accuracy | drop (pp) | op SQNR dB | output SQNR dB |\n");
  std::printf("|---:|---:|---|---|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < r.ops.size(); ++i) {
    const eval::OpSensitivity& s = r.ops[i];
    std::printf("| %zu | %d | %s | %s | %.2f%% | %.2f | %s | %s |\n", i + 1, s.op_index, s.op.c_str(), s.output.c_str(),
                100 * s.accuracy, s.drop_pp, db_text(s.op_sqnr_db).c_str(), db_text(s.model_sqnr_db).c_str());
  }
  if (!a.svg.empty()) std::printf("\nwritten      %s\n", a.svg.c_str());
  return Status::Ok();
}

}  // namespace

Runner add_sensitivity_command(CLI::App& app) {
  auto args = std::make_shared<SensitivityArgs>();
  args->threads = default_threads();
  CLI::App* cmd = app.add_subcommand(
      "sensitivity", "Per-op int8 sensitivity: accuracy drop and SQNR with only that op quantized, sorted");
  cmd->add_option("--model", args->model, "Float32 .tflite file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", args->data, "Dataset: mnist, cifar10, or a path (its training split is used)")->required();
  cmd->add_option("--samples", args->samples, "Calibration images drawn from the training split before the held-out images")
      ->default_val(500)->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--held-out", args->held_out, kHeldOutHelp)->default_val(1000)->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  std::vector<std::string> methods;
  for (const quant::CalibrationMethod& m : quant::calibration_methods()) methods.push_back(m.name);
  cmd->add_option("--calibration", args->calibration, "Calibration method: " + quant::calibration_method_list())
      ->default_val("minmax")->check(CLI::IsMember(methods));
  cmd->add_option("--percentile", args->percentile, "Percentile kept by --calibration percentile")
      ->default_val(99.999)->check(CLI::Range(1e-9, 100.0));
  cmd->add_flag("--per-tensor", args->per_tensor, "One weight scale per tensor instead of per output channel");
  cmd->add_option("--seed", args->seed, "Seed choosing the calibration images")->default_val(42);
  cmd->add_option("--batch", args->batch, "Images per inference call")->default_val(100)->check(CLI::Range(1, 65536));
  cmd->add_option("--threads", args->threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  add_kernels_option(cmd, args->kernels);
  cmd->add_option("--svg", args->svg, "Write a horizontal bar chart of the drops (SVG, atomically)");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  return [args] { return run_sensitivity(*args); };
}

}  // namespace octet::cli
