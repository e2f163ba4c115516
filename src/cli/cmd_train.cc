// octet train: trains a model spec on a dataset with the float engine and saves a float32 .tflite.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include "cli/commands.h"
#include "cli/train_qat.h"
#include "core/file_io.h"
#include "core/progress.h"
#include "data/loader.h"
#include "nn/checkpoint.h"
#include "nn/export.h"
#include "nn/trainer.h"
#include "tflite/writer.h"

namespace octet::cli {

namespace {

struct TrainArgs {
  std::string model, data, out, checkpoint, resume;
  nn::TrainOptions opt;
  double validation = 0.1;
  int threads = 0;
  bool json = false;
  bool qat = false;  // --qat: fine-tune --from with fake quantization (cmd_train_qat.cc)
  QatTrainArgs q;
};

// What a resumed run must share with the checkpoint's run (the epoch count may grow).
nlohmann::json checkpoint_settings(const TrainArgs& a, const data::DataSplits& splits, const data::Dataset& val,
                                   int threads) {
  return {{"data", splits.name},
          {"train_images", splits.train.size()},
          {"train_labels_crc32", crc32(0L, splits.train.labels.data(), static_cast<uInt>(splits.train.labels.size()))},
          {"validation_images", val.size()},
          {"validation", a.validation},
          {"seed", a.opt.seed},
          {"batch", a.opt.batch},
          {"optimizer", a.opt.optimizer},
          {"lr", a.opt.lr},
          {"precise_bn_batches", a.opt.precise_bn_batches},
          {"threads", threads}};  // another count gives other (valid, not bit-identical) weights
}

Status run_train(const TrainArgs& a) {
  double t_start = now_seconds();
  OCTET_RETURN_IF_ERROR(prepare_output_path(a.out, {a.data, a.model, a.resume}));
  if (!a.checkpoint.empty()) {
    // The checkpoint may be the file resumed from, never the model or an input.
    std::error_code ec1, ec2;
    const auto checkpoint = std::filesystem::weakly_canonical(a.checkpoint, ec1);
    if (!ec1 && checkpoint == std::filesystem::weakly_canonical(a.out, ec2) && !ec2)
      return Status::Error(a.checkpoint + ": --checkpoint and --out are the same file; the model would overwrite it");
    OCTET_RETURN_IF_ERROR(prepare_output_path(a.checkpoint, {a.data, a.model, a.out}));
  }
  if (!(a.validation >= 0 && a.validation < 1)) return Status::Error("--validation must be in [0, 1)");
  ThreadPool::set_global_threads(a.threads);
  ThreadPool& pool = ThreadPool::global();

  OCTET_ASSIGN_OR_RETURN(nn::Model model, nn::Model::load(a.model));
  OCTET_RETURN_IF_ERROR(model.build(a.opt.seed));
  OCTET_ASSIGN_OR_RETURN(data::DataSplits splits, data::load_dataset(a.data));
  data::Dataset val = data::split_validation(splits.train, a.validation, a.opt.seed);
  std::fprintf(stderr, "train: %s (%lld parameters) on %s: %lld train, %lld validation, %lld test images; "
               "%d epochs, batch %d, %s lr %g, seed %llu, %d threads\n",
               model.name().c_str(), static_cast<long long>(model.param_count()), splits.name.c_str(),
               static_cast<long long>(splits.train.size()), static_cast<long long>(val.size()),
               static_cast<long long>(splits.test.size()), a.opt.epochs, a.opt.batch, a.opt.optimizer.c_str(),
               a.opt.lr, static_cast<unsigned long long>(a.opt.seed), pool.num_threads());

  const nlohmann::json settings = checkpoint_settings(a, splits, val, pool.num_threads());
  std::optional<nn::Checkpoint> resumed;
  if (!a.resume.empty()) {
    OCTET_ASSIGN_OR_RETURN(resumed, nn::load_checkpoint(a.resume));
    OCTET_RETURN_IF_ERROR(nn::restore_checkpoint(*resumed, a.resume, model, settings));
    if (resumed->progress.epochs_done > a.opt.epochs)
      return Status::Error(a.resume + ": checkpoint is after epoch " + std::to_string(resumed->progress.epochs_done) +
                           ", beyond --epochs " + std::to_string(a.opt.epochs));
    std::fprintf(stderr, "train: resuming from %s after epoch %d\n", a.resume.c_str(), resumed->progress.epochs_done);
  }
  std::function<Status(const nn::TrainProgress&)> on_epoch;
  if (!a.checkpoint.empty()) {
    on_epoch = [&](const nn::TrainProgress& p) { return nn::save_checkpoint(a.checkpoint, model, settings, p); };
  }
  OCTET_ASSIGN_OR_RETURN(auto history, nn::train(model, splits.train, val.size() ? &val : nullptr, a.opt, pool,
                                                 on_epoch, resumed ? &resumed->progress : nullptr));
  OCTET_RETURN_IF_ERROR(nn::check_compatible(model, splits.test, "the test set"));
  double t_eval = now_seconds();
  double test_acc = nn::evaluate(model, splits.test, pool);
  double eval_seconds = now_seconds() - t_eval;

  const nlohmann::json info = nn::training_record(model, splits, a.opt, pool.num_threads(), a.validation, test_acc);
  OCTET_ASSIGN_OR_RETURN(runtime::Graph graph, nn::export_graph(model, info));
  OCTET_RETURN_IF_ERROR(tflite::save_tflite(graph, a.out));
  OCTET_ASSIGN_OR_RETURN(auto written, read_file(a.out));

  double train_seconds = 0;
  for (const auto& e : history) train_seconds += e.seconds;
  if (a.json) {
    nlohmann::json j = info;
    j["out"] = a.out;
    j["accuracy"] = test_acc;
    j["samples"] = splits.test.size();
    j["images_per_s"] = eval_seconds > 0 ? static_cast<double>(splits.test.size()) / eval_seconds : 0.0;
    j["parameters"] = model.param_count();
    j["file_bytes"] = written.size();
    j["train_seconds"] = train_seconds;
    j["total_seconds"] = now_seconds() - t_start;
    nlohmann::json epochs = nlohmann::json::array();
    for (const auto& e : history)
      epochs.push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"train_accuracy", e.train_accuracy},
                        {"val_accuracy", e.val_accuracy}, {"seconds", e.seconds}});
    j["history"] = epochs;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("model       %s (%lld parameters)\n", model.name().c_str(),
                static_cast<long long>(model.param_count()));
    std::printf("dataset     %s\n", splits.name.c_str());
    for (const auto& e : history) {
      std::printf("epoch %-5d loss %.4f  train acc %.4f", e.epoch, e.train_loss, e.train_accuracy);
      if (e.val_accuracy >= 0) std::printf("  val acc %.4f", e.val_accuracy);
      std::printf("  %.1f s\n", e.seconds);
    }
    std::printf("test acc    %.4f (%lld images, float engine)\n", test_acc,
                static_cast<long long>(splits.test.size()));
    std::printf("written     %s (%zu bytes, float32 .tflite)\n", a.out.c_str(), written.size());
    std::printf("time        %.1f s total, %.1f s training\n", now_seconds() - t_start, train_seconds);
  }
  return Status::Ok();
}

}  // namespace

Runner add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  args->threads = default_threads();
  CLI::App* cmd = app.add_subcommand("train", "Train a model with the float engine and save it as a float32 .tflite");
  cmd->add_option("--model", args->model, "Built-in model (mnist_fc, mnist_cnn, cifar_standard, cifar_micro) or a JSON spec file (not with --qat)");
  cmd->add_option("--data", args->data, "Dataset: mnist, cifar10, or a path (IDX dir, CIFAR binary, image tree or .tar[.gz])")->required();
  cmd->add_option("--out", args->out, "Output .tflite file (written atomically)")->required();
  cmd->add_option("--epochs", args->opt.epochs, "Training epochs")->default_val(3)->check(CLI::Range(1, 100000));
  cmd->add_option("--batch", args->opt.batch, "Mini-batch size")->default_val(64)->check(CLI::Range(1, 65536));
  auto* lr = cmd->add_option("--lr", args->opt.lr, "Learning rate (with --from: 1e-4 unless given)")->default_val(1e-3f)->check(CLI::PositiveNumber);
  cmd->add_option("--optimizer", args->opt.optimizer, "adam or sgd (momentum 0.9)")->default_val("adam")->check(CLI::IsMember({"adam", "sgd"}));
  cmd->add_option("--seed", args->opt.seed, "Seed for initialisation, shuffling, dropout and the validation split")->default_val(42);
  cmd->add_option("--threads", args->threads, "Threads (results are identical for a given count)")->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--precise-bn-batches", args->opt.precise_bn_batches,
                  "After each epoch, set BatchNorm statistics from this many training batches (0: Keras' moving averages)")
      ->default_val(100)->check(CLI::Range(0, 100000));
  cmd->add_option("--validation", args->validation, "Fraction of the training set held out for validation")->default_val(0.1);
  cmd->add_option("--checkpoint", args->checkpoint,
                  "Save a checkpoint to this file after every epoch (written atomically; may equal --resume)");
  cmd->add_option("--resume", args->resume,
                  "Continue from a checkpoint of this model, data and settings (--epochs may be larger)");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->add_flag("--qat", args->qat, "Quantization-aware fine-tuning of --from into an int8 .tflite");
  cmd->add_option("--from", args->q.from, "Fine-tune this float .tflite (as octet train writes it) instead of training --model from scratch");
  std::vector<CLI::Option*> qat_only = {
      cmd->add_option("--weight-bits", args->q.weight_bits, "--qat: weight bits")->default_val(8)->check(CLI::Range(2, 8)),
      cmd->add_option("--activation-bits", args->q.activation_bits, "--qat: activation bits")->default_val(8)->check(CLI::Range(2, 8))};
  qat_only.push_back(cmd->add_option("--samples", args->q.samples, "--qat: calibration images that initialise the ranges")->default_val(500)->check(CLI::Range(int64_t{1}, int64_t{1} << 40)));
  auto* train_limit = cmd->add_option("--train-limit", args->q.train_limit, "--from: fine-tune on a seeded subset of this many training images (0: all)")->default_val(0)->check(CLI::NonNegativeNumber);
  return [args, lr, qat_only, train_limit] {
    for (CLI::Option* o : qat_only)
      if (!args->qat && o->count() > 0) return Status::Error(o->get_name() + " is for --qat");
    if (args->q.from.empty() && train_limit->count() > 0) return Status::Error("--train-limit is for --from");
    if (!args->model.empty() && !args->q.from.empty())
      return Status::Error("--model trains from scratch, --from fine-tunes a .tflite: give one of them");
    if (args->qat && args->q.from.empty())
      return Status::Error("--qat needs the float model to fine-tune: --from FILE.tflite");
    if (args->q.from.empty()) {
      if (args->model.empty()) return Status::Error("train needs --model (or --from FILE.tflite to fine-tune)");
      return run_train(*args);
    }
    if (!args->resume.empty() || !args->checkpoint.empty()) return Status::Error("--from does not take --checkpoint or --resume");
    QatTrainArgs q = args->q;
    q.data = args->data;
    q.out = args->out;
    q.opt = args->opt;
    if (lr->count() == 0) q.opt.lr = 1e-4f;  // fine-tuning: a tenth of the from-scratch default
    q.threads = args->threads;
    q.json = args->json;
    q.fake_quant = args->qat;
    return run_train_qat(q);
  };
}

}  // namespace octet::cli
