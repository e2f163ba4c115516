// What `octet eval` and `octet predict` share: the options that name a model, a dataset split
// and how to run it, and the run itself (load both, run octet's interpreter over the images).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "data/dataset.h"
#include "eval/evaluate.h"
#include "runtime/interpreter.h"

namespace octet::cli {

struct ModelOnDataArgs {
  std::string model, data, split = "test";
  int64_t limit = 0;
  int batch = 256, threads = 0;
  runtime::FcRequant fc_requant = runtime::FcRequant::kInteger;
  runtime::KernelChoice kernels = runtime::KernelChoice::kAuto;
};

// Registers --model, --data, --split, --limit, --batch, --threads, --kernels and --fc-requant.
void add_model_on_data_options(CLI::App* cmd, ModelOnDataArgs& args);

struct ModelOnDataRun {
  data::DataSplits splits;
  bool train_split = false;
  eval::EvalResult result;
  const data::Dataset& dataset() const { return train_split ? splits.train : splits.test; }
};

Result<ModelOnDataRun> run_model_on_data(const ModelOnDataArgs& args, eval::EvalCapture* capture = nullptr);

}  // namespace octet::cli
