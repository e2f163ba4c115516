#include "runtime/kernels/x86/mean_avx2.h"

#include <immintrin.h>

#include <algorithm>

#include "runtime/kernels/x86/target_avx2.h"

namespace octet::kernels {
namespace {

inline int32_t qs8_mean_output(const Qs8MeanParams& p, int32_t sum) {
  const int32_t zn = static_cast<int32_t>(static_cast<int64_t>(p.input_zero_point) * p.shape.count);
  const int32_t shifted =
      static_cast<int32_t>(static_cast<uint32_t>(sum) - static_cast<uint32_t>(zn));
  const int32_t v = multiply_by_quantized_multiplier(shifted, p.multiplier) + p.output_zero_point;
  return std::min(std::max(v, int32_t{-128}), int32_t{127});
}

}  // namespace

bool mean_contiguous_run(const F32MeanParams& p, MeanRun* run) {
  int first = -1, last = -1;
  for (int d = 0; d < p.rank; ++d) {
    if (p.out_strides[d] != 0) continue;
    if (first < 0) first = d;
    last = d;
  }
  if (first < 0) return false;
  MeanRun r{1, 1, 1};
  for (int d = 0; d < p.rank; ++d) {
    if (d >= first && d <= last) {
      if (p.out_strides[d] != 0) return false;  // a kept axis between reduced ones
      r.reduce *= p.in_dims[d];
    } else {
      (d < first ? r.outer : r.inner) *= p.in_dims[d];
    }
  }
  *run = r;
  return true;
}

OCTET_TARGET_AVX2_FMA void f32_mean_avx2(const MeanRun& run, const float* input, float* output) {
  const float count = static_cast<float>(run.reduce);
  const __m256 vcount = _mm256_set1_ps(count);
  for (long o = 0; o < run.outer; ++o) {
    const float* in = input + o * run.reduce * run.inner;
    float* out = output + o * run.inner;
    long c = 0;
    for (; c + 32 <= run.inner; c += 32) {
      __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
      for (long r = 0; r < run.reduce; ++r) {
        const float* x = in + r * run.inner + c;
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + 24));
      }
      _mm256_storeu_ps(out + c, _mm256_div_ps(a0, vcount));
      _mm256_storeu_ps(out + c + 8, _mm256_div_ps(a1, vcount));
      _mm256_storeu_ps(out + c + 16, _mm256_div_ps(a2, vcount));
      _mm256_storeu_ps(out + c + 24, _mm256_div_ps(a3, vcount));
    }
    for (; c + 8 <= run.inner; c += 8) {
      __m256 a = _mm256_setzero_ps();
      for (long r = 0; r < run.reduce; ++r)
        a = _mm256_add_ps(a, _mm256_loadu_ps(in + r * run.inner + c));
      _mm256_storeu_ps(out + c, _mm256_div_ps(a, vcount));
    }
    for (; c < run.inner; ++c) {
      float a = 0.0f;
      for (long r = 0; r < run.reduce; ++r) a += in[r * run.inner + c];
      out[c] = a / count;
    }
  }
}

OCTET_TARGET_AVX2_FMA void qs8_mean_avx2(const Qs8MeanParams& p, const MeanRun& run,
                                         const int8_t* input, int8_t* output) {
  alignas(32) int32_t sums[32];
  for (long o = 0; o < run.outer; ++o) {
    const int8_t* in = input + o * run.reduce * run.inner;
    int8_t* out = output + o * run.inner;
    long c = 0;
    for (; c + 32 <= run.inner; c += 32) {
      __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
      for (long r = 0; r < run.reduce; ++r) {
        const int8_t* x = in + r * run.inner + c;
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
        const __m128i v0 = _mm256_castsi256_si128(v), v1 = _mm256_extracti128_si256(v, 1);
        a0 = _mm256_add_epi32(a0, _mm256_cvtepi8_epi32(v0));
        a1 = _mm256_add_epi32(a1, _mm256_cvtepi8_epi32(_mm_srli_si128(v0, 8)));
        a2 = _mm256_add_epi32(a2, _mm256_cvtepi8_epi32(v1));
        a3 = _mm256_add_epi32(a3, _mm256_cvtepi8_epi32(_mm_srli_si128(v1, 8)));
      }
      _mm256_store_si256(reinterpret_cast<__m256i*>(sums), a0);
      _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 8), a1);
      _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 16), a2);
      _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 24), a3);
      for (int i = 0; i < 32; ++i) out[c + i] = static_cast<int8_t>(qs8_mean_output(p, sums[i]));
    }
    for (; c < run.inner; ++c) {
      uint32_t a = 0;  // wrapping, as the reference
      for (long r = 0; r < run.reduce; ++r)
        a += static_cast<uint32_t>(static_cast<int32_t>(in[r * run.inner + c]));
      out[c] = static_cast<int8_t>(qs8_mean_output(p, static_cast<int32_t>(a)));
    }
  }
}

}  // namespace octet::kernels
