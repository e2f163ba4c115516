#include "runtime/kernels/reference/qs8_mean_ref.h"

#include <algorithm>
#include <bit>

namespace octet::kernels {

QuantizedMultiplier qs8_mean_multiplier(QuantizedMultiplier m, int64_t n) {
  int k = 63 - std::countl_zero(static_cast<uint64_t>(n));
  k = std::min(k, 32);
  k = std::min(k, 31 + m.shift);
  QuantizedMultiplier r;
  r.multiplier = static_cast<int32_t>((static_cast<int64_t>(m.multiplier) << k) / n);
  r.shift = m.shift - k;
  return r;
}

void qs8_mean_ref(const Qs8MeanParams& p, const int8_t* input, int8_t* output, int32_t* sums) {
  const F32MeanParams& s = p.shape;
  for (int64_t o = 0; o < s.out_elements; ++o) sums[o] = 0;
  int64_t index[kMaxMeanRank] = {};
  int64_t total = 1;
  for (int d = 0; d < s.rank; ++d) total *= s.in_dims[d];
  int64_t out = 0;  // output offset of the current input index
  for (int64_t i = 0; i < total; ++i) {
    // Wrapping int32 sums, as TFLite's int32 temp_sum (no overflow for < 2^24 elements).
    sums[out] = static_cast<int32_t>(static_cast<uint32_t>(sums[out]) + static_cast<uint32_t>(static_cast<int32_t>(input[i])));
    for (int d = s.rank - 1; d >= 0; --d) {  // advance the multi-index, keeping `out` in step
      ++index[d];
      out += s.out_strides[d];
      if (index[d] < s.in_dims[d]) break;
      out -= s.out_strides[d] * index[d];
      index[d] = 0;
    }
  }
  const int32_t zn = static_cast<int32_t>(static_cast<int64_t>(p.input_zero_point) * s.count);
  for (int64_t o = 0; o < s.out_elements; ++o) {
    const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(sums[o]) - static_cast<uint32_t>(zn));
    int32_t v = multiply_by_quantized_multiplier(shifted, p.multiplier) + p.output_zero_point;
    v = std::min(std::max(v, int32_t{-128}), int32_t{127});
    output[o] = static_cast<int8_t>(v);
  }
}

}  // namespace octet::kernels
