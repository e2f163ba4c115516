// octet train --qat: quantization-aware fine-tuning of a float .tflite into an int8 .tflite
// (without --qat, --from fine-tunes in float: the control).
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
  bool fake_quant = true;       // false: plain float fine-tuning, written as a float32 .tflite
};

Status run_train_qat(const QatTrainArgs& a);

}  // namespace octet::cli
