// Float MEAN over any set of axes: each output element is the float32 sum of its inputs, visited in
// increasing input index, divided by the number of reduced elements.
#pragma once

#include <cstdint>

namespace octet::kernels {

inline constexpr int kMaxMeanRank = 6;

struct F32MeanParams {
  int rank = 0;
  int64_t in_dims[kMaxMeanRank] = {};
  // Stride of each input dimension in the output (0 for reduced dimensions).
  int64_t out_strides[kMaxMeanRank] = {};
  int64_t out_elements = 0;
  int64_t count = 1;       // reduced elements per output
};

void f32_mean_ref(const F32MeanParams& p, const float* input, float* output);

}  // namespace octet::kernels
