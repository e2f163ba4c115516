// What `octet train --qat --from` and the experiment runner's "qat" study share: the training
// subset they fine-tune on and the QAT pipeline from an imported float model to an int8 graph
// (min-max calibration -> fake-quant fine-tuning -> quantize_graph with the tracked ranges).
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/thread_pool.h"
#include "data/dataset.h"
#include "nn/model.h"
#include "nn/trainer.h"
#include "quant/quantize.h"
#include "runtime/graph.h"

namespace octet::qat {

// A seeded subset of `limit` images of `d` (in ascending order), or `d` itself when limit is 0 or
// not smaller than the set (`train --train-limit`).
data::Dataset training_subset(const data::Dataset& d, int64_t limit, uint64_t seed);

struct FineTuneOptions {
  nn::TrainOptions train;   // epochs, batch, lr, optimizer, seed (also the calibration's seed)
  int weight_bits = 8, activation_bits = 8;
  int64_t samples = 500;    // min-max calibration images that initialise the activation ranges
  int threads = 1;          // calibration threads
};

struct FineTuneResult {
  runtime::Graph graph;  // the int8 model, quantization record set
  std::vector<std::string> warnings;
  std::vector<nn::EpochResult> history;
  double before = 0, after = 0;  // fake-quant accuracy on `test` before and after fine-tuning
  nlohmann::json record;         // the training record stored, "qat" completed
};

// Fine-tunes `model` (imported float; its weights change) with fake quantization on `train` and
// converts it. `record` is the training record to store; its "qat" object (created if missing)
// gets the bits and the fake-quant accuracies. `quant_extra` is merged into the quantization
// record. Errors are given `origin` as context.
Result<FineTuneResult> fine_tune_int8(nn::Model& model, nlohmann::json record, const data::Dataset& train,
                                      const data::Dataset& test, const FineTuneOptions& options,
                                      const nlohmann::json& quant_extra, const std::string& origin, ThreadPool& pool);

}  // namespace octet::qat
