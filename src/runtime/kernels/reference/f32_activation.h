// Fused activation clamps for float ops: NONE -> [lowest, max], RELU -> [0, max], RELU6 -> [0, 6].
#pragma once

#include <algorithm>
#include <limits>

#include "runtime/graph.h"

namespace octet::kernels {

struct F32Clamp {
  float min = std::numeric_limits<float>::lowest();
  float max = std::numeric_limits<float>::max();
  float operator()(float x) const { return std::min(std::max(x, min), max); }
};

inline F32Clamp f32_clamp_for(runtime::Activation a) {
  F32Clamp c;
  if (a == runtime::Activation::kRelu || a == runtime::Activation::kRelu6) c.min = 0.0f;
  if (a == runtime::Activation::kRelu6) c.max = 6.0f;
  return c;
}

// out[r, c] = clamp(out[r, c] + bias[c]) over a row-major [rows, cols] block; bias may be null.
inline void f32_bias_clamp(float* out, long rows, int cols, const float* bias, F32Clamp clamp) {
  for (long r = 0; r < rows; ++r) {
    float* row = out + r * cols;
    if (bias) {
      for (int c = 0; c < cols; ++c) row[c] = clamp(row[c] + bias[c]);
    } else {
      for (int c = 0; c < cols; ++c) row[c] = clamp(row[c]);
    }
  }
}

}  // namespace octet::kernels
