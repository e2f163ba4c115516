// octet train --qat --from F.tflite: imports the float model, initialises activation ranges from a
// min-max PTQ calibration, fine-tunes with fake quantization, and writes the int8 .tflite through
// the same quantize_graph as `octet quantize`, with the ranges QAT tracked as its calibration.
// Without --qat, --from fine-tunes in float the same way (the control experiment).
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/train_qat.h"
#include "core/file_io.h"
#include "core/json_depth.h"
#include "core/progress.h"
#include "data/loader.h"
#include "nn/export.h"
#include "nn/import.h"
#include "qat/fine_tune.h"
#include "quant/quantize.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

namespace octet::cli {

namespace {

// The training record stored in `graph` by whoever made it, or an empty object.
nlohmann::json training_record_of(const runtime::Graph& g) {
  for (const auto& m : g.metadata) {
    if (m.name != nn::kTrainingMetadataName || json_nesting_depth(m.data.data(), m.data.size()) > kMaxJsonDepth)
      continue;
    nlohmann::json j = nlohmann::json::parse(m.data.begin(), m.data.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_object()) {
      j.erase("spec");  // export_graph stores the (imported) spec again
      return j;
    }
  }
  return nlohmann::json::object();
}

// The record of a fine-tuning run, stored under "qat" or "fine_tune" in the training record.
nlohmann::json fine_tune_record(const QatTrainArgs& a, const std::string& dataset, int64_t train_images, int threads) {
  return {{"from", std::filesystem::path(a.from).filename().string()},
          {"dataset", dataset},
          {"train_images", train_images},
          {"epochs", a.opt.epochs},
          {"batch", a.opt.batch},
          {"optimizer", a.opt.optimizer},
          {"lr", a.opt.lr},
          {"seed", a.opt.seed},
          {"threads", threads}};
}

// --from without --qat: the same fine-tuning without fake quantization (QAT's control: PTQ of
// this model shows what the extra training alone gives). Writes a float32 .tflite.
Status run_float_fine_tune(const QatTrainArgs& a, const runtime::Graph& source, nn::Model& model,
                           const data::DataSplits& splits, const data::Dataset& train, double t_start) {
  ThreadPool& pool = ThreadPool::global();
  OCTET_ASSIGN_OR_RETURN(auto history, nn::train(model, train, nullptr, a.opt, pool));
  const double acc = nn::evaluate(model, splits.test, pool);
  nlohmann::json info = training_record_of(source);
  info["fine_tune"] = fine_tune_record(a, splits.name, train.size(), pool.num_threads());
  info["fine_tune"]["test_accuracy"] = acc;
  OCTET_ASSIGN_OR_RETURN(runtime::Graph graph, nn::export_graph(model, info));
  OCTET_RETURN_IF_ERROR(tflite::save_tflite(graph, a.out));
  double train_seconds = 0;
  for (const auto& e : history) train_seconds += e.seconds;
  if (a.json) {
    nlohmann::json j = info["fine_tune"];
    j["out"] = a.out;
    j["accuracy"] = acc;
    j["samples"] = splits.test.size();
    j["train_seconds"] = train_seconds;
    j["total_seconds"] = now_seconds() - t_start;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    for (const auto& e : history)
      std::printf("epoch %-5d loss %.4f  train acc %.4f  %.1f s\n", e.epoch, e.train_loss, e.train_accuracy, e.seconds);
    std::printf("test acc    %.4f (%lld images, float engine)\n", acc, static_cast<long long>(splits.test.size()));
    std::printf("written     %s (float32 .tflite)\n", a.out.c_str());
  }
  return Status::Ok();
}

}  // namespace

Status run_train_qat(const QatTrainArgs& a) {
  const double t_start = now_seconds();
  const char* what = a.fake_quant ? "train --qat" : "train --from";
  OCTET_RETURN_IF_ERROR(prepare_output_path(a.out, {a.from, a.data}));
  ThreadPool::set_global_threads(a.threads);
  ThreadPool& pool = ThreadPool::global();

  OCTET_ASSIGN_OR_RETURN(runtime::Graph source, tflite::load_tflite(a.from));
  OCTET_RETURN_IF_ERROR(quant::check_float_graph(source).with_context(a.from));
  OCTET_ASSIGN_OR_RETURN(nn::Model model, nn::import_graph(source, a.from));
  OCTET_ASSIGN_OR_RETURN(data::DataSplits splits, data::load_dataset(a.data));
  OCTET_RETURN_IF_ERROR(nn::check_compatible(model, splits.train, "the training set").with_context(a.from + " on " + splits.name));
  OCTET_RETURN_IF_ERROR(nn::check_compatible(model, splits.test, "the test set").with_context(a.from + " on " + splits.name));
  const data::Dataset train = qat::training_subset(splits.train, a.train_limit, a.opt.seed);
  std::fprintf(stderr, "%s: %s (%s) on %s: %lld of %lld training images, %d epochs, batch %d, %s lr %g, seed %llu, "
               "%d threads\n", what, a.from.c_str(), model.name().c_str(), splits.name.c_str(),
               static_cast<long long>(train.size()), static_cast<long long>(splits.train.size()), a.opt.epochs,
               a.opt.batch, a.opt.optimizer.c_str(), a.opt.lr, static_cast<unsigned long long>(a.opt.seed),
               pool.num_threads());
  if (!a.fake_quant) return run_float_fine_tune(a, source, model, splits, train, t_start);
  std::fprintf(stderr, "%s: weights %d bits, activations %d bits\n", what, a.weight_bits, a.activation_bits);

  nlohmann::json info = training_record_of(source);
  info["qat"] = fine_tune_record(a, splits.name, train.size(), pool.num_threads());
  qat::FineTuneOptions fo;
  fo.train = a.opt;
  fo.weight_bits = a.weight_bits;
  fo.activation_bits = a.activation_bits;
  fo.samples = a.samples;
  fo.threads = a.threads;
  const nlohmann::json extra = {{"source_model", std::filesystem::path(a.from).filename().string()},
                                {"dataset", splits.name}};
  OCTET_ASSIGN_OR_RETURN(qat::FineTuneResult q,
                         qat::fine_tune_int8(model, info, train, splits.test, fo, extra, a.from + " on " + splits.name, pool));
  const auto& history = q.history;
  const double before = q.before, after = q.after;
  info = q.record;
  for (const auto& w : q.warnings) std::fprintf(stderr, "%s: warning: %s: %s\n", what, a.out.c_str(), w.c_str());
  OCTET_RETURN_IF_ERROR(tflite::save_tflite(q.graph, a.out));
  OCTET_ASSIGN_OR_RETURN(auto written, read_file(a.out));

  double train_seconds = 0;
  for (const auto& e : history) train_seconds += e.seconds;
  if (a.json) {
    nlohmann::json j = info["qat"];
    j["out"] = a.out;
    j["file_bytes"] = written.size();
    j["train_seconds"] = train_seconds;
    j["total_seconds"] = now_seconds() - t_start;
    nlohmann::json epochs = nlohmann::json::array();
    for (const auto& e : history)
      epochs.push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"train_accuracy", e.train_accuracy},
                        {"seconds", e.seconds}});
    j["history"] = epochs;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("model       %s from %s (weights %d bits, activations %d bits)\n", model.name().c_str(), a.from.c_str(),
                a.weight_bits, a.activation_bits);
    std::printf("dataset     %s (%lld training images)\n", splits.name.c_str(), static_cast<long long>(train.size()));
    for (const auto& e : history)
      std::printf("epoch %-5d loss %.4f  train acc %.4f  %.1f s\n", e.epoch, e.train_loss, e.train_accuracy, e.seconds);
    std::printf("test acc    %.4f before, %.4f after fine-tuning (%lld images, fake quantization in float)\n", before,
                after, static_cast<long long>(splits.test.size()));
    std::printf("written     %s (%zu bytes, int8 .tflite; measure it with octet eval)\n", a.out.c_str(), written.size());
    std::printf("time        %.1f s total, %.1f s training\n", now_seconds() - t_start, train_seconds);
  }
  return Status::Ok();
}

}  // namespace octet::cli
