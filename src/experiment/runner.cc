#include "experiment/runner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/file_io.h"
#include "core/json_depth.h"
#include "core/progress.h"
#include "core/thread_pool.h"
#include "data/loader.h"
#include "eval/compare.h"
#include "eval/evaluate.h"
#include "eval/latency.h"
#include "experiment/outputs.h"
#include "eval/sensitivity.h"
#include "nn/export.h"
#include "nn/import.h"
#include "nn/trainer.h"
#include "qat/fine_tune.h"
#include "quant/quantize.h"
#include "report/stats.h"
#include "runtime/kernels/x86/cpu_features.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

namespace octet::experiment {

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// One .tflite of the experiment, measured.
struct Measured {
  const ModelEntry* entry = nullptr;
  std::string precision;
  std::string file;  // name inside the experiment folder
  int64_t bytes = 0;
  runtime::Graph graph;  // as read back from the file
  eval::EvalResult eval;
  eval::LatencyStats latency;
  json record;  // the results.json "models" entry
};

// Prints one stage line; `Progress` bars of training/calibration follow it.
class Stages {
 public:
  Stages(std::string experiment, int total) : experiment_(std::move(experiment)), total_(total) {}
  void next(const std::string& what) {
    ++done_;
    if (Progress::quiet()) return;
    std::fprintf(stderr, "run %s [%d/%d] %s (%.1f s so far)\n", experiment_.c_str(), done_, total_, what.c_str(),
                 now_seconds() - start_);
  }

 private:
  std::string experiment_;
  int total_, done_ = 0;
  double start_ = now_seconds();
};

// The confusion matrix as rows (true class) of counts per predicted class.
json confusion_rows(const eval::EvalResult& r) {
  json rows = json::array();
  for (int t = 0; t < r.num_classes; ++t)
    rows.push_back(std::vector<int64_t>(r.confusion.begin() + t * r.num_classes, r.confusion.begin() + (t + 1) * r.num_classes));
  return rows;
}

json interval_json(const report::Interval& i) { return json::array({i.low, i.high}); }

// +-inf SQNR (identical tensors) has no JSON number: null, as docs/results.md says.
json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// A quantized model's file size and test accuracy, as the sweep and QAT points record them.
json measured_json(int64_t bytes, const eval::EvalResult& ev) {
  return {{"bytes", bytes},
          {"samples", ev.samples},
          {"correct", ev.correct},
          {"accuracy", ev.accuracy()},
          {"ci95", interval_json(report::wilson_interval(ev.correct, ev.samples))}};
}

// A full-integer model with `wbits`-bit weights and `abits`-bit activations, serialized and read
// back (what a file would hold), evaluated on `test`, then dropped (not kept on disk).
struct NarrowPoint {
  int64_t bytes = 0;
  eval::EvalResult eval;
};
Result<NarrowPoint> quantize_narrow(const Spec& spec, const runtime::Graph& float_graph, const data::Dataset& calib_set,
                                    const data::Dataset& test, const std::string& method, int wbits, int abits,
                                    const std::string& what, int threads) {
  quant::QuantizeOptions qo;
  qo.mode = quant::Mode::kInt8;
  OCTET_ASSIGN_OR_RETURN(qo.io, quant::parse_io(spec.quantize.io));
  qo.per_channel = spec.quantize.per_channel;
  qo.weight_bits = wbits;
  qo.activation_bits = abits;
  quant::CalibrationOptions co;
  co.samples = spec.quantize.samples;
  co.seed = spec.seed;
  co.method = method;
  co.observer.bits = abits;  // kl and mse search their clip for this many levels
  co.threads = threads;
  auto ptq = quant::post_training_quantize(float_graph, &calib_set, qo, co);
  if (!ptq.ok()) return ptq.status().with_context(spec.origin + ": " + what);
  OCTET_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, tflite::serialize_tflite(ptq->quantized.graph));
  OCTET_ASSIGN_OR_RETURN(runtime::Graph graph, tflite::parse_tflite(bytes.data(), bytes.size(), what));
  eval::EvalOptions eo;
  eo.threads = threads;
  auto ev = eval::evaluate_graph(graph, test, eo);
  if (!ev.ok()) return ev.status().with_context(spec.origin + ": " + what);
  return NarrowPoint{static_cast<int64_t>(bytes.size()), std::move(ev).value()};
}

// The sweep of one model: full integer at every calibration method x bits, each model serialized
// and read back (what a file would hold), evaluated on `test`, then dropped (not kept on disk).
Result<json> sweep_model(const Spec& spec, const ModelEntry& entry, const runtime::Graph& float_graph,
                         const data::Dataset& calib_set, const data::Dataset& test, const std::string& dataset_name,
                         int threads, Stages& stages) {
  const SweepSettings& sw = *spec.sweep;
  json points = json::array();
  for (const std::string& method : sw.calibration) {
    for (int bits : sw.bits) {
      const int wbits = sw.apply_to == "activations" ? 8 : bits;
      const int abits = sw.apply_to == "weights" ? 8 : bits;
      stages.next("sweep " + entry.label + ": " + method + " calibration, " + std::to_string(wbits) + "-bit weights, " +
                  std::to_string(abits) + "-bit activations, on " + std::to_string(test.size()) + " test images");
      const std::string what = entry.label + " " + method + " W" + std::to_string(wbits) + "A" + std::to_string(abits);
      OCTET_ASSIGN_OR_RETURN(NarrowPoint pt, quantize_narrow(spec, float_graph, calib_set, test, method, wbits, abits, what, threads));
      json p = {{"model", entry.label},
                {"dataset", dataset_name},
                {"calibration", method},
                {"bits", bits},
                {"weight_bits", wbits},
                {"activation_bits", abits}};
      p.update(measured_json(pt.bytes, pt.eval));
      points.push_back(std::move(p));
    }
  }
  return points;
}

// The QAT study of one model (spec.qat): at every bit width PTQ, QAT and (with control) PTQ of
// the float fine-tuned model, each evaluated on `test`. The QAT models and the fine-tuned float
// model are kept in `dir`; each point records the commands that reproduce it.
Result<json> qat_model(const Spec& spec, const ModelEntry& entry, const std::vector<uint8_t>& float_tflite,
                       const std::string& float_file, const data::DataSplits& splits, const data::Dataset& test,
                       const std::string& dir, int threads, Stages& stages) {
  const QatSettings& qs = *spec.qat;
  ThreadPool& pool = ThreadPool::global();
  OCTET_ASSIGN_OR_RETURN(runtime::Graph float_graph, tflite::parse_tflite(float_tflite.data(), float_tflite.size(), float_file));
  // PTQ calibrates as the experiment's int8 models do; fine-tuning uses the images
  // `octet train --from --train-limit` picks, so the commands below reproduce every figure.
  const data::Dataset calib_set = seeded_subset(splits.train, spec.train.samples, spec.seed);
  const data::Dataset train = qat::training_subset(splits.train, spec.train.samples, spec.seed);
  nn::TrainOptions opt;
  opt.epochs = qs.epochs;
  opt.batch = spec.train.batch;
  opt.lr = static_cast<float>(qs.lr);
  opt.optimizer = spec.train.optimizer;
  opt.seed = spec.seed;
  char lr_text[32];
  std::snprintf(lr_text, sizeof lr_text, "%g", opt.lr);
  const std::string data_arg = entry.data;
  const std::string tune_flags = " --data " + data_arg + " --epochs " + std::to_string(opt.epochs) + " --batch " +
                                 std::to_string(opt.batch) + " --lr " + lr_text + " --optimizer " + opt.optimizer +
                                 " --seed " + std::to_string(opt.seed) + " --threads " + std::to_string(threads) +
                                 (spec.train.samples > 0 ? " --train-limit " + std::to_string(spec.train.samples) : "");
  const std::string eval_flags = " --data " + data_arg + " --threads " + std::to_string(threads);
  auto bits_flags = [](int b) { return " --weight-bits " + std::to_string(b) + " --activation-bits " + std::to_string(b); };
  const std::string samples_flag = " --samples " + std::to_string(spec.quantize.samples);

  // The control: the same fine-tuning in float, once; PTQ of it at every bit width below.
  std::optional<runtime::Graph> tuned_graph;
  const std::string tuned_file = entry.label + "_fine_tuned_float32.tflite";
  if (qs.control) {
    stages.next("fine-tune " + entry.label + " in float (QAT's control, " + std::to_string(opt.epochs) + " epochs on " +
                std::to_string(train.size()) + " images)");
    OCTET_ASSIGN_OR_RETURN(nn::Model model, nn::import_graph(float_graph, float_file));
    auto history = nn::train(model, train, nullptr, opt, pool);
    if (!history.ok()) return history.status().with_context(spec.origin + ": " + entry.label + " float fine-tuning");
    json record = {{"fine_tune", {{"from", float_file}, {"train_images", train.size()}, {"epochs", opt.epochs},
                                  {"batch", opt.batch}, {"optimizer", opt.optimizer}, {"lr", opt.lr},
                                  {"seed", opt.seed}, {"threads", pool.num_threads()}}}};
    OCTET_ASSIGN_OR_RETURN(runtime::Graph g, nn::export_graph(model, record));
    OCTET_RETURN_IF_ERROR(tflite::save_tflite(g, (fs::path(dir) / tuned_file).string()));
    tuned_graph = std::move(g);
  }

  json points = json::array();
  for (int bits : qs.bits) {
    const std::string b = std::to_string(bits);
    stages.next("qat " + entry.label + ": PTQ" + (qs.control ? " and fine-tune + PTQ" : "") + " at " + b + " bits, on " +
                std::to_string(test.size()) + " test images");
    auto point = [&](const char* method, int64_t bytes, const eval::EvalResult& ev, const std::string& file,
                     json commands) {
      json p = {{"model", entry.label}, {"dataset", splits.name}, {"method", method}, {"bits", bits}};
      p.update(measured_json(bytes, ev));
      if (!file.empty()) p["file"] = file;
      p["commands"] = std::move(commands);
      points.push_back(std::move(p));
    };
    const std::string ptq_out = entry.label + "_w" + b + "a" + b + ".tflite";
    OCTET_ASSIGN_OR_RETURN(NarrowPoint ptq, quantize_narrow(spec, float_graph, calib_set, test, "minmax", bits, bits,
                                                            entry.label + " PTQ W" + b + "A" + b, threads));
    point("ptq", ptq.bytes, ptq.eval, "",
          {"octet quantize --model " + float_file + " --mode int8 --calib " + data_arg + samples_flag + bits_flags(bits) + " --seed " + std::to_string(spec.seed) + " --out " + ptq_out,
           "octet eval --model " + ptq_out + eval_flags});
    if (tuned_graph) {
      const std::string out = entry.label + "_fine_tuned_w" + b + "a" + b + ".tflite";
      OCTET_ASSIGN_OR_RETURN(NarrowPoint c, quantize_narrow(spec, *tuned_graph, calib_set, test, "minmax", bits, bits,
                                                            entry.label + " fine-tuned PTQ W" + b + "A" + b, threads));
      point("control", c.bytes, c.eval, "",
            {"octet train --from " + float_file + tune_flags + " --out " + tuned_file,
             "octet quantize --model " + tuned_file + " --mode int8 --calib " + data_arg + samples_flag + bits_flags(bits) + " --seed " + std::to_string(spec.seed) + " --out " + out,
             "octet eval --model " + out + eval_flags});
    }

    stages.next("qat " + entry.label + ": fake-quant fine-tuning at " + b + " bits (" + std::to_string(opt.epochs) +
                " epochs on " + std::to_string(train.size()) + " images)");
    OCTET_ASSIGN_OR_RETURN(nn::Model model, nn::import_graph(float_graph, float_file));
    qat::FineTuneOptions fo;
    fo.train = opt;
    fo.weight_bits = bits;
    fo.activation_bits = bits;
    fo.samples = spec.quantize.samples;
    fo.threads = threads;
    json record = {{"qat", {{"from", float_file}, {"train_images", train.size()}, {"epochs", opt.epochs},
                            {"batch", opt.batch}, {"optimizer", opt.optimizer}, {"lr", opt.lr}, {"seed", opt.seed},
                            {"threads", pool.num_threads()}}}};
    OCTET_ASSIGN_OR_RETURN(qat::FineTuneResult q,
                           qat::fine_tune_int8(model, record, train, test, fo, {{"source_model", float_file}, {"dataset", splits.name}},
                                               spec.origin + ": " + entry.label + " QAT at " + b + " bits", pool));
    // QAT's int8 model only exists through this step: keep it, measured as written.
    const std::string qat_file = entry.label + "_qat_w" + b + "a" + b + ".tflite";
    const std::string qat_path = (fs::path(dir) / qat_file).string();
    OCTET_RETURN_IF_ERROR(tflite::save_tflite(q.graph, qat_path));
    OCTET_ASSIGN_OR_RETURN(runtime::Graph written, tflite::load_tflite(qat_path));
    eval::EvalOptions eo;
    eo.threads = threads;
    auto ev = eval::evaluate_graph(written, test, eo);
    if (!ev.ok()) return ev.status().with_context(qat_path);
    std::error_code ec;
    point("qat", static_cast<int64_t>(fs::file_size(qat_path, ec)), *ev, qat_file,
          {"octet train --qat --from " + float_file + tune_flags + bits_flags(bits) + samples_flag + " --out " + qat_file,
           "octet eval --model " + qat_file + eval_flags});
  }
  return points;
}

// The layer sensitivity of one model (spec.sensitivity), as `octet sensitivity` measures it.
Result<json> sensitivity_model(const Spec& spec, const ModelEntry& entry, const runtime::Graph& float_graph,
                               const std::string& float_file, const data::DataSplits& splits, int threads,
                               Stages& stages) {
  const int64_t held_out = spec.sensitivity->held_out;
  stages.next("sensitivity of " + entry.label + ": each op alone int8, on the last " + std::to_string(held_out) +
              " training images");
  auto split = eval::split_held_out(splits.train, held_out);
  if (!split.ok()) return split.status().with_context(spec.origin + ": key \"sensitivity.held_out\": " + splits.source);
  quant::CalibrationOptions co;
  co.samples = spec.quantize.samples;
  co.seed = spec.seed;
  co.threads = threads;
  auto calib = quant::calibrate(float_graph, split->calibration, co);
  if (!calib.ok()) return calib.status().with_context(spec.origin + ": " + entry.label + " sensitivity calibration");
  eval::SensitivityOptions so;
  so.quantize.per_channel = spec.quantize.per_channel;
  so.quantize.io = quant::IoType::kFloat;  // only the op under test is int8, as `octet sensitivity`
  so.threads = threads;
  so.progress = !Progress::quiet();
  auto r = eval::layer_sensitivity(float_graph, *calib, split->held_out, so);
  if (!r.ok()) return r.status().with_context(spec.origin + ": " + entry.label + " sensitivity");
  json ops = json::array();
  for (const eval::OpSensitivity& o : r->ops)
    ops.push_back({{"op_index", o.op_index}, {"op", o.op}, {"output", o.output}, {"accuracy", o.accuracy},
                   {"drop_pp", o.drop_pp}, {"op_sqnr_db", finite_or_null(o.op_sqnr_db)},
                   {"model_sqnr_db", finite_or_null(o.model_sqnr_db)}});
  return json{{"model", entry.label},
              {"dataset", splits.name},
              {"held_out", r->held_out},
              {"calibration_samples", calib->samples()},
              {"float_accuracy", r->float_accuracy},
              {"int8_accuracy", r->int8_accuracy},
              {"ops", ops},
              {"command", "octet sensitivity --model " + float_file + " --data " + entry.data + " --samples " +
                              std::to_string(spec.quantize.samples) + " --held-out " + std::to_string(held_out) +
                              " --seed " + std::to_string(spec.seed) + (spec.quantize.per_channel ? "" : " --per-tensor") +
                              " --threads " + std::to_string(threads)}};
}

}  // namespace

struct Runner::TrainedModel {
  std::vector<uint8_t> tflite;  // the float32 file's bytes
  json training;                // record + history, for results.json
  std::string origin;           // the file it was first written to (or copied from)
};

data::Dataset seeded_subset(data::Dataset d, int64_t n, uint64_t seed) {
  if (n <= 0 || n >= d.size()) return d;
  // split_validation moves exactly round(fraction * N) seeded images out, keeping their order.
  return data::split_validation(d, static_cast<double>(n) / static_cast<double>(d.size()), seed);
}

json machine_info() {
  std::string cpu = "unknown";
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  return {{"cpu", cpu},
          {"logical_cores", std::thread::hardware_concurrency()},
          {"features", kernels::cpu_features_string()}};
}

Runner::Runner(RunOptions options) : options_(std::move(options)) {}
Runner::~Runner() = default;

Result<const data::DataSplits*> Runner::dataset(const std::string& name) {
  auto override_it = options_.data_paths.find(name);
  const std::string source = override_it != options_.data_paths.end() ? override_it->second : name;
  auto it = datasets_.find(source);
  if (it == datasets_.end()) {
    data::LoadOptions lo;
    lo.threads = options_.threads;
    OCTET_ASSIGN_OR_RETURN(data::DataSplits splits, data::load_dataset(source, lo));
    it = datasets_.emplace(source, std::move(splits)).first;
  }
  return &it->second;
}

namespace {

// A float model trained earlier by another experiment of the same output folder.
struct Sibling {
  std::string path;
  std::vector<uint8_t> bytes;
  json training;  // its results.json "training" entry (record, subsets, history)
};

// Looks for `file` in the other experiment folders of `out_dir` (sorted by name) that was trained
// exactly as `expected` (the training record this run would store) describes. The record inside
// the .tflite is checked; the folder's results.json supplies what the record omits (the training
// and test subsets, the dataset's path) and must list the file with its size on disk.
std::optional<Sibling> find_sibling(const std::string& out_dir, const std::string& own_name, const std::string& file,
                                    const json& expected, const Spec& spec, const std::string& data_source) {
  std::error_code ec;
  std::vector<fs::path> dirs;
  for (const fs::directory_entry& d : fs::directory_iterator(out_dir, ec))
    if (d.is_directory(ec) && d.path().filename() != own_name) dirs.push_back(d.path());
  std::sort(dirs.begin(), dirs.end());
  for (const fs::path& dir : dirs) {
    const std::string path = (dir / file).string();
    if (!fs::is_regular_file(path, ec) || !fs::is_regular_file(dir / "results.json", ec)) continue;
    auto note = [&](const std::string& why) {
      if (!Progress::quiet()) std::fprintf(stderr, "  not reusing %s: %s\n", path.c_str(), why.c_str());
    };
    auto bytes = read_file(path, uint64_t{1} << 31);
    auto results_bytes = read_file((dir / "results.json").string(), uint64_t{1} << 31);
    if (!bytes.ok() || !results_bytes.ok()) continue;
    auto graph = tflite::parse_tflite(bytes->data(), bytes->size(), path);
    if (!graph.ok()) {
      note(graph.status().message());
      continue;
    }
    json record;
    for (const runtime::Metadata& m : graph->metadata)
      if (m.name == nn::kTrainingMetadataName && json_nesting_depth(m.data.data(), m.data.size()) <= kMaxJsonDepth)
        record = json::parse(m.data.begin(), m.data.end(), nullptr, false);
    if (!record.is_object()) {
      note("it has no \"" + std::string(nn::kTrainingMetadataName) + "\" record");
      continue;
    }
    record.erase("test_accuracy");
    std::string differ;
    for (const auto& [key, value] : expected.items())
      if (key != "test_accuracy" && (!record.contains(key) || record[key] != value)) differ += (differ.empty() ? "" : ", ") + key;
    for (const auto& [key, value] : record.items())
      if (!expected.contains(key)) differ += (differ.empty() ? "" : ", ") + key;
    if (!differ.empty()) {
      note("its \"" + std::string(nn::kTrainingMetadataName) + "\" record differs in " + differ);
      continue;
    }
    const json r = json_nesting_depth(results_bytes->data(), results_bytes->size()) <= kMaxJsonDepth
                       ? json::parse(results_bytes->begin(), results_bytes->end(), nullptr, false)
                       : json();
    const json* training = nullptr;
    if (r.is_object() && r.contains("models") && r["models"].is_array()) {
      for (const json& m : r["models"])
        if (m.value("file", "") == file && m.value("bytes", int64_t{-1}) == static_cast<int64_t>(bytes->size()) &&
            m.contains("training"))
          training = &m["training"];
    }
    bool same_data = false;
    if (r.is_object() && r.contains("datasets") && r["datasets"].is_array())
      for (const json& d : r["datasets"]) same_data = same_data || d.value("path", "") == data_source;
    const json settings = r.is_object() ? r.value("settings", json::object()) : json::object();
    const bool same_subsets = settings.contains("train") && settings["train"].value("samples", int64_t{-1}) == spec.train.samples &&
                              settings.value("test_samples", int64_t{-1}) == spec.test_samples;
    if (!training || !same_data || !same_subsets) {
      note("its results.json does not list it with the same dataset path, training and test subsets");
      continue;
    }
    return Sibling{path, std::move(bytes).value(), *training};
  }
  return std::nullopt;
}

}  // namespace

Result<const Runner::TrainedModel*> Runner::trained(const Spec& spec, const ModelEntry& entry,
                                                    const data::DataSplits& splits, const data::Dataset& test,
                                                    std::string* reused_from) {
  nn::TrainOptions opt;
  opt.epochs = entry.epochs;
  opt.batch = spec.train.batch;
  opt.lr = static_cast<float>(spec.train.lr);
  opt.optimizer = spec.train.optimizer;
  opt.seed = spec.seed;
  opt.precise_bn_batches = spec.train.precise_bn_batches;
  // Everything the weights depend on; the thread count is fixed for the whole process.
  json key = {entry.model, splits.source, opt.epochs, opt.batch, opt.lr, opt.optimizer, opt.seed,
              opt.precise_bn_batches, spec.train.validation, spec.train.samples, spec.test_samples};
  auto it = models_.find(key.dump());
  if (it != models_.end()) {
    *reused_from = it->second->origin;
    if (!Progress::quiet()) std::fprintf(stderr, "  same model and settings as %s: reused\n", reused_from->c_str());
    return it->second.get();
  }

  OCTET_ASSIGN_OR_RETURN(nn::Model model, nn::Model::load(entry.model));
  OCTET_RETURN_IF_ERROR(model.build(opt.seed));
  OCTET_RETURN_IF_ERROR(nn::check_compatible(model, splits.train, "the training set"));
  ThreadPool& pool = ThreadPool::global();
  auto t = std::make_unique<TrainedModel>();

  // The record this run would store (as export_graph writes it), to recognise a sibling's file.
  json expected = nn::training_record(model, splits, opt, pool.num_threads(), spec.train.validation, 0.0);
  expected["spec"] = model.spec();
  expected["spec"].erase("description");
  if (auto sibling = find_sibling(options_.out_dir, spec.name, entry.label + "_float32.tflite", expected, spec,
                                  splits.source)) {
    if (!Progress::quiet())
      std::fprintf(stderr, "  %s was trained with identical settings (training record checked): copied, not trained\n",
                   sibling->path.c_str());
    t->tflite = std::move(sibling->bytes);
    t->training = std::move(sibling->training);
    t->training.erase("reused_from");
    t->origin = sibling->path;
    *reused_from = sibling->path;
    return models_.emplace(key.dump(), std::move(t)).first->second.get();
  }

  data::Dataset train = seeded_subset(splits.train, spec.train.samples, opt.seed);
  data::Dataset val = data::split_validation(train, spec.train.validation, opt.seed);
  OCTET_ASSIGN_OR_RETURN(auto history, nn::train(model, train, val.size() ? &val : nullptr, opt, pool));
  const double test_acc = nn::evaluate(model, test, pool);
  json record = nn::training_record(model, splits, opt, pool.num_threads(), spec.train.validation, test_acc);
  OCTET_ASSIGN_OR_RETURN(runtime::Graph graph, nn::export_graph(model, record));
  OCTET_ASSIGN_OR_RETURN(t->tflite, tflite::serialize_tflite(graph));
  json epochs = json::array();
  for (const auto& e : history)
    epochs.push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"train_accuracy", e.train_accuracy},
                      {"val_accuracy", e.val_accuracy}, {"seconds", e.seconds}});
  t->training = record;
  t->training["train_images"] = train.size();
  t->training["validation_images"] = val.size();
  t->training["history"] = epochs;
  t->origin = (fs::path(options_.out_dir) / spec.name / (entry.label + "_float32.tflite")).string();
  return models_.emplace(key.dump(), std::move(t)).first->second.get();
}

Result<json> Runner::run(const Spec& original) {
  const double t_start = now_seconds();
  Spec spec = options_.quick ? quick_version(original) : original;
  if (options_.seed) spec.seed = *options_.seed;
  const std::string dir = (fs::path(options_.out_dir) / spec.name).string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Error(dir + ": cannot create directory: " + ec.message());

  const int quantized_per_model = static_cast<int>(spec.precisions.size()) - 1;
  // Per model: data, train, evaluate + time the float, then quantize, evaluate + time and compare
  // each quantized precision; one final stage writes the outputs.
  const int sweep_points = spec.sweep ? static_cast<int>(spec.sweep->bits.size() * spec.sweep->calibration.size()) : 0;
  const int qat_stages = spec.qat ? static_cast<int>(2 * spec.qat->bits.size()) + (spec.qat->control ? 1 : 0) : 0;
  const int sensitivity_stages = spec.sensitivity ? 1 : 0;
  Stages stages(spec.name, static_cast<int>(spec.models.size()) *
                               (3 + 3 * quantized_per_model + sweep_points + qat_stages + sensitivity_stages) + 1);
  std::vector<Measured> measured;
  json datasets = json::array();
  std::vector<report::GridCell> grid;
  std::vector<std::string> grid_class_names;
  json comparisons = json::array();
  json sweep_points_json = json::array();
  json qat_points = json::array();
  json sensitivity = json::array();

  for (const ModelEntry& entry : spec.models) {
    stages.next("load " + entry.data);
    OCTET_ASSIGN_OR_RETURN(const data::DataSplits* splits, dataset(entry.data));
    bool listed = false;
    for (const json& d : datasets) listed = listed || d["path"] == splits->source;
    if (!listed) datasets.push_back({{"name", splits->name}, {"path", splits->source}});
    const data::Dataset test = seeded_subset(splits->test, spec.test_samples, spec.seed);

    stages.next("train " + entry.label + " on " + splits->name + " (" + std::to_string(entry.epochs) + " epochs)");
    std::string reused_from;
    auto trained_model = trained(spec, entry, *splits, test, &reused_from);
    if (!trained_model.ok()) return trained_model.status().with_context(spec.origin + ": " + entry.label);
    const TrainedModel& tm = **trained_model;

    const size_t first = measured.size();
    for (const std::string& precision : spec.precisions) {
      Measured m;
      m.entry = &entry;
      m.precision = precision;
      m.file = entry.label + "_" + precision + ".tflite";
      const std::string path = (fs::path(dir) / m.file).string();
      json quantization;
      if (precision == "float32") {
        OCTET_RETURN_IF_ERROR(write_file_atomic(path, tm.tflite));
      } else {
        stages.next("quantize " + entry.label + " to " + precision);
        const runtime::Graph& float_graph = measured[first].graph;
        quant::QuantizeOptions qo;
        OCTET_ASSIGN_OR_RETURN(qo.mode, quant::parse_mode(precision));
        OCTET_ASSIGN_OR_RETURN(qo.io, quant::parse_io(precision == "int8" ? spec.quantize.io : "int8"));
        qo.per_channel = spec.quantize.per_channel;
        quant::CalibrationOptions co;
        co.samples = spec.quantize.samples;
        co.seed = spec.seed;
        co.method = spec.quantize.calibration;
        co.threads = options_.threads;
        // Calibration draws from the images the model was trained on (the training split).
        const data::Dataset calib_set = seeded_subset(splits->train, spec.train.samples, spec.seed);
        json extra = {{"source_model", measured[first].file}, {"dataset", splits->name}};
        auto ptq = quant::post_training_quantize(float_graph, &calib_set, qo, co, extra);
        if (!ptq.ok()) return ptq.status().with_context(spec.origin + ": " + entry.label + " " + precision);
        OCTET_RETURN_IF_ERROR(tflite::save_tflite(ptq->quantized.graph, path));
        quantization = ptq->record;
      }
      // Everything below measures the file as written, exactly what `octet eval` would load.
      OCTET_ASSIGN_OR_RETURN(m.graph, tflite::load_tflite(path));
      m.bytes = static_cast<int64_t>(fs::file_size(path, ec));

      stages.next("evaluate and time " + m.file + " on " + std::to_string(test.size()) + " test images");
      eval::EvalOptions eo;
      eo.threads = options_.threads;
      auto ev = eval::evaluate_graph(m.graph, test, eo);
      if (!ev.ok()) return ev.status().with_context(path);
      m.eval = std::move(ev).value();
      eval::LatencyOptions lo;
      lo.threads = spec.latency.threads;
      lo.min_runs = spec.latency.min_runs;
      lo.min_seconds = spec.latency.min_seconds;
      lo.max_seconds = spec.latency.max_seconds;
      auto lat = eval::measure_latency(m.graph, lo);
      if (!lat.ok()) return lat.status().with_context(path);
      m.latency = *lat;

      m.record = {{"name", entry.label},
                  {"precision", precision},
                  {"dataset", splits->name},
                  {"file", m.file},
                  {"bytes", m.bytes},
                  {"samples", m.eval.samples},
                  {"correct", m.eval.correct},
                  {"accuracy", m.eval.accuracy()},
                  {"ci95", interval_json(report::wilson_interval(m.eval.correct, m.eval.samples))},
                  {"latency_us_median", m.latency.us_per_image_median},
                  {"latency_us_p90", m.latency.us_per_image_p90},
                  {"latency_runs", m.latency.runs},
                  {"latency_batch", m.latency.batch},
                  {"latency_threads", spec.latency.threads},
                  {"confusion", confusion_rows(m.eval)}};
      if (precision == "float32") {
        m.record["training"] = tm.training;
        if (!reused_from.empty()) m.record["training"]["reused_from"] = reused_from;
      } else m.record["quantization"] = quantization;
      measured.push_back(std::move(m));
    }

    const Measured& ref = measured[first];
    for (size_t i = first + 1; i < measured.size(); ++i) {
      const Measured& q = measured[i];
      stages.next("compare " + ref.file + " with " + q.file);
      OCTET_ASSIGN_OR_RETURN(report::PredictionDiff diff,
                             report::compare_predictions(test.labels, ref.eval.predictions, q.eval.predictions,
                                                         test.num_classes()));
      eval::CompareOptions co;
      co.samples = spec.compare_samples;
      co.threads = options_.threads;
      auto cmp = eval::compare_graphs(ref.graph, q.graph, test, co);
      if (!cmp.ok()) return cmp.status().with_context(ref.file + " vs " + q.file);
      json layers = json::array();
      for (const eval::LayerComparison& l : cmp->layers) {
        layers.push_back({{"name", l.name}, {"op", l.op}, {"type", l.test_type},
                          {"sqnr_db", finite_or_null(l.stats.sqnr_db())}, {"max_abs_error", l.stats.max_abs},
                          {"note", l.note}});
      }
      json delta = json::array();
      for (int t = 0; t < diff.num_classes; ++t) {
        json row = json::array();
        for (int p = 0; p < diff.num_classes; ++p) row.push_back(diff.delta(t, p));
        delta.push_back(row);
      }
      comparisons.push_back(
          {{"model", ref.entry->label},
           {"dataset", ref.record["dataset"]},
           {"a", ref.precision},
           {"b", q.precision},
           {"samples", diff.samples},
           {"accuracy_a", ref.eval.accuracy()},
           {"accuracy_b", q.eval.accuracy()},
           {"accuracy_drop", ref.eval.accuracy() - q.eval.accuracy()},
           {"flips", {{"fixed", diff.fixed}, {"broken", diff.broken}}},
           {"changed", diff.changed},
           {"mcnemar_p", diff.mcnemar_p()},
           {"confusion_delta", delta},
           {"compression", static_cast<double>(ref.bytes) / static_cast<double>(q.bytes)},
           {"speedup", ref.latency.us_per_image_median / q.latency.us_per_image_median},
           {"sqnr", {{"samples", cmp->samples}, {"top1_agreement", cmp->top1_agreement()}, {"layers", layers}}}});
    }

    if (spec.predictions_grid && spec.predictions_grid->model == entry.label) {
      for (size_t i = first; i < measured.size(); ++i) {
        const Measured& m = measured[i];
        if (m.precision != spec.predictions_grid->precision) continue;
        const int64_t n = std::min<int64_t>(spec.predictions_grid->samples, test.size());
        for (int64_t k = 0; k < n; ++k) {
          report::GridCell c;
          c.width = test.width;
          c.height = test.height;
          c.channels = test.channels;
          c.pixels.assign(test.image(k), test.image(k) + test.image_bytes());
          c.true_label = test.labels[k];
          c.predicted_label = m.eval.predictions[k];
          c.confidence = m.eval.confidence[k];
          grid.push_back(std::move(c));
        }
        grid_class_names = test.class_names;
      }
    }

    if (spec.sweep) {
      const data::Dataset calib_set = seeded_subset(splits->train, spec.train.samples, spec.seed);
      OCTET_ASSIGN_OR_RETURN(json points, sweep_model(spec, entry, measured[first].graph, calib_set, test, splits->name,
                                                      options_.threads, stages));
      for (json& p : points) sweep_points_json.push_back(std::move(p));
    }
    if (spec.qat) {
      OCTET_ASSIGN_OR_RETURN(json points, qat_model(spec, entry, tm.tflite, measured[first].file, *splits, test, dir,
                                                    options_.threads, stages));
      for (json& p : points) qat_points.push_back(std::move(p));
    }
    if (spec.sensitivity) {
      OCTET_ASSIGN_OR_RETURN(json one, sensitivity_model(spec, entry, measured[first].graph, measured[first].file, *splits,
                                                         options_.threads, stages));
      sensitivity.push_back(std::move(one));
    }
  }

  json models = json::array();
  for (const Measured& m : measured) models.push_back(m.record);
  json results = {{"experiment", spec.name},
                  {"title", spec.title},
                  {"octet_version", options_.octet_version},
                  {"git_commit", options_.git_commit},
                  {"command_line", options_.command_line},
                  {"quick", options_.quick},
                  {"seed", spec.seed},
                  {"threads", options_.threads},
                  {"machine", machine_info()},
                  {"datasets", datasets},
                  {"settings", settings_json(spec)},
                  {"spec", spec.json},
                  {"models", models},
                  {"comparisons", comparisons}};
  if (spec.sweep) results["sweep"] = {{"apply_to", spec.sweep->apply_to}, {"bits", spec.sweep->bits},
                                      {"calibration", spec.sweep->calibration},
                                      {"max_drop_pp", spec.sweep->max_drop_pp}, {"points", sweep_points_json}};
  if (spec.qat) results["qat"] = {{"bits", spec.qat->bits}, {"epochs", spec.qat->epochs}, {"lr", spec.qat->lr},
                                  {"control", spec.qat->control}, {"points", qat_points}};
  if (spec.sensitivity) results["sensitivity"] = sensitivity;
  results["tables"] = build_tables(results, spec.seeds_table);

  results["seconds"] = now_seconds() - t_start;

  stages.next("write results.json, results.md, charts and report.html");
  OCTET_RETURN_IF_ERROR(write_outputs(dir, results, grid, grid_class_names));
  if (!Progress::quiet()) std::fprintf(stderr, "run %s: done in %.1f s -> %s\n", spec.name.c_str(), now_seconds() - t_start, dir.c_str());
  return results;
}

}  // namespace octet::experiment
