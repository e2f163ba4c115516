// octet eval: accuracy, per-class accuracy, confusion matrix and throughput of a .tflite on a dataset.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "data/loader.h"
#include "eval/evaluate.h"
#include "tflite/reader.h"

namespace octet::cli {

namespace {

struct EvalArgs {
  std::string model, data, split = "test";
  int batch = 256, threads = 0;
  int64_t limit = 0;
  bool json = false;
  runtime::FcRequant fc_requant = runtime::FcRequant::kInteger;
};

Status run_eval(const EvalArgs& a) {
  OCTET_ASSIGN_OR_RETURN(runtime::Graph graph, tflite::load_tflite(a.model));
  OCTET_ASSIGN_OR_RETURN(data::DataSplits splits, data::load_dataset(a.data));
  const data::Dataset& d = a.split == "train" ? splits.train : splits.test;
  eval::EvalOptions opt;
  opt.batch = a.batch;
  opt.threads = a.threads;
  opt.limit = a.limit;
  opt.fc_requant = a.fc_requant;
  auto result = eval::evaluate_graph(graph, d, opt);
  if (!result.ok()) return result.status().with_context(a.model);
  const eval::EvalResult& r = result.value();

  if (a.json) {
    nlohmann::json per_class = nlohmann::json::object();
    for (int c = 0; c < d.num_classes(); ++c) per_class[d.class_names[c]] = r.class_accuracy(c);
    nlohmann::json j = {{"model", a.model},       {"dataset", splits.name},
                        {"split", a.split},        {"accuracy", r.accuracy()},
                        {"samples", r.samples},    {"correct", r.correct},
                        {"images_per_s", r.images_per_second()},
                        {"batch", a.batch},        {"threads", a.threads},
                        {"per_class_accuracy", per_class}, {"confusion", r.confusion}};
    std::printf("%s\n", j.dump(2).c_str());
    return Status::Ok();
  }
  std::printf("model      %s\n", a.model.c_str());
  std::printf("dataset    %s, %s split, %lld images\n", splits.name.c_str(), a.split.c_str(),
              static_cast<long long>(r.samples));
  std::printf("accuracy   %.4f (%lld / %lld)\n", r.accuracy(), static_cast<long long>(r.correct),
              static_cast<long long>(r.samples));
  std::printf("speed      %.0f images/s (batch %d, %d threads, inference only)\n\n", r.images_per_second(), a.batch,
              a.threads);
  std::printf("per-class accuracy\n");
  for (int c = 0; c < d.num_classes(); ++c) std::printf("  %-12s %.4f\n", d.class_names[c].c_str(), r.class_accuracy(c));
  std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n%s",
              eval::format_confusion(r, d.class_names).c_str());
  return Status::Ok();
}

}  // namespace

Runner add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  args->threads = default_threads();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a .tflite model on a dataset with octet's runtime");
  cmd->add_option("--model", args->model, ".tflite file (float32, dynamic-range or int8)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", args->data, "Dataset: mnist, cifar10, or a path")->required();
  cmd->add_option("--split", args->split, "test or train")->default_val("test")->check(CLI::IsMember({"test", "train"}));
  cmd->add_option("--batch", args->batch, "Images per inference call")->default_val(256)->check(CLI::Range(1, 65536));
  cmd->add_option("--threads", args->threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  add_fc_requant_option(cmd, args->fc_requant);
  cmd->add_option("--limit", args->limit, "Evaluate only the first N images")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  return [args] { return run_eval(*args); };
}

}  // namespace octet::cli
