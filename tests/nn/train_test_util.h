// Shared by the trainer and checkpoint tests: a learnable toy dataset and a small model that has
// every trainable layer kind (BatchNorm buffers, dropout).
#pragma once

#include <vector>

#include "data/dataset.h"
#include "nn/model.h"

namespace octet::nn {

// 4 classes: the class says which quadrant of a 12x12 image is bright.
data::Dataset quadrant_dataset(int n, uint64_t seed);
// The small model, built from `seed`.
Model small_model(uint64_t seed);
// Every parameter value, then every buffer, concatenated.
std::vector<float> all_weights(Model& m);

}  // namespace octet::nn
