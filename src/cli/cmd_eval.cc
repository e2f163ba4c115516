// octet eval: accuracy, per-class accuracy, confusion matrix and throughput of a .tflite on a dataset.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/kernels_option.h"
#include "cli/model_on_data.h"

namespace octet::cli {

namespace {

struct EvalArgs : ModelOnDataArgs {
  bool json = false;
};

Status run_eval(const EvalArgs& a) {
  OCTET_ASSIGN_OR_RETURN(ModelOnDataRun run, run_model_on_data(a));
  const data::DataSplits& splits = run.splits;
  const data::Dataset& d = run.dataset();
  const eval::EvalResult& r = run.result;

  if (a.json) {
    nlohmann::json per_class = nlohmann::json::object();
    for (int c = 0; c < d.num_classes(); ++c) per_class[d.class_names[c]] = r.class_accuracy(c);
    nlohmann::json j = {{"model", a.model},       {"dataset", splits.name},
                        {"split", a.split},        {"accuracy", r.accuracy()},
                        {"samples", r.samples},    {"correct", r.correct},
                        {"images_per_s", r.images_per_second()},
                        {"batch", a.batch},        {"threads", a.threads},
                        {"kernels", kernel_choice_name(a.kernels)},
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
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a .tflite model on a dataset with octet's runtime");
  add_model_on_data_options(cmd, *args);
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  return [args] { return run_eval(*args); };
}

}  // namespace octet::cli
