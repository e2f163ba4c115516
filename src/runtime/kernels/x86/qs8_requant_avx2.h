// MultiplyByQuantizedMultiplier (requant.h, double rounding) on 8 int32 lanes with per-lane
// multiplier and shift, bit-identical with multiply_by_quantized_multiplier. One formulation for
// every AVX2 kernel (GEMM and direct conv epilogues, depthwise, requantize). Include only from
// AVX2 translation units.
#pragma once

#include <immintrin.h>

#include "runtime/kernels/x86/target_avx2.h"

namespace octet::kernels {

// The per-lane constants, loaded once per block of 8 channels (or once per tensor).
struct RequantLanes {
  __m256i multiplier;      // >= 0, as every TFLite multiplier
  __m256i multiplier_odd;  // the odd lanes' multipliers in the low halves, for vpmuldq
  __m256i left, right;     // max(shift, 0), max(-shift, 0)
  __m256i mask, half;      // 2^right - 1 and mask / 2: the RoundingDivideByPOT threshold
};

OCTET_TARGET_AVX2 inline RequantLanes requant_lanes(__m256i multiplier, __m256i left, __m256i right,
                                                    __m256i mask) {
  return {multiplier, _mm256_srli_epi64(multiplier, 32), left, right, mask, _mm256_srli_epi32(mask, 1)};
}

OCTET_TARGET_AVX2 inline RequantLanes requant_lanes(__m256i multiplier, __m256i left, __m256i right) {
  const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), right), _mm256_set1_epi32(1));
  return requant_lanes(multiplier, left, right, mask);
}

// Wrapping left shift (as shift_left_wrapping), then SRDHM(x, M): with M >= 0 it is
// floor((x * M + 2^30) / 2^31) for either sign of x (gemmlowp's negative nudge and truncating
// division combine to it), i.e. bits 31..62 of the 64-bit sum: vpmuldq on even and odd lanes, no
// 64-bit arithmetic shift needed (and INT32_MIN * INT32_MIN cannot occur). Then RoundingDivideByPOT:
// arithmetic shift plus 1 when the remainder exceeds half the divisor (half + 1 for negative
// values: ties away from zero).
OCTET_TARGET_AVX2 inline __m256i multiply_by_quantized_multiplier_avx2(__m256i x, const RequantLanes& r) {
  const __m256i nudge = _mm256_set1_epi64x(int64_t{1} << 30);
  x = _mm256_sllv_epi32(x, r.left);
  const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, r.multiplier), nudge);
  const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), r.multiplier_odd), nudge);
  const __m256i high = _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
  const __m256i remainder = _mm256_and_si256(high, r.mask);
  const __m256i negative = _mm256_cmpgt_epi32(_mm256_setzero_si256(), high);
  const __m256i threshold = _mm256_sub_epi32(r.half, negative);
  return _mm256_sub_epi32(_mm256_srav_epi32(high, r.right), _mm256_cmpgt_epi32(remainder, threshold));
}

}  // namespace octet::kernels
