#include "runtime/kernels/x86/quantize_avx2.h"

#include <immintrin.h>

#include "runtime/kernels/reference/quantize_ref.h"
#include "runtime/kernels/x86/target_avx2.h"

namespace octet::kernels {
namespace {

// 8 floats -> 8 int32 of clamp(RHAZ(x / scale), -512, 512) + zero_point, NaN -> -512 + zero_point.
OCTET_TARGET_AVX2_FMA inline __m256i quantize8(__m256 x, __m256 scale, __m256i zero_point) {
  const __m256 v = _mm256_div_ps(x, scale);
  // RHAZ: trunc(v) + sign(v) when |v - trunc(v)| >= 0.5 (v - trunc(v) is exact).
  const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 sign_mask = _mm256_set1_ps(-0.0f);
  const __m256 frac = _mm256_andnot_ps(sign_mask, _mm256_sub_ps(v, t));
  const __m256 up = _mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ);
  const __m256 one = _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(sign_mask, v));
  __m256 r = _mm256_add_ps(t, _mm256_and_ps(up, one));
  // maxps returns its second operand when the first is NaN: NaN -> -512, as the reference.
  r = _mm256_max_ps(r, _mm256_set1_ps(-512.0f));
  r = _mm256_min_ps(r, _mm256_set1_ps(512.0f));
  return _mm256_add_epi32(_mm256_cvtps_epi32(r), zero_point);
}

}  // namespace

OCTET_TARGET_AVX2_FMA void qs8_quantize_f32_avx2(const float* input, int8_t* output, long n,
                                                 float scale, int32_t zero_point) {
  const __m256 vscale = _mm256_set1_ps(scale);
  const __m256i vzp = _mm256_set1_epi32(zero_point);
  // packs interleave 128-bit lanes; this permutation puts the 32 bytes back in order.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  long i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i q0 = quantize8(_mm256_loadu_ps(input + i), vscale, vzp);
    const __m256i q1 = quantize8(_mm256_loadu_ps(input + i + 8), vscale, vzp);
    const __m256i q2 = quantize8(_mm256_loadu_ps(input + i + 16), vscale, vzp);
    const __m256i q3 = quantize8(_mm256_loadu_ps(input + i + 24), vscale, vzp);
    // Saturating packs clamp to [-128, 127] exactly like the reference's clamp.
    const __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(output + i),
                        _mm256_permutevar8x32_epi32(b, order));
  }
  if (i < n) qs8_quantize_f32_ref(input + i, output + i, n - i, scale, zero_point);
}

OCTET_TARGET_AVX2_FMA void f32_dequantize_qs8_avx2(const int8_t* input, float* output, long n,
                                                   float scale, int32_t zero_point) {
  const __m256 vscale = _mm256_set1_ps(scale);
  const __m256i vzp = _mm256_set1_epi32(zero_point);
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i q =
        _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(input + i)));
    _mm256_storeu_ps(output + i,
                     _mm256_mul_ps(vscale, _mm256_cvtepi32_ps(_mm256_sub_epi32(q, vzp))));
  }
  if (i < n) f32_dequantize_qs8_ref(input + i, output + i, n - i, &scale, &zero_point, 1, n - i);
}

}  // namespace octet::kernels
