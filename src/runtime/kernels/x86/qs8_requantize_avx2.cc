#include "runtime/kernels/x86/qs8_requantize_avx2.h"

#include "runtime/kernels/x86/qs8_requant_avx2.h"
#include "runtime/kernels/x86/target_avx2.h"

namespace octet::kernels {

OCTET_TARGET_AVX2_FMA void qs8_requantize_avx2(const Qs8RequantizeParams& p, const void* in,
                                               bool in_uint8, void* out, bool out_uint8, long n) {
  const bool same_scale = p.multiplier.multiplier == (1 << 30) && p.multiplier.shift == 1;
  if (same_scale) {  // possibly the reference's byte sign flip
    qs8_requantize_ref(p, in, in_uint8, out, out_uint8, n);
    return;
  }
  const uint8_t* src = static_cast<const uint8_t*>(in);
  uint8_t* dst = static_cast<uint8_t*>(out);
  const RequantLanes rq = requant_lanes(_mm256_set1_epi32(p.multiplier.multiplier),
                                        _mm256_set1_epi32(p.multiplier.shift > 0 ? p.multiplier.shift : 0),
                                        _mm256_set1_epi32(p.multiplier.shift > 0 ? 0 : -p.multiplier.shift));
  const __m256i vin_zp = _mm256_set1_epi32(p.input_zero_point);
  const __m256i vout_zp = _mm256_set1_epi32(p.output_zero_point);
  const __m256i qmin = _mm256_set1_epi32(out_uint8 ? 0 : -128);
  const __m256i qmax = _mm256_set1_epi32(out_uint8 ? 255 : 127);
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + i));
    const __m256i q = in_uint8 ? _mm256_cvtepu8_epi32(bytes) : _mm256_cvtepi8_epi32(bytes);
    __m256i v = multiply_by_quantized_multiplier_avx2(_mm256_sub_epi32(q, vin_zp), rq);
    v = _mm256_max_epi32(_mm256_min_epi32(_mm256_add_epi32(v, vout_zp), qmax), qmin);
    // Clamped to the output range, so the saturating packs are exact.
    const __m128i v16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + i),
                     out_uint8 ? _mm_packus_epi16(v16, v16) : _mm_packs_epi16(v16, v16));
  }
  if (i < n) qs8_requantize_ref(p, src + i, in_uint8, dst + i, out_uint8, n - i);
}

}  // namespace octet::kernels
