// Type conversions of QUANTIZE / DEQUANTIZE (quantization.md §4.8):
//   float16 -> float32 exactly (subnormals, inf and NaN included);
//   int8 -> float32: f = scale * (q - zero_point), per tensor or per channel along one axis;
//   float32 -> int8: q = clamp(RHAZ(x / scale) + zero_point, -128, 127), float32 division.
#pragma once

#include <cstdint>

namespace octet::kernels {

float f16_to_f32(uint16_t h);
void f32_from_f16_ref(const uint16_t* input, float* output, long n);

// Per-channel when channels > 1: element i has channel (i / inner) % channels, where inner is the
// product of the dimensions after the quantized axis. Per-tensor: channels = 1, inner = n.
void f32_dequantize_qs8_ref(const int8_t* input, float* output, long n, const float* scales,
                            const int32_t* zero_points, int channels, long inner);

void qs8_quantize_f32_ref(const float* input, int8_t* output, long n, float scale,
                          int32_t zero_point);

}  // namespace octet::kernels
