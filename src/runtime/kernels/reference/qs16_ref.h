// TFLite's 16x8 reference kernels (int16 activations with zero point 0, int8 symmetric weights,
// int64 biases): reference_integer_ops ConvPerChannel / DepthwiseConvPerChannel / FullyConnected
// for int16, the int16 pools, QuantizedMeanOrSum<int16_t>, and the QUANTIZE / DEQUANTIZE
// conversions between float32 and int16. Accumulators are int64; the requantization is the int64
// MultiplyByQuantizedMultiplier (quantization.md §3.4), which first reduces the multiplier to 16 bits.
#pragma once

#include <cstdint>

#include "runtime/kernels/reference/qs8_mean_ref.h"  // F32MeanParams, qs8_mean_multiplier
#include "runtime/kernels/reference/qs8_conv2d_ref.h"
#include "runtime/kernels/reference/qs8_pool2d_ref.h"
#include "runtime/kernels/requant.h"

namespace octet::kernels {

// MultiplyByQuantizedMultiplier(int64 x, M, shift): M16 = M < 0x7FFF0000 ? (M + 2^15) >> 16 : 0x7FFF,
// then (x * M16 + 2^(14 - shift)) >> (15 - shift), truncated to int32. Requires shift in [-31, 7]
// and |x| < 2^47 (TFLite asserts the same).
inline int32_t multiply_by_quantized_multiplier_int64(int64_t x, QuantizedMultiplier m) {
  const int64_t reduced = m.multiplier < 0x7FFF0000 ? (int64_t{m.multiplier} + (1 << 15)) >> 16 : 0x7FFF;
  const int total_shift = 15 - m.shift;
  const int64_t rounded = x * reduced + (int64_t{1} << (total_shift - 1));
  return static_cast<int32_t>(rounded >> total_shift);
}

// Output stage of the int16 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED (zero points are 0).
struct Qs16OutputStage {
  int32_t act_min = -32768, act_max = 32767;
  const QuantizedMultiplier* multipliers = nullptr;  // one per output channel
  // FULLY_CONNECTED in TF >= 2.20 BUILTIN_REF: (int32) round((double)acc * real[c]) instead.
  const double* real_multipliers = nullptr;
};

inline int16_t qs16_requantize_accumulator(int64_t acc, const Qs16OutputStage& s, int channel) {
  int32_t v = s.real_multipliers
                  ? static_cast<int32_t>(std::round(static_cast<double>(acc) * s.real_multipliers[channel]))
                  : multiply_by_quantized_multiplier_int64(acc, s.multipliers[channel]);
  v = v < s.act_min ? s.act_min : v;
  v = v > s.act_max ? s.act_max : v;
  return static_cast<int16_t>(v);
}

struct Qs16ConvParams {
  ConvGeometry geometry;
  Qs16OutputStage output;
  int depth_multiplier = 1;  // DEPTHWISE_CONV_2D only
};

// Output rows [row_begin, row_end) of the flattened (batch, out_y) index. CONV_2D filter OHWI;
// DEPTHWISE_CONV_2D filter [1, KH, KW, Cin * depth_multiplier]. bias [Cout] or null.
void qs16_conv2d_ref(const Qs16ConvParams& p, const int16_t* input, const int8_t* filter,
                     const int64_t* bias, int16_t* output, int row_begin, int row_end);
void qs16_depthwise_conv2d_ref(const Qs16ConvParams& p, const int16_t* input, const int8_t* filter,
                               const int64_t* bias, int16_t* output, int row_begin, int row_end);

// input [rows, depth] x filter [units, depth] -> output [rows, units], rows [row_begin, row_end).
void qs16_fully_connected_ref(const Qs16OutputStage& s, int depth, int units, const int16_t* input,
                              const int8_t* filter, const int64_t* bias, int16_t* output,
                              int row_begin, int row_end);

// Pools over rows (batch, out_y) as the int8 pools; act_min / act_max in the int16 range.
void qs16_max_pool2d_ref(const Qs8Pool2DParams& p, const int16_t* input, int16_t* output,
                         int row_begin, int row_end);
void qs16_average_pool2d_ref(const Qs8Pool2DParams& p, const int16_t* input, int16_t* output,
                             int row_begin, int row_end);

// QuantizedMeanOrSum<int16_t> (zero points 0): int32 sums, multiplier already divided by N
// (qs8_mean_multiplier), int32 MBQM, clamp to int16.
void qs16_mean_ref(const F32MeanParams& shape, QuantizedMultiplier multiplier, const int16_t* input,
                   int16_t* output, int32_t* sums);

// float32 -> int16: clamp(RHAZ(x / scale), -32768, 32767) (float32 division; zero point 0).
void qs16_quantize_f32_ref(const float* input, int16_t* output, long n, float scale);
// int16 -> float32: (float)((double)scale * q).
void f32_dequantize_qs16_ref(const int16_t* input, float* output, long n, float scale);

}  // namespace octet::kernels
