// MultiplyByQuantizedMultiplier (requant.h, double rounding) on 8 int32 lanes with per-lane
// multiplier and shift, bit-identical with multiply_by_quantized_multiplier: wrapping left shift,
// SRDHM through 64-bit products (multiplier >= 0, so the INT32_MIN * INT32_MIN saturation case
// cannot occur), then the RHAZ RoundingDivideByPOT. Include only from AVX2 translation units.
#pragma once

#include <immintrin.h>

#include "runtime/kernels/x86/target_avx2.h"

namespace octet::kernels {

// SRDHM for the 4 even lanes (int32 in the low half of each 64-bit lane); the result is in the low
// half. (ab + nudge) / 2^31 truncates toward zero: negative values get 2^31 - 1 added first; the
// low 32 bits of the shifted value are the result whatever the shift's sign handling.
OCTET_TARGET_AVX2_FMA inline __m256i srdhm_even_avx2(__m256i a, __m256i m) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i ab = _mm256_mul_epi32(a, m);
  const __m256i nudge =
      _mm256_blendv_epi8(_mm256_set1_epi64x(int64_t{1} << 30),
                         _mm256_set1_epi64x(1 - (int64_t{1} << 30)), _mm256_cmpgt_epi64(zero, ab));
  __m256i v = _mm256_add_epi64(ab, nudge);
  v = _mm256_add_epi64(
      v, _mm256_and_si256(_mm256_cmpgt_epi64(zero, v), _mm256_set1_epi64x((int64_t{1} << 31) - 1)));
  return _mm256_srli_epi64(v, 31);
}

// x: accumulators; multiplier, left = max(shift, 0), right = max(-shift, 0) per lane.
OCTET_TARGET_AVX2_FMA inline __m256i multiply_by_quantized_multiplier_avx2(__m256i x,
                                                                           __m256i multiplier,
                                                                           __m256i left,
                                                                           __m256i right) {
  const __m256i a = _mm256_sllv_epi32(x, left);
  const __m256i even = srdhm_even_avx2(a, multiplier);
  const __m256i odd = srdhm_even_avx2(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(multiplier, 32));
  const __m256i high = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xaa);
  // RoundingDivideByPOT: (x >> e) + (remainder > (mask >> 1) + (x < 0)).
  const __m256i zero = _mm256_setzero_si256();
  const __m256i mask =
      _mm256_sub_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), right), _mm256_set1_epi32(1));
  const __m256i remainder = _mm256_and_si256(high, mask);
  const __m256i threshold =
      _mm256_sub_epi32(_mm256_srli_epi32(mask, 1), _mm256_cmpgt_epi32(zero, high));
  return _mm256_sub_epi32(_mm256_srav_epi32(high, right), _mm256_cmpgt_epi32(remainder, threshold));
}

}  // namespace octet::kernels
