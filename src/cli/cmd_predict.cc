// octet predict: per-image predictions of a .tflite on a dataset, as CSV, and optionally the raw
// input and output tensors (for checking octet against another runtime on the very same bytes).
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/model_on_data.h"
#include "core/file_io.h"

namespace octet::cli {

namespace {

struct PredictArgs : ModelOnDataArgs {
  std::string out, raw_inputs, raw_outputs;
};

Status run_predict(const PredictArgs& a) {
  for (const std::string& p : {a.out, a.raw_inputs, a.raw_outputs})
    if (!p.empty()) OCTET_RETURN_IF_ERROR(prepare_output_path(p, {a.model, a.data}));
  eval::EvalCapture capture;
  capture.inputs = !a.raw_inputs.empty();
  capture.outputs = !a.raw_outputs.empty();
  OCTET_ASSIGN_OR_RETURN(ModelOnDataRun run, run_model_on_data(a, &capture));
  const data::Dataset& d = run.dataset();
  const eval::EvalResult& r = run.result;

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
  CLI::App* cmd = app.add_subcommand("predict", "Per-image predictions of a .tflite on a dataset (CSV), and raw tensors");
  add_model_on_data_options(cmd, *args);
  cmd->add_option("--out", args->out, "CSV file (default: stdout)");
  cmd->add_option("--raw-inputs", args->raw_inputs, "Write the model's input tensors, exactly as fed, to this file");
  cmd->add_option("--raw-outputs", args->raw_outputs, "Write the model's output tensors to this file");
  return [args] { return run_predict(*args); };
}

}  // namespace octet::cli
