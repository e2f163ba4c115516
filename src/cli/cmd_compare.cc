// octet compare: where does a quantized model lose accuracy? Runs a float model and its quantized
// version on the same images, pairs their intermediate tensors and reports per-layer SQNR and max
// abs error (quantized tensors dequantized), then top-1 agreement and each model's accuracy.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/kernels_option.h"
#include "data/loader.h"
#include "eval/compare.h"
#include "tflite/reader.h"

namespace octet::cli {

namespace {

struct CompareArgs {
  std::string float_model, quant_model, data, split = "test";
  int64_t samples = 1000;
  int batch = 100, threads = 0;
  runtime::KernelChoice kernels = runtime::KernelChoice::kAuto;
  bool json = false;
};

std::string shape_text(const std::vector<int32_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ',';
    r += std::to_string(s[i]);
  }
  r += ']';
  return r;
}

std::string fit(const std::string& s, size_t w) { return s.size() <= w ? s : s.substr(0, w - 3) + "..."; }

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

Status run_compare(const CompareArgs& a) {
  auto float_graph = tflite::load_tflite(a.float_model);
  if (!float_graph.ok()) return float_graph.status();
  auto quant_graph = tflite::load_tflite(a.quant_model);
  if (!quant_graph.ok()) return quant_graph.status();
  OCTET_ASSIGN_OR_RETURN(data::DataSplits splits, data::load_dataset(a.data));
  const data::Dataset& d = a.split == "train" ? splits.train : splits.test;
  eval::CompareOptions opt;
  opt.samples = a.samples;
  opt.batch = a.batch;
  opt.threads = a.threads;
  opt.kernels = a.kernels;
  auto result = eval::compare_graphs(float_graph.value(), quant_graph.value(), d, opt);
  if (!result.ok()) {
    // Name the file instead of the library's "reference model" / "test model".
    std::string msg = result.status().message();
    for (auto [role, file] : {std::pair<std::string, std::string>{"reference model", a.float_model},
                              {"test model", a.quant_model}})
      if (msg.rfind(role, 0) == 0) msg = file + msg.substr(role.size());
    return Status::Error(msg);
  }
  const eval::CompareResult& r = result.value();
  int by_name = 0;
  for (const auto& l : r.layers) by_name += l.by_name;
  const std::string matching = by_name == static_cast<int>(r.layers.size()) ? "name"
                               : by_name == 0                               ? "position"
                                                                             : "name, else position";

  if (a.json) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : r.layers) {
      const double sqnr = l.stats.sqnr_db();
      nlohmann::json j = {{"name", l.name},
                          {"op", l.op},
                          {"quant_name", l.test_name},
                          {"matched_by", l.by_name ? "name" : "position"},
                          {"shape", l.shape},
                          {"float_type", l.reference_type},
                          {"quant_type", l.test_type},
                          {"sqnr_db", number_or_null(sqnr)},
                          {"identical", l.note.empty() && l.stats.count > 0 && l.stats.noise_sq == 0},
                          {"max_abs_error", l.stats.max_abs},
                          {"rms_error", l.stats.rms_error()},
                          {"values", l.stats.count}};
      if (!l.note.empty()) j["note"] = l.note;
      layers.push_back(j);
    }
    nlohmann::json j = {{"float_model", a.float_model},
                        {"quant_model", a.quant_model},
                        {"dataset", splits.name},
                        {"split", a.split},
                        {"samples", r.samples},
                        {"matching", matching},
                        {"layers", layers},
                        {"top1_agreement", r.top1_agreement()},
                        {"top1_agree", r.top1_agree},
                        {"float_accuracy", r.reference_accuracy()},
                        {"quant_accuracy", r.test_accuracy()},
                        {"accuracy", r.test_accuracy()}};
    std::printf("%s\n", j.dump(2).c_str());
    return Status::Ok();
  }

  std::printf("float model  %s\n", a.float_model.c_str());
  std::printf("quant model  %s\n", a.quant_model.c_str());
  std::printf("dataset      %s, %s split, %lld images\n", splits.name.c_str(), a.split.c_str(),
              static_cast<long long>(r.samples));
  std::printf("tensors      paired by %s; quantized values dequantized as S*(q-Z)\n\n", matching.c_str());
  std::printf("%3s  %-16s %-28s %-14s %-7s %-7s %-5s %9s %12s\n", "#", "op", "tensor (float model)", "shape", "float",
              "quant", "match", "SQNR dB", "max abs err");
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const auto& l = r.layers[i];
    char sqnr[32], err[32];
    const double s = l.stats.sqnr_db();
    if (!l.note.empty()) {
      std::snprintf(sqnr, sizeof sqnr, "%s", "-");
      std::snprintf(err, sizeof err, "%s", "-");
    } else {
      if (std::isinf(s) && s > 0) {
        std::snprintf(sqnr, sizeof sqnr, "%s", "exact");
      } else {
        std::snprintf(sqnr, sizeof sqnr, "%.2f", s);
      }
      std::snprintf(err, sizeof err, "%.4g", l.stats.max_abs);
    }
    std::printf("%3zu  %-16s %-28s %-14s %-7s %-7s %-5s %9s %12s\n", i, fit(l.op, 16).c_str(), fit(l.name, 28).c_str(),
                fit(shape_text(l.shape), 14).c_str(), l.reference_type.c_str(), l.test_type.c_str(),
                l.by_name ? "name" : "pos", sqnr, err);
    if (!l.note.empty()) std::printf("     (not compared: %s)\n", l.note.c_str());
  }
  std::printf("\ntop-1 agreement  %.4f (%lld / %lld)\n", r.top1_agreement(), static_cast<long long>(r.top1_agree),
              static_cast<long long>(r.samples));
  std::printf("accuracy         float %.4f, quant %.4f (%+.2f points)\n", r.reference_accuracy(), r.test_accuracy(),
              100.0 * (r.test_accuracy() - r.reference_accuracy()));
  return Status::Ok();
}

}  // namespace

Runner add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  args->threads = default_threads();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Per-layer error (SQNR, max abs) of a quantized model against its float model, on the same images");
  cmd->add_option("--float", args->float_model, "Reference .tflite (float32)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--quant", args->quant_model, ".tflite under test (int8, dynamic-range, float16, ...)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", args->data, "Dataset: mnist, cifar10, or a path")->required();
  cmd->add_option("--samples", args->samples, "First N images of the split")->default_val(1000)->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--split", args->split, "test or train")->default_val("test")->check(CLI::IsMember({"test", "train"}));
  cmd->add_option("--batch", args->batch, "Images per inference call")->default_val(100)->check(CLI::Range(1, 65536));
  cmd->add_option("--threads", args->threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  add_kernels_option(cmd, args->kernels);
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  return [args] { return run_compare(*args); };
}

}  // namespace octet::cli
