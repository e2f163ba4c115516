// INT8 elementwise reference kernels:
//   qs8_add_ref (quantization.md §4.9, reference_integer_ops::AddFunc, left_shift = 20 scheme);
//   qs8_clamp_ref: stand-alone RELU / RELU6 (§4.11): Z_out + MBQM(q - Z_in, M, s), then the clamp;
//   qs8_requantize_ref: QUANTIZE between int8 / uint8 (§4.8): clamp(MBQM(q - Z_in) + Z_out), or the
//   XOR 0x80 flip when only the zero point moves by 128 between int8 and uint8 at equal scales;
//   f32_dequantize_qu8_ref: uint8 -> float32, S * (q - Z).
#pragma once

#include <cstdint>

#include "runtime/kernels/requant.h"

namespace octet::kernels {

struct Qs8AddParams {
  int32_t input1_offset = 0, input2_offset = 0;  // -Z1, -Z2
  int32_t output_offset = 0;                     // +Z_out
  int left_shift = 20;
  QuantizedMultiplier input1, input2, output;    // all SmallerThanOneExp (shift <= 0)
  int32_t act_min = -128, act_max = 127;
};

void qs8_add_ref(const Qs8AddParams& p, const int8_t* a, const int8_t* b, int8_t* out, long n);

struct Qs8ClampParams {
  int32_t input_zero_point = 0, output_zero_point = 0;
  QuantizedMultiplier multiplier;  // of S_in / S_out
  int32_t act_min = -128, act_max = 127;
};

void qs8_clamp_ref(const Qs8ClampParams& p, const int8_t* in, int8_t* out, long n);

struct Qs8RequantizeParams {
  int32_t input_zero_point = 0, output_zero_point = 0;
  QuantizedMultiplier multiplier;  // of (double)S_in / (double)S_out
};

// in_uint8 / out_uint8 select uint8 storage (range [0, 255]) instead of int8.
void qs8_requantize_ref(const Qs8RequantizeParams& p, const void* in, bool in_uint8, void* out,
                        bool out_uint8, long n);

void f32_dequantize_qu8_ref(const uint8_t* in, float* out, long n, float scale, int32_t zero_point);

}  // namespace octet::kernels
