// INT8 MEAN reference (quantization.md §4.10, reference_ops::QuantizedMeanOrSum): per output, the
// int32 sum of its raw inputs; the multiplier of S_in/S_out is pre-divided by N after a left shift of
// k = min(floor(log2 N), 32, 31 + shift) (truncating), then
// out = clamp(MBQM(sum - Z_in * N, M', shift - k) + Z_out, -128, 127).
#pragma once

#include <cstdint>

#include "runtime/kernels/reference/f32_mean_ref.h"
#include "runtime/kernels/requant.h"

namespace octet::kernels {

struct Qs8MeanParams {
  F32MeanParams shape;          // the reduction geometry (rank, dims, output strides, count)
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  QuantizedMultiplier multiplier;  // already divided by N (qs8_mean_multiplier)
};

// QuantizeMultiplier(S_in / S_out) adjusted for N reduced elements as TFLite does at eval.
QuantizedMultiplier qs8_mean_multiplier(QuantizedMultiplier m, int64_t n);

// sums: scratch of p.shape.out_elements int32.
void qs8_mean_ref(const Qs8MeanParams& p, const int8_t* input, int8_t* output, int32_t* sums);

}  // namespace octet::kernels
