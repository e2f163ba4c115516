// octet train --qat: quantization-aware fine-tuning of a float .tflite into an int8 .tflite.
#pragma once

#include <string>

#include "core/status.h"
#include "nn/trainer.h"

namespace octet::cli {

struct QatTrainArgs {
  std::string from, data, out;
  nn::TrainOptions opt;         // epochs, batch, lr, optimizer, seed
  int weight_bits = 8, activation_bits = 8;
  int64_t samples = 500;        // PTQ calibration images that initialise the ranges
  int64_t train_limit = 0;      // 0: the whole training split, else a seeded subset of it
  int threads = 1;
  bool json = false;
};

Status run_train_qat(const QatTrainArgs& a);

}  // namespace octet::cli
