#include "runtime/kernels/reference/f32_mean_ref.h"

namespace octet::kernels {

void f32_mean_ref(const F32MeanParams& p, const float* input, float* output) {
  for (int64_t i = 0; i < p.out_elements; ++i) output[i] = 0.0f;
  int64_t in_elements = 1;
  for (int d = 0; d < p.rank; ++d) in_elements *= p.in_dims[d];
  // Walk the input in row-major order with an odometer over its dimensions.
  int64_t index[kMaxMeanRank] = {};
  int64_t out = 0;
  for (int64_t i = 0; i < in_elements; ++i) {
    output[out] += input[i];
    for (int d = p.rank - 1; d >= 0; --d) {
      out += p.out_strides[d];
      if (++index[d] < p.in_dims[d]) break;
      out -= p.out_strides[d] * p.in_dims[d];
      index[d] = 0;
    }
  }
  const float count = static_cast<float>(p.count);
  for (int64_t i = 0; i < p.out_elements; ++i) output[i] /= count;
}

}  // namespace octet::kernels
