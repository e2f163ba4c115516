// octet train --qat --from F.tflite: imports the float model, initialises activation ranges from a
// min-max PTQ calibration, fine-tunes with fake quantization, and writes the int8 .tflite through
// the same quantize_graph as `octet quantize`, with the ranges QAT tracked as its calibration.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/train_qat.h"
#include "core/file_io.h"
#include "core/progress.h"
#include "data/loader.h"
#include "nn/export.h"
#include "nn/import.h"
#include "qat/qat.h"
#include "quant/quantize.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

namespace octet::cli {

namespace {

// A seeded subset of `limit` images of `d` (in ascending order), or `d` itself when limit is 0 or
// not smaller than the set.
data::Dataset training_subset(const data::Dataset& d, int64_t limit, uint64_t seed) {
  if (limit <= 0 || limit >= d.size()) return d;
  data::Dataset s;
  s.height = d.height;
  s.width = d.width;
  s.channels = d.channels;
  s.class_names = d.class_names;
  for (int64_t i : quant::draw_calibration_indices(d.size(), limit, seed ^ 0x51A7ull)) {
    s.pixels.insert(s.pixels.end(), d.image(i), d.image(i) + d.image_bytes());
    s.labels.push_back(d.labels[static_cast<size_t>(i)]);
  }
  return s;
}

// The training record stored in `graph` by whoever made it, or an empty object.
nlohmann::json training_record_of(const runtime::Graph& g) {
  for (const auto& m : g.metadata) {
    if (m.name != nn::kTrainingMetadataName) continue;
    nlohmann::json j = nlohmann::json::parse(m.data.begin(), m.data.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_object()) {
      j.erase("spec");  // export_graph stores the (imported) spec again
      return j;
    }
  }
  return nlohmann::json::object();
}

}  // namespace

Status run_train_qat(const QatTrainArgs& a) {
  const double t_start = now_seconds();
  if (a.from.empty()) return Status::Error("--qat needs the float model to fine-tune: --from FILE.tflite");
  OCTET_RETURN_IF_ERROR(prepare_output_path(a.out, {a.from, a.data}));
  ThreadPool::set_global_threads(a.threads);
  ThreadPool& pool = ThreadPool::global();

  OCTET_ASSIGN_OR_RETURN(runtime::Graph source, tflite::load_tflite(a.from));
  OCTET_RETURN_IF_ERROR(quant::check_float_graph(source).with_context(a.from));
  OCTET_ASSIGN_OR_RETURN(nn::Model model, nn::import_graph(source, a.from));
  OCTET_ASSIGN_OR_RETURN(data::DataSplits splits, data::load_dataset(a.data));
  OCTET_RETURN_IF_ERROR(nn::check_compatible(model, splits.train, "the training set").with_context(a.from + " on " + splits.name));
  OCTET_RETURN_IF_ERROR(nn::check_compatible(model, splits.test, "the test set").with_context(a.from + " on " + splits.name));
  const data::Dataset train = training_subset(splits.train, a.train_limit, a.opt.seed);
  std::fprintf(stderr, "train --qat: %s (%s) on %s: %lld of %lld training images, %d epochs, batch %d, %s lr %g, "
               "weights %d bits, activations %d bits, seed %llu, %d threads\n",
               a.from.c_str(), model.name().c_str(), splits.name.c_str(), static_cast<long long>(train.size()),
               static_cast<long long>(splits.train.size()), a.opt.epochs, a.opt.batch, a.opt.optimizer.c_str(),
               a.opt.lr, a.weight_bits, a.activation_bits, static_cast<unsigned long long>(a.opt.seed),
               pool.num_threads());

  nlohmann::json info = training_record_of(source);
  OCTET_ASSIGN_OR_RETURN(runtime::Graph float_graph, nn::export_graph(model, info));
  quant::CalibrationOptions co;
  co.samples = a.samples;
  co.seed = a.opt.seed;
  co.threads = a.threads;
  auto calibration = quant::calibrate(float_graph, train, co);
  if (!calibration.ok()) return calibration.status().with_context(a.from + " (calibration on " + splits.name + ")");
  qat::QatOptions qo;
  qo.weight_bits = a.weight_bits;
  qo.activation_bits = a.activation_bits;
  OCTET_ASSIGN_OR_RETURN(std::unique_ptr<qat::QatModel> qat, qat::QatModel::create(model, float_graph, *calibration, qo));

  // Fake-quant accuracy before fine-tuning is the PTQ model's, up to rounding details.
  const double before = nn::evaluate(qat->model(), splits.test, pool);
  std::fprintf(stderr, "train --qat: fake-quant test accuracy before fine-tuning %.4f\n", before);
  OCTET_ASSIGN_OR_RETURN(auto history, nn::train(qat->model(), train, nullptr, a.opt, pool));
  const double after = nn::evaluate(qat->model(), splits.test, pool);

  info["qat"] = {{"from", std::filesystem::path(a.from).filename().string()},
                 {"dataset", splits.name},
                 {"train_images", train.size()},
                 {"epochs", a.opt.epochs},
                 {"batch", a.opt.batch},
                 {"optimizer", a.opt.optimizer},
                 {"lr", a.opt.lr},
                 {"seed", a.opt.seed},
                 {"threads", pool.num_threads()},
                 {"weight_bits", a.weight_bits},
                 {"activation_bits", a.activation_bits},
                 {"fake_quant_test_accuracy_before", before},
                 {"fake_quant_test_accuracy", after}};
  OCTET_ASSIGN_OR_RETURN(runtime::Graph trained, nn::export_graph(model, info));
  quant::QuantizeOptions opt;
  opt.weight_bits = a.weight_bits;
  opt.activation_bits = a.activation_bits;
  const quant::CalibrationResult ranges = qat->calibration();
  auto q = quant::quantize_graph(trained, &ranges, opt);
  if (!q.ok()) return q.status().with_context(a.from + " (int8 conversion after QAT)");
  quant::set_quantization_metadata(
      q->graph, quant::quantization_record(opt, &ranges, {{"source_model", std::filesystem::path(a.from).filename().string()},
                                                          {"dataset", splits.name}}));
  for (const auto& w : q->report.warnings) std::fprintf(stderr, "train --qat: warning: %s: %s\n", a.out.c_str(), w.c_str());
  OCTET_RETURN_IF_ERROR(tflite::save_tflite(q->graph, a.out));
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
