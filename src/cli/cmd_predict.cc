// octet predict: per-image predictions of a .tflite on a dataset, as CSV, and optionally the raw
// input and output tensors (for checking octet against another runtime on the very same bytes).
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "core/file_io.h"
#include "data/loader.h"
#include "eval/evaluate.h"
#include "tflite/reader.h"

namespace octet::cli {

namespace {

struct PredictArgs {
  std::string model, data, split = "test", out, raw_inputs, raw_outputs;
  int64_t limit = 0;
  int batch = 256, threads = 0;
  runtime::FcRequant fc_requant = runtime::FcRequant::kInteger;
};

Status run_predict(const PredictArgs& a) {
  for (const std::string& p : {a.out, a.raw_inputs, a.raw_outputs})
    if (!p.empty()) OCTET_RETURN_IF_ERROR(prepare_output_path(p, {a.model, a.data}));
  OCTET_ASSIGN_OR_RETURN(runtime::Graph graph, tflite::load_tflite(a.model));
  OCTET_ASSIGN_OR_RETURN(data::DataSplits splits, data::load_dataset(a.data));
  const data::Dataset& d = a.split == "train" ? splits.train : splits.test;
  eval::EvalOptions opt;
  opt.batch = a.batch;
  opt.threads = a.threads;
  opt.limit = a.limit;
  opt.fc_requant = a.fc_requant;
  eval::EvalCapture capture;
  capture.inputs = !a.raw_inputs.empty();
  capture.outputs = !a.raw_outputs.empty();
  auto result = eval::evaluate_graph(graph, d, opt, &capture);
  if (!result.ok()) return result.status().with_context(a.model);
  const eval::EvalResult& r = result.value();

  std::string csv = "index,label,predicted,confidence,correct\n";
  char line[96];
  for (int64_t i = 0; i < r.samples; ++i) {
    std::snprintf(line, sizeof line, "%lld,%d,%d,%.6f,%d\n", static_cast<long long>(i), d.labels[i],
                  r.predictions[i], r.confidence[i], d.labels[i] == r.predictions[i]);
    csv += line;
  }
  if (!a.out.empty()) {
    OCTET_RETURN_IF_ERROR(write_file_atomic(a.out, csv));
  } else {
    std::fputs(csv.c_str(), stdout);
  }
  if (capture.inputs) OCTET_RETURN_IF_ERROR(write_file_atomic(a.raw_inputs, capture.input_bytes));
  if (capture.outputs) OCTET_RETURN_IF_ERROR(write_file_atomic(a.raw_outputs, capture.output_bytes));
  std::fprintf(stderr, "predict: %lld images, accuracy %.4f\n", static_cast<long long>(r.samples), r.accuracy());
  return Status::Ok();
}

}  // namespace

Runner add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  args->threads = default_threads();
  CLI::App* cmd = app.add_subcommand("predict", "Per-image predictions of a .tflite on a dataset (CSV), and raw tensors");
  cmd->add_option("--model", args->model, ".tflite file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", args->data, "Dataset: mnist, cifar10, or a path")->required();
  cmd->add_option("--split", args->split, "test or train")->default_val("test")->check(CLI::IsMember({"test", "train"}));
  cmd->add_option("--limit", args->limit, "Only the first N images")->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", args->out, "CSV file (default: stdout)");
  cmd->add_option("--raw-inputs", args->raw_inputs, "Write the model's input tensors, exactly as fed, to this file");
  cmd->add_option("--raw-outputs", args->raw_outputs, "Write the model's output tensors to this file");
  cmd->add_option("--batch", args->batch, "Images per inference call")->default_val(256)->check(CLI::Range(1, 65536));
  cmd->add_option("--threads", args->threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  add_fc_requant_option(cmd, args->fc_requant);
  return [args] { return run_predict(*args); };
}

}  // namespace octet::cli
