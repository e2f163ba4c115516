#include "eval/peak.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>

namespace octet::eval {

namespace {

// Best of many short runs, for up to kBudgetSeconds: on a busy machine some runs are not
// interrupted by the scheduler, and an interrupted run only lowers its own figure.
constexpr double kBudgetSeconds = 0.15;

template <typename F>
double best_gmacs(F body, double macs_per_call) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  double best = 0;
  for (int rep = 0; rep < 3 || std::chrono::duration<double>(Clock::now() - start).count() < kBudgetSeconds;
       ++rep) {
    const Clock::time_point t0 = Clock::now();
    body();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, macs_per_call / s / 1e9);
  }
  return best;
}

constexpr int kIters = 100'000;  // about 0.2 ms per run
constexpr int kChains = 12;  // independent accumulators hide the instruction latency
volatile float g_sink_f;
volatile int g_sink_i;

__attribute__((target("avx512f"))) float fma_zmm() {
  __m512 a[kChains];
  for (int i = 0; i < kChains; ++i) a[i] = _mm512_set1_ps(1.0f + i * 1e-3f);
  const __m512 m = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int it = 0; it < kIters; ++it)
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) a[i] = _mm512_fmadd_ps(a[i], m, b);
  for (int i = 1; i < kChains; ++i) a[0] = _mm512_add_ps(a[0], a[i]);
  float out[16];
  _mm512_storeu_ps(out, a[0]);
  return out[0];
}

__attribute__((target("avx2,fma"))) float fma_ymm() {
  __m256 a[kChains];
  for (int i = 0; i < kChains; ++i) a[i] = _mm256_set1_ps(1.0f + i * 1e-3f);
  const __m256 m = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int it = 0; it < kIters; ++it)
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) a[i] = _mm256_fmadd_ps(a[i], m, b);
  for (int i = 1; i < kChains; ++i) a[0] = _mm256_add_ps(a[0], a[i]);
  float out[8];
  _mm256_storeu_ps(out, a[0]);
  return out[0];
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) int vnni_zmm() {
  __m512i a[kChains];
  for (int i = 0; i < kChains; ++i) a[i] = _mm512_set1_epi32(i);
  const __m512i s = _mm512_set1_epi8(-2);
  // The accumulator feeds the next product, so nothing can be hoisted out of the loop.
  for (int it = 0; it < kIters; ++it)
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) a[i] = _mm512_dpbusd_epi32(a[i], a[i], s);
  for (int i = 1; i < kChains; ++i) a[0] = _mm512_add_epi32(a[0], a[i]);
  int out[16];
  _mm512_storeu_si512(out, a[0]);
  return out[0];
}

__attribute__((target("avx2"))) int maddubs_ymm() {
  __m256i a[kChains];
  for (int i = 0; i < kChains; ++i) a[i] = _mm256_set1_epi32(i);
  const __m256i s = _mm256_set1_epi8(-2), ones = _mm256_set1_epi16(1);
  for (int it = 0; it < kIters; ++it)
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i)
      a[i] = _mm256_add_epi32(a[i], _mm256_madd_epi16(_mm256_maddubs_epi16(a[i], s), ones));
  for (int i = 1; i < kChains; ++i) a[0] = _mm256_add_epi32(a[0], a[i]);
  return _mm256_extract_epi32(a[0], 0);
}

}  // namespace

Peak measure_fp32_peak() {
  if (__builtin_cpu_supports("avx512f"))
    return {best_gmacs([] { g_sink_f = fma_zmm(); }, 16.0 * kChains * kIters), "vfmadd zmm (AVX-512F)"};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {best_gmacs([] { g_sink_f = fma_ymm(); }, 8.0 * kChains * kIters), "vfmadd ymm (AVX2+FMA)"};
  return {0, "none (no AVX2)"};
}

Peak measure_int8_peak() {
  if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw"))
    return {best_gmacs([] { g_sink_i = vnni_zmm(); }, 64.0 * kChains * kIters), "vpdpbusd zmm (AVX-512 VNNI)"};
  if (__builtin_cpu_supports("avx2"))
    return {best_gmacs([] { g_sink_i = maddubs_ymm(); }, 32.0 * kChains * kIters),
            "vpmaddubsw+vpmaddwd+vpaddd ymm (AVX2)"};
  return {0, "none (no AVX2)"};
}

}  // namespace octet::eval
