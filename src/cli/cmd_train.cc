// octet train: trains a model spec on a dataset with the float engine and saves a float32 .tflite.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/file_io.h"
#include "core/progress.h"
#include "data/loader.h"
#include "nn/export.h"
#include "nn/trainer.h"
#include "tflite/writer.h"

namespace octet::cli {

namespace {

struct TrainArgs {
  std::string model, data, out;
  nn::TrainOptions opt;
  double validation = 0.1;
  int threads = 0;
  bool json = false;
};

Status run_train(const TrainArgs& a) {
  double t_start = now_seconds();
  OCTET_RETURN_IF_ERROR(prepare_output_path(a.out, {a.data, a.model}));
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

  OCTET_ASSIGN_OR_RETURN(auto history, nn::train(model, splits.train, val.size() ? &val : nullptr, a.opt, pool));
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
  cmd->add_option("--model", args->model, "Built-in model (mnist_fc, mnist_cnn, cifar_standard, cifar_micro) or a JSON spec file")->required();
  cmd->add_option("--data", args->data, "Dataset: mnist, cifar10, or a path (IDX dir, CIFAR binary, image tree or .tar[.gz])")->required();
  cmd->add_option("--out", args->out, "Output .tflite file (written atomically)")->required();
  cmd->add_option("--epochs", args->opt.epochs, "Training epochs")->default_val(3)->check(CLI::Range(1, 100000));
  cmd->add_option("--batch", args->opt.batch, "Mini-batch size")->default_val(64)->check(CLI::Range(1, 65536));
  cmd->add_option("--lr", args->opt.lr, "Learning rate")->default_val(1e-3f)->check(CLI::PositiveNumber);
  cmd->add_option("--optimizer", args->opt.optimizer, "adam or sgd (momentum 0.9)")->default_val("adam")->check(CLI::IsMember({"adam", "sgd"}));
  cmd->add_option("--seed", args->opt.seed, "Seed for initialisation, shuffling, dropout and the validation split")->default_val(42);
  cmd->add_option("--threads", args->threads, "Threads (results are identical for a given count)")->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--precise-bn-batches", args->opt.precise_bn_batches,
                  "After each epoch, set BatchNorm statistics from this many training batches (0: Keras' moving averages)")
      ->default_val(100)->check(CLI::Range(0, 100000));
  cmd->add_option("--validation", args->validation, "Fraction of the training set held out for validation")->default_val(0.1);
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  return [args] { return run_train(*args); };
}

}  // namespace octet::cli
