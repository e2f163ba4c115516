// octet quantize: post-training quantization of a float32 .tflite into int8 (calibrated),
// dynamic-range or float16 form, written as a .tflite TFLite runs (quantization.md §2, §5).
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/held_out.h"
#include "core/progress.h"
#include "data/loader.h"
#include "quant/calibrate.h"
#include "quant/quantize.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

namespace octet::cli {

namespace {

struct QuantizeArgs {
  std::string model, mode, calib, calibration = "minmax", io = "int8", out;
  int64_t samples = 500;
  uint64_t seed = 42;
  bool per_tensor = false, keep_ranges = false, json = false, io_given = false, bias_correction = false,
       equalize = false;
  int threads = 0;
  double percentile = 99.999;
  int weight_bits = 8, activation_bits = 8;
  std::vector<std::string> keep_float;
  double max_drop = -1;  // percentage points; < 0: not given
  bool ladder = false;
  int64_t held_out = 1000;
};

std::string steps_table(const eval::MaxDropResult& m) {
  std::string t = "  mixed precision (held-out accuracy, file bytes, us/image at batch 1 on one thread):\n";
  char line[512];
  std::snprintf(line, sizeof line, "  %-5s %9s %10s %11s %9s  %-8s %s\n", "step", "accuracy", "drop (pp)", "bytes",
                "us/image", "", "change");
  t += line;
  std::snprintf(line, sizeof line, "  %-5s %8.2f%% %10s %11lld %9.1f  %-8s %s\n", "-", 100 * m.sensitivity.float_accuracy, "",
                static_cast<long long>(m.float_file_bytes), m.float_us_per_image, "", "float32 model");
  t += line;
  for (size_t i = 0; i < m.steps.size(); ++i) {
    const eval::MixedStep& s = m.steps[i];
    std::snprintf(line, sizeof line, "  %-5zu %8.2f%% %10.2f %11lld %9.1f  %-8s %s\n", i, 100 * s.accuracy, s.drop_pp,
                  static_cast<long long>(s.file_bytes), s.us_per_image,
                  static_cast<int>(i) == m.chosen ? "chosen" : s.accepted ? "kept" : "undone", s.change.c_str());
    t += line;
  }
  std::string kept;
  for (const std::string& k : m.steps[static_cast<size_t>(m.chosen)].kept_names) kept += (kept.empty() ? "" : ", ") + k;
  t += "  kept float32: " + (kept.empty() ? std::string("none") : kept) + "\n";
  std::string int16;
  for (const std::string& k : m.steps[static_cast<size_t>(m.chosen)].int16) int16 += (int16.empty() ? "" : ", ") + k;
  if (!int16.empty()) t += "  int16 activations: " + int16 + "\n";
  return t;
}

Status run_quantize(const QuantizeArgs& a) {
  const double t_start = now_seconds();
  OCTET_RETURN_IF_ERROR(prepare_output_path(a.out, {a.model, a.calib}));
  quant::QuantizeOptions opt;
  OCTET_ASSIGN_OR_RETURN(opt.mode, quant::parse_mode(a.mode));
  OCTET_ASSIGN_OR_RETURN(opt.io, quant::parse_io(a.io));
  opt.per_channel = !a.per_tensor;
  opt.keep_ranges = a.keep_ranges;
  opt.weight_bits = a.weight_bits;
  opt.activation_bits = a.activation_bits;
  opt.bias_correction = a.bias_correction;
  opt.equalize = a.equalize;
  if (opt.mode != quant::Mode::kInt8 && (a.weight_bits != 8 || a.activation_bits != 8)) {
    return Status::Error("--weight-bits and --activation-bits apply to --mode int8 only");
  }
  if (opt.mode != quant::Mode::kInt8 && a.bias_correction) {
    return Status::Error("--bias-correction applies to --mode int8 only");
  }
  if (opt.mode != quant::Mode::kInt8 && a.equalize) {
    return Status::Error("--equalize applies to --mode int8 only");
  }
  const quant::IoType accepted_io = opt.mode == quant::Mode::kInt16x8 ? quant::IoType::kFloat : quant::IoType::kInt8;
  if (opt.mode != quant::Mode::kInt8 && a.io_given && opt.io != accepted_io) {
    return Status::Error("--io applies to --mode int8 only (dynamic, float16 and int16x8 models keep float32 I/O)");
  }
  if (quant::is_calibrated(opt.mode) && a.calib.empty()) {
    return Status::Error("--mode " + a.mode + " needs calibration images: --calib DATA (mnist, cifar10 or a path)");
  }
  if (!quant::is_calibration_method(a.calibration)) {
    return Status::Error("unknown --calibration '" + a.calibration + "' (available: " +
                         quant::calibration_method_list() + ")");
  }
  const bool max_drop = a.max_drop >= 0;
  if (max_drop && opt.mode != quant::Mode::kInt8) return Status::Error("--max-drop applies to --mode int8 only");
  if (!a.keep_float.empty() && !quant::is_calibrated(opt.mode)) {
    return Status::Error("--keep-float applies to --mode int8 and int16x8 only");
  }
  if (a.ladder && !max_drop) return Status::Error("--ladder is part of the --max-drop search; give --max-drop too");
  if (max_drop && !a.keep_float.empty()) {
    return Status::Error("give either --keep-float (a fixed list) or --max-drop (a search), not both");
  }
  opt.keep_float = a.keep_float;

  OCTET_ASSIGN_OR_RETURN(runtime::Graph graph, tflite::load_tflite(a.model));
  OCTET_RETURN_IF_ERROR(quant::check_float_graph(graph).with_context(a.model));

  nlohmann::json extra = {{"source_model", std::filesystem::path(a.model).filename().string()}};
  std::optional<data::DataSplits> splits;
  quant::CalibrationOptions copt;
  if (quant::is_calibrated(opt.mode)) {
    OCTET_ASSIGN_OR_RETURN(splits, data::load_dataset(a.calib));
    copt.samples = a.samples;
    copt.seed = a.seed;
    copt.method = a.calibration;
    copt.observer.percentile = a.percentile;
    copt.observer.bits = a.activation_bits;  // kl and mse search for this many bits
    copt.channel_means = a.bias_correction;
    copt.threads = a.threads;
    extra["dataset"] = splits->name;  // calibration always draws from the training split
  } else if (!a.calib.empty()) {
    std::fprintf(stderr, "quantize: warning: --calib is not used by --mode %s\n", a.mode.c_str());
  }

  const double t_quantize = now_seconds();
  std::optional<eval::MaxDropResult> search;
  Result<quant::PtqResult> ptq = Status::Error("unreachable");
  if (max_drop) {
    // Calibrate on the training images before the held-out ones, then search.
    OCTET_ASSIGN_OR_RETURN(HeldOutCalibration hc, calibrate_with_held_out(graph, a.model, *splits, a.held_out, copt));
    extra["dataset"] = hc.dataset;
    extra["held_out"] = {{"split", "train"}, {"last", a.held_out}};
    extra["max_drop_pp"] = a.max_drop;
    eval::MaxDropOptions mo;
    mo.sensitivity.quantize = opt;
    mo.sensitivity.threads = a.threads;
    mo.max_drop_pp = a.max_drop;
    mo.record_extra = extra;
    mo.ladder = a.ladder;
    if (a.ladder) {
      // The same images (same seed, same count) calibrated by the clipping methods the ladder tries.
      for (const char* method : {"percentile", "mse"}) {
        quant::CalibrationOptions alt = copt;
        alt.method = method;
        auto c = quant::calibrate(graph, hc.split.calibration, alt);
        if (!c.ok()) return c.status().with_context(a.model + " (" + method + " calibration on " + hc.dataset + ")");
        mo.clipping.push_back(std::move(c).value());
      }
    }
    auto found = eval::keep_float_within_drop(graph, hc.calibration, hc.split.held_out, mo);
    if (!found.ok()) return found.status().with_context(a.model);
    search = std::move(found).value();
    quant::PtqResult p;
    p.quantized.graph = search->graph;
    p.quantized.report = search->report;
    p.calibration = std::move(hc.calibration);
    p.record = search->record;
    ptq = std::move(p);
  } else {
    ptq = quant::post_training_quantize(graph, splits ? &splits->train : nullptr, opt, copt, extra);
    if (!ptq.ok()) return ptq.status().with_context(splits ? a.model + " (calibration on " + splits->name + ")" : a.model);
  }
  const std::optional<quant::CalibrationResult>& calib = ptq->calibration;
  // Every warning (calibration's too) names the file it is about: the report may be read alone.
  for (std::string& w : ptq->quantized.report.warnings) w = a.model + ": " + w;
  const double calib_seconds = calib ? calib->seconds : 0.0;
  const double t_convert = t_quantize + calib_seconds;
  OCTET_RETURN_IF_ERROR(tflite::save_tflite(ptq->quantized.graph, a.out));
  const double convert_seconds = now_seconds() - t_convert;

  std::error_code ec;
  const uintmax_t float_bytes = std::filesystem::file_size(a.model, ec);
  const uintmax_t quant_bytes = std::filesystem::file_size(a.out, ec);
  const double ratio = quant_bytes > 0 ? static_cast<double>(float_bytes) / static_cast<double>(quant_bytes) : 0.0;
  const double total_seconds = now_seconds() - t_start;

  std::string text = quant::format_report(ptq->quantized.report);
  if (ptq->equalization) text += quant::format_equalize_report(*ptq->equalization);
  if (calib) {
    char line[256];
    std::snprintf(line, sizeof line, "  calibration: %s on %lld training images (seed %llu, indices fnv1a64 %016llx), %.2f s\n",
                  calib->method.c_str(), static_cast<long long>(calib->samples()),
                  static_cast<unsigned long long>(calib->seed), static_cast<unsigned long long>(calib->indices_hash),
                  calib_seconds);
    text += line;
  }
  char sizes[256];
  std::snprintf(sizes, sizeof sizes, "  file: %ju bytes float32 -> %ju bytes %s (%.2fx smaller); conversion %.2f s, total %.2f s\n",
                float_bytes, quant_bytes, a.mode.c_str(), ratio, convert_seconds, total_seconds);
  text += sizes;
  if (search) {
    text += steps_table(*search);
    char verdict[256];
    std::snprintf(verdict, sizeof verdict, "  budget %.2f pp on the last %lld training images: %s\n", a.max_drop,
                  static_cast<long long>(a.held_out), search->met ? "met" : "NOT met (every op tried)");
    text += verdict;
  }
  std::fputs(text.c_str(), stderr);

  if (a.json) {
    nlohmann::json j = {{"model", a.model},
                        {"out", a.out},
                        {"mode", a.mode},
                        {"float_file_bytes", float_bytes},
                        {"quantized_file_bytes", quant_bytes},
                        {"size_ratio", ratio},
                        {"calibration_seconds", calib_seconds},
                        {"conversion_seconds", convert_seconds},
                        {"total_seconds", total_seconds},
                        {"record", ptq->record},
                        {"report", quant::report_json(ptq->quantized.report)}};
    // The exact training-split images calibrated on, so other tools can calibrate on the same ones.
    if (calib) j["calibration_indices"] = calib->indices;
    if (ptq->equalization) j["equalization"] = quant::equalize_report_json(*ptq->equalization);
    if (search) {
      nlohmann::json steps = nlohmann::json::array();
      for (const eval::MixedStep& s : search->steps) {
        steps.push_back({{"change", s.change}, {"accepted", s.accepted}, {"kept_float", s.kept_names},
                         {"kept_op_indices", s.kept}, {"per_channel", s.per_channel}, {"int16", s.int16}, {"clipping", s.clipping},
                         {"accuracy", s.accuracy}, {"drop_pp", s.drop_pp}, {"file_bytes", s.file_bytes},
                         {"us_per_image", s.us_per_image}});
      }
      nlohmann::json ranking = nlohmann::json::array();
      for (const eval::OpSensitivity& o : search->sensitivity.ops)
        ranking.push_back({{"op_index", o.op_index}, {"output", o.output}, {"drop_pp", o.drop_pp}});
      j["max_drop"] = {{"budget_pp", a.max_drop},
                       {"met", search->met},
                       {"held_out", {{"split", "train"}, {"last", a.held_out}}},
                       {"float_accuracy", search->sensitivity.float_accuracy},
                       {"float_file_bytes", search->float_file_bytes},
                       {"float_us_per_image", search->float_us_per_image},
                       {"ladder", a.ladder},
                       {"chosen_step", search->chosen},
                       {"kept_float", search->steps[static_cast<size_t>(search->chosen)].kept_names},
                       {"steps", steps},
                       {"sensitivity_ranking", ranking}};
    }
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("written     %s (%ju bytes, %s; float32 %ju bytes, %.2fx smaller)\n", a.out.c_str(), quant_bytes,
                a.mode.c_str(), float_bytes, ratio);
  }
  return Status::Ok();
}

}  // namespace

Runner add_quantize_command(CLI::App& app) {
  auto args = std::make_shared<QuantizeArgs>();
  args->threads = default_threads();
  CLI::App* cmd = app.add_subcommand("quantize", "Post-training quantization of a float32 .tflite (int8, dynamic range, float16 or int16x8)");
  cmd->add_option("--model", args->model, "Float32 .tflite file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--mode", args->mode,
                  "int8 (calibrated, full integer), dynamic (int8 weights), float16, int16x8 (TFLite's 16x8 mode: "
                  "calibrated symmetric int16 activations, int8 weights, int64 biases, float32 I/O; SOFTMAX stays "
                  "float32; runs on the reference kernels)")
      ->required()->check(CLI::IsMember({"int8", "dynamic", "float16", "int16x8"}));
  cmd->add_option("--calib", args->calib, "Calibration dataset for int8 and int16x8: mnist, cifar10, or a path (training split is used)");
  cmd->add_option("--samples", args->samples, "Calibration images drawn from the training split")->default_val(500)->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  std::string methods_help = "Calibration method (int8):";
  std::vector<std::string> method_names;
  for (const quant::CalibrationMethod& m : quant::calibration_methods()) {
    methods_help += std::string("\n  ") + m.name + ": " + m.peer;
    method_names.push_back(m.name);
  }
  cmd->add_option("--calibration", args->calibration, methods_help)->default_val("minmax")->check(CLI::IsMember(method_names));
  cmd->add_option("--percentile", args->percentile, "Percentile kept by --calibration percentile (ORT's default)")
      ->default_val(99.999)->check(CLI::Range(1e-9, 100.0));
  cmd->add_option("--weight-bits", args->weight_bits, "Weight bits (int8 containers): symmetric [-(2^(N-1)-1), 2^(N-1)-1]")
      ->default_val(8)->check(CLI::Range(2, 8));
  cmd->add_option("--activation-bits", args->activation_bits,
                  "Activation bits (int8 containers): [-2^(N-1), 2^(N-1)-1]; kl and mse search for N bits")
      ->default_val(8)->check(CLI::Range(2, 8));
  cmd->add_flag("--bias-correction", args->bias_correction,
                "int8: empirical bias correction b -= (W_q - W) E[x], E[x] from the calibration images (Nagel et al. 2019; NNCF does it, TFLite does not)");
  cmd->add_flag("--equalize", args->equalize,
                "int8: cross-layer equalization of the float weights before calibration (Nagel et al. 2019; TFLite does not)");
  cmd->add_flag("--per-tensor", args->per_tensor, "One weight scale per tensor instead of per output channel");
  cmd->add_flag("--keep-ranges", args->keep_ranges,
                "Also store calibrated activation min/max and weight channel min/max in the file (TFLite ignores them)");
  auto* io = cmd->add_option("--io", args->io, "int8 model input/output type: int8, uint8 or float (QUANTIZE/DEQUANTIZE at the boundary)")
      ->default_val("int8")->check(CLI::IsMember({"int8", "uint8", "float"}));
  cmd->add_option("--keep-float", args->keep_float,
                  "int8, int16x8: keep these ops float32 (output tensor names or op indices, comma-separated); "
                  "DEQUANTIZE/QUANTIZE go around them")
      ->delimiter(',');
  cmd->add_option("--max-drop", args->max_drop,
                  "int8: keep the most sensitive ops float32, one at a time, until the top-1 drop versus the float "
                  "model is at most this many percentage points on the held-out split (see --held-out)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_flag("--ladder", args->ladder,
                "With --max-drop, before keeping an op float32 try: per-channel weights (with --per-tensor), then its "
                "output range from percentile, then mse calibration, then int16 activations for it (TFLite's 16x8 "
                "kernels, DEQUANTIZE/QUANTIZE borders); a rung stays only if it raises the accuracy.");
  cmd->add_option("--held-out", args->held_out, std::string(kHeldOutHelp) + " (with --max-drop)")
      ->default_val(1000)->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--seed", args->seed, "Seed choosing the calibration images")->default_val(42);
  cmd->add_option("--threads", args->threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_flag("--json", args->json, "Print one JSON object (report, sizes, timings) on stdout");
  cmd->add_option("--out", args->out, "Output .tflite file (written atomically, never over the input)")->required();
  return [args, io] {
    args->io_given = io->count() > 0;
    return run_quantize(*args);
  };
}

}  // namespace octet::cli
