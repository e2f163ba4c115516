// QUANTIZE float32 -> int8 and DEQUANTIZE int8 -> float32 (per tensor), AVX2, bit-identical with
// qs8_quantize_f32_ref / f32_dequantize_qs8_ref: the same IEEE division / multiplication per
// element, round half away from zero built from truncation, and the reference's NaN / infinity
// bounds.
#pragma once

#include <cstdint>

namespace octet::kernels {

void qs8_quantize_f32_avx2(const float* input, int8_t* output, long n, float scale,
                           int32_t zero_point);
// Per-tensor only (channels == 1 in the reference's terms).
void f32_dequantize_qs8_avx2(const int8_t* input, float* output, long n, float scale,
                             int32_t zero_point);

}  // namespace octet::kernels
