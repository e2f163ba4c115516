#include "cli/model_on_data.h"

#include <cstdio>

#include "cli/commands.h"
#include "cli/kernels_option.h"
#include "data/loader.h"
#include "tflite/reader.h"

namespace octet::cli {

void add_model_on_data_options(CLI::App* cmd, ModelOnDataArgs& a) {
  a.threads = default_threads();
  cmd->add_option("--model", a.model, ".tflite file (float32, dynamic-range or int8)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", a.data, "Dataset: mnist, cifar10, or a path")->required();
  cmd->add_option("--split", a.split, "test or train")->default_val("test")->check(CLI::IsMember({"test", "train"}));
  cmd->add_option("--limit", a.limit, "Only the first N images")->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch", a.batch, "Images per inference call")->default_val(256)->check(CLI::Range(1, 65536));
  cmd->add_option("--threads", a.threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  add_kernels_option(cmd, a.kernels);
  // Parsed as a string: CLI11 would print the uint8_t enum values as raw characters in --help.
  cmd->add_option_function<std::string>(
         "--fc-requant",
         [&a](const std::string& mode) {
           a.fc_requant = mode == "double" ? runtime::FcRequant::kFloatDouble : runtime::FcRequant::kInteger;
         },
         "int8 FULLY_CONNECTED requantization: integer (TFLite Micro, TF <= 2.19) or double "
         "(TF >= 2.20 reference kernels)")
      ->check(CLI::IsMember({"integer", "double"}))
      ->default_str("integer");
}

Result<ModelOnDataRun> run_model_on_data(const ModelOnDataArgs& a, eval::EvalCapture* capture) {
  OCTET_ASSIGN_OR_RETURN(runtime::Graph graph, tflite::load_tflite(a.model));
  for (const std::string& w : runtime::non_finite_constants(graph))
    std::fprintf(stderr, "warning: %s: %s; the outputs will be meaningless\n", a.model.c_str(), w.c_str());
  ModelOnDataRun run;
  OCTET_ASSIGN_OR_RETURN(run.splits, data::load_dataset(a.data));
  run.train_split = a.split == "train";
  eval::EvalOptions opt;
  opt.batch = a.batch;
  opt.threads = a.threads;
  opt.limit = a.limit;
  opt.fc_requant = a.fc_requant;
  opt.kernels = a.kernels;
  auto result = eval::evaluate_graph(graph, run.dataset(), opt, capture);
  if (!result.ok()) return result.status().with_context(a.model);
  run.result = std::move(result).value();
  if (run.result.non_finite_outputs > 0)
    std::fprintf(stderr, "warning: %s: %lld output values were NaN or Inf; those images count as wrong or arbitrary\n",
                 a.model.c_str(), static_cast<long long>(run.result.non_finite_outputs));
  return run;
}

}  // namespace octet::cli
