// octet calibration-check: how many calibration images are enough, and how much int8 accuracy
// depends on which ones (issue 7). For every sample count and every reseeded subset it
// calibrates, quantizes to int8 and evaluates; it reports the accuracy spread per count, how far
// each activation range still is from the one the largest count gives, and the fingerprint
// (FNV-1a of the image indices, as stored in the model's "octet.quantization" metadata).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/file_io.h"
#include "core/progress.h"
#include "data/loader.h"
#include "eval/evaluate.h"
#include "quant/calibrate.h"
#include "quant/quantize.h"
#include "report/svg_chart.h"
#include "tflite/reader.h"

namespace octet::cli {

namespace {

struct CalibrationCheckArgs {
  std::string model, data, calibration = "minmax", json_out, svg_prefix;
  std::vector<int64_t> samples{10, 20, 50, 100, 200, 500, 1000};
  int subsets = 5;
  uint64_t seed = 42;
  int64_t limit = 0;
  int threads = 0;
  double percentile = 99.999;
  int weight_bits = 8;
  bool per_tensor = false, equalize = false;
};

struct Run {
  int64_t samples = 0;
  int subset = 0;
  uint64_t seed = 0;
  std::string fingerprint;  // as stored in the quantized model's metadata
  double accuracy = 0;
  std::vector<float> min, max;   // by position in the list of observed tensors
  std::vector<double> range_change;  // relative to the same subset's largest count
};

// How far [mn, mx] is from the reference range, as a fraction of the reference width.
double relative_change(float mn, float mx, float ref_mn, float ref_mx) {
  const double width = static_cast<double>(ref_mx) - ref_mn;
  const double d = std::max(std::fabs(static_cast<double>(mn) - ref_mn), std::fabs(static_cast<double>(mx) - ref_mx));
  if (width <= 0) return d == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  return d / width;
}

struct CountSummary {
  int64_t samples = 0;
  double mean = 0, min = 0, max = 0, stdev = 0;  // accuracy over the subsets
  double max_range_change = 0;                    // over subsets and tensors
  std::string max_range_tensor;
};

Status write_svg(const std::string& path, const std::string& svg) {
  OCTET_RETURN_IF_ERROR(prepare_output_path(path, {}));
  return write_file_atomic(path, svg);
}

Status run_calibration_check(CalibrationCheckArgs a) {
  std::sort(a.samples.begin(), a.samples.end());
  a.samples.erase(std::unique(a.samples.begin(), a.samples.end()), a.samples.end());
  if (!quant::is_calibration_method(a.calibration)) {
    return Status::Error("unknown --calibration '" + a.calibration + "' (available: " +
                         quant::calibration_method_list() + ")");
  }
  OCTET_ASSIGN_OR_RETURN(runtime::Graph graph, tflite::load_tflite(a.model));
  OCTET_RETURN_IF_ERROR(quant::check_float_graph(graph).with_context(a.model));
  OCTET_ASSIGN_OR_RETURN(data::DataSplits splits, data::load_dataset(a.data));
  const int64_t train_images = splits.train.size();
  if (a.samples.back() > train_images) {
    return Status::Error(a.data + ": --samples " + std::to_string(a.samples.back()) + " exceeds the " +
                         std::to_string(train_images) + " training images");
  }
  if (splits.test.size() == 0) return Status::Error(a.data + ": the test split is empty");

  eval::EvalOptions eopt;
  eopt.threads = a.threads;
  eopt.limit = a.limit;
  auto float_eval = eval::evaluate_graph(graph, splits.test, eopt);
  if (!float_eval.ok()) return float_eval.status().with_context(a.model);
  const int64_t test_images = float_eval->samples;

  quant::QuantizeOptions qopt;
  qopt.per_channel = !a.per_tensor;
  qopt.equalize = a.equalize;
  qopt.weight_bits = a.weight_bits;
  quant::CalibrationOptions copt;
  copt.method = a.calibration;
  copt.observer.percentile = a.percentile;
  copt.threads = a.threads;
  copt.progress = false;

  // Observed tensors are the same for every run: the first run fixes their order.
  std::vector<int32_t> tensors;
  std::vector<Run> runs;
  Progress progress("calibration-check", static_cast<int64_t>(a.samples.size()) * a.subsets, "runs");
  for (int k = 0; k < a.subsets; ++k) {
    for (int64_t n : a.samples) {
      copt.samples = n;
      copt.seed = a.seed + static_cast<uint64_t>(k);
      auto ptq = quant::post_training_quantize(graph, &splits.train, qopt, copt);
      if (!ptq.ok()) return ptq.status().with_context(a.model + " (calibration on " + splits.name + ")");
      auto ev = eval::evaluate_graph(ptq->quantized.graph, splits.test, eopt);
      if (!ev.ok()) return ev.status().with_context(a.model + " (int8, " + std::to_string(n) + " samples)");
      const quant::CalibrationResult& calib = *ptq->calibration;
      if (tensors.empty()) {
        for (size_t t = 0; t < calib.ranges.size(); ++t)
          if (calib.ranges[t].observed) tensors.push_back(static_cast<int32_t>(t));
      }
      Run r;
      r.samples = n;
      r.subset = k;
      r.seed = copt.seed;
      r.fingerprint = ptq->record["calibration"]["indices_fnv1a64"].get<std::string>();
      r.accuracy = ev->accuracy();
      for (int32_t t : tensors) {
        r.min.push_back(calib.ranges[static_cast<size_t>(t)].range.min);
        r.max.push_back(calib.ranges[static_cast<size_t>(t)].range.max);
      }
      runs.push_back(std::move(r));
      progress.update(static_cast<int64_t>(runs.size()));
    }
  }
  progress.finish();

  // Runs are stored subset by subset, counts ascending: the last of each block is the reference.
  const size_t per_subset = a.samples.size();
  for (size_t i = 0; i < runs.size(); ++i) {
    const Run& ref = runs[(i / per_subset + 1) * per_subset - 1];
    for (size_t t = 0; t < tensors.size(); ++t)
      runs[i].range_change.push_back(relative_change(runs[i].min[t], runs[i].max[t], ref.min[t], ref.max[t]));
  }

  std::vector<CountSummary> summary;
  for (size_t c = 0; c < per_subset; ++c) {
    CountSummary s;
    s.samples = a.samples[c];
    s.min = 1, s.max = 0;
    double sum = 0, sum_sq = 0;
    for (int k = 0; k < a.subsets; ++k) {
      const Run& r = runs[static_cast<size_t>(k) * per_subset + c];
      sum += r.accuracy;
      s.min = std::min(s.min, r.accuracy);
      s.max = std::max(s.max, r.accuracy);
      for (size_t t = 0; t < tensors.size(); ++t) {
        if (r.range_change[t] > s.max_range_change || s.max_range_tensor.empty()) {
          s.max_range_change = r.range_change[t];
          s.max_range_tensor = graph.tensors[static_cast<size_t>(tensors[t])].name;
        }
      }
    }
    s.mean = sum / a.subsets;
    for (int k = 0; k < a.subsets; ++k) {
      const double d = runs[static_cast<size_t>(k) * per_subset + c].accuracy - s.mean;
      sum_sq += d * d;
    }
    // Sample standard deviation over the subsets (0 for a single subset).
    s.stdev = a.subsets > 1 ? std::sqrt(sum_sq / (a.subsets - 1)) : 0.0;
    summary.push_back(s);
  }

  std::printf("calibration-check  %s on %s (test split, %lld images), %s calibration, %d-bit %s weights%s\n",
              a.model.c_str(), splits.name.c_str(), static_cast<long long>(test_images), a.calibration.c_str(),
              a.weight_bits, a.per_tensor ? "per-tensor" : "per-channel", a.equalize ? ", equalized" : "");
  std::printf("%d subsets (seeds %llu..%llu; counts of one seed are nested), float32 accuracy %.2f%%\n", a.subsets,
              static_cast<unsigned long long>(a.seed), static_cast<unsigned long long>(a.seed + a.subsets - 1),
              100.0 * float_eval->accuracy());
  std::printf("%8s  %8s  %8s  %8s  %7s  %s\n", "samples", "mean %", "min %", "max %", "stdev", "max range change vs largest count");
  for (const CountSummary& s : summary) {
    std::printf("%8lld  %8.2f  %8.2f  %8.2f  %7.3f  %.2f%% (%s)\n", static_cast<long long>(s.samples), 100 * s.mean,
                100 * s.min, 100 * s.max, 100 * s.stdev, 100 * s.max_range_change, s.max_range_tensor.c_str());
  }

  if (!a.json_out.empty()) {
    nlohmann::json j;
    j["model"] = a.model;
    j["dataset"] = splits.name;
    j["test_images"] = test_images;
    j["calibration"] = a.calibration;
    j["per_channel"] = !a.per_tensor;
    j["equalize"] = a.equalize;
    j["weight_bits"] = a.weight_bits;
    j["seed"] = a.seed;
    j["subsets"] = a.subsets;
    j["samples"] = a.samples;
    j["float_accuracy"] = float_eval->accuracy();
    nlohmann::json names = nlohmann::json::array();
    for (int32_t t : tensors) names.push_back(graph.tensors[static_cast<size_t>(t)].name);
    j["tensors"] = names;
    for (const Run& r : runs) {
      j["runs"].push_back({{"samples", r.samples}, {"subset", r.subset}, {"seed", r.seed},
                           {"indices_fnv1a64", r.fingerprint}, {"accuracy", r.accuracy}, {"min", r.min},
                           {"max", r.max}, {"range_change", r.range_change}});
    }
    for (const CountSummary& s : summary) {
      j["summary"].push_back({{"samples", s.samples}, {"accuracy_mean", s.mean}, {"accuracy_min", s.min},
                              {"accuracy_max", s.max}, {"accuracy_stdev", s.stdev},
                              {"max_range_change", s.max_range_change}, {"max_range_tensor", s.max_range_tensor}});
    }
    OCTET_RETURN_IF_ERROR(prepare_output_path(a.json_out, {a.model}));
    OCTET_RETURN_IF_ERROR(write_file_atomic(a.json_out, j.dump(2) + "\n"));
  }

  if (!a.svg_prefix.empty()) {
    report::XYChart acc;
    acc.title = "int8 accuracy vs calibration samples (" + std::to_string(a.subsets) + " subsets)";
    acc.x_label = "calibration samples (log)";
    acc.y_label = "test accuracy (%)";
    acc.log_x = true;
    acc.y_max = 100;
    report::ChartSeries mean{"mean", {}, ""}, lo{"min", {}, ""}, hi{"max", {}, ""}, fl{"float32", {}, ""};
    for (const CountSummary& s : summary) {
      const double x = static_cast<double>(s.samples);
      mean.points.push_back({x, 100 * s.mean, ""});
      lo.points.push_back({x, 100 * s.min, ""});
      hi.points.push_back({x, 100 * s.max, ""});
      fl.points.push_back({x, 100 * float_eval->accuracy(), ""});
    }
    acc.series = {mean, lo, hi, fl};
    OCTET_RETURN_IF_ERROR(write_svg(a.svg_prefix + "_accuracy.svg", report::render_line_chart(acc)));

    report::XYChart rc;
    rc.title = "activation range change vs the largest count (max over subsets)";
    rc.x_label = "calibration samples (log)";
    rc.y_label = "relative range change (%)";
    rc.log_x = true;
    for (size_t t = 0; t < tensors.size(); ++t) {
      report::ChartSeries s{graph.tensors[static_cast<size_t>(tensors[t])].name, {}, ""};
      for (size_t c = 0; c < per_subset; ++c) {
        double worst = 0;
        for (int k = 0; k < a.subsets; ++k)
          worst = std::max(worst, runs[static_cast<size_t>(k) * per_subset + c].range_change[t]);
        s.points.push_back({static_cast<double>(a.samples[c]), 100 * worst, ""});
      }
      rc.series.push_back(std::move(s));
    }
    OCTET_RETURN_IF_ERROR(write_svg(a.svg_prefix + "_ranges.svg", report::render_line_chart(rc)));
  }
  return Status::Ok();
}

}  // namespace

Runner add_calibration_check_command(CLI::App& app) {
  auto args = std::make_shared<CalibrationCheckArgs>();
  args->threads = default_threads();
  CLI::App* cmd = app.add_subcommand(
      "calibration-check", "int8 accuracy and activation ranges against the number and choice of calibration images");
  cmd->add_option("--model", args->model, "Float32 .tflite file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", args->data, "Dataset: mnist, cifar10, or a path (calibrate on train, evaluate on test)")->required();
  cmd->add_option("--samples", args->samples, "Calibration sample counts, comma-separated")
      ->delimiter(',')->check(CLI::Range(int64_t{1}, int64_t{1} << 40))->capture_default_str();
  cmd->add_option("--subsets", args->subsets, "Reseeded calibration subsets per count (seeds S, S+1, ...)")
      ->default_val(5)->check(CLI::Range(1, 1000));
  std::vector<std::string> method_names;
  for (const quant::CalibrationMethod& m : quant::calibration_methods()) method_names.push_back(m.name);
  cmd->add_option("--calibration", args->calibration, "Calibration method (see octet quantize --help)")
      ->default_val("minmax")->check(CLI::IsMember(method_names));
  cmd->add_option("--percentile", args->percentile, "Percentile kept by --calibration percentile")
      ->default_val(99.999)->check(CLI::Range(1e-9, 100.0));
  cmd->add_option("--weight-bits", args->weight_bits, "Weight bits (as octet quantize --weight-bits)")
      ->default_val(8)->check(CLI::Range(2, 8));
  cmd->add_flag("--per-tensor", args->per_tensor, "One weight scale per tensor instead of per output channel");
  cmd->add_flag("--equalize", args->equalize, "Cross-layer equalization before calibration (as octet quantize --equalize)");
  cmd->add_option("--seed", args->seed, "Seed of the first subset")->default_val(42);
  cmd->add_option("--limit", args->limit, "Evaluate on the first N test images only (0 = all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", args->threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--json", args->json_out, "Write every run, range and fingerprint as JSON to this file");
  cmd->add_option("--svg-prefix", args->svg_prefix, "Write PREFIX_accuracy.svg and PREFIX_ranges.svg");
  return [args] { return run_calibration_check(*args); };
}

}  // namespace octet::cli
