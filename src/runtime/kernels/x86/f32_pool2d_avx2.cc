#include "runtime/kernels/x86/f32_pool2d_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <limits>

#include "runtime/kernels/x86/target_avx2.h"

namespace octet::kernels {
namespace {

// One output pixel, channels [c0, c0 + 8 * NV). std::max(out, in) is in > out ? in : out, which is
// _mm256_max_ps(in, out) even for NaN; the clamp min(max(x, lo), hi) likewise maps to
// _mm256_min_ps(hi, _mm256_max_ps(lo, x)).
template <bool kMax, int NV>
OCTET_TARGET_AVX2_FMA inline void pixel_block(const F32Pool2DParams& p, const float* image, int y0,
                                              int x0, int fy0, int fy1, int fx0, int fx1,
                                              __m256 vcount, float* out) {
  const long c = p.channels;
  __m256 acc[NV];
  const __m256 init = _mm256_set1_ps(kMax ? std::numeric_limits<float>::lowest() : 0.0f);
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) acc[v] = init;
  for (int fy = fy0; fy < fy1; ++fy) {
    for (int fx = fx0; fx < fx1; ++fx) {
      const float* in = image + (static_cast<long>(y0 + fy) * p.in_w + x0 + fx) * c;
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        const __m256 x = _mm256_loadu_ps(in + v * 8);
        acc[v] = kMax ? _mm256_max_ps(x, acc[v]) : _mm256_add_ps(acc[v], x);
      }
    }
  }
  const __m256 lo = _mm256_set1_ps(p.clamp.min), hi = _mm256_set1_ps(p.clamp.max);
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    __m256 x = kMax ? acc[v] : _mm256_div_ps(acc[v], vcount);
    _mm256_storeu_ps(out + v * 8, _mm256_min_ps(hi, _mm256_max_ps(lo, x)));
  }
}

template <bool kMax>
OCTET_TARGET_AVX2_FMA void pool(const F32Pool2DParams& p, const float* input, float* output,
                                int row_begin, int row_end) {
  const int c = p.channels;
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / p.out_h, oy = row % p.out_h;
    const float* image = input + static_cast<long>(b) * p.in_h * p.in_w * c;
    const int y0 = oy * p.stride_h - p.pad_top;
    const int fy0 = std::max(0, -y0), fy1 = std::min(p.filter_h, p.in_h - y0);
    for (int ox = 0; ox < p.out_w; ++ox) {
      const int x0 = ox * p.stride_w - p.pad_left;
      const int fx0 = std::max(0, -x0), fx1 = std::min(p.filter_w, p.in_w - x0);
      const float count = static_cast<float>((fy1 - fy0) * (fx1 - fx0));
      const __m256 vcount = _mm256_set1_ps(count);
      float* out = output + (static_cast<long>(row) * p.out_w + ox) * c;
      int ch = 0;
      for (; ch + 32 <= c; ch += 32) {
        pixel_block<kMax, 4>(p, image + ch, y0, x0, fy0, fy1, fx0, fx1, vcount, out + ch);
      }
      for (; ch + 8 <= c; ch += 8) {
        pixel_block<kMax, 1>(p, image + ch, y0, x0, fy0, fy1, fx0, fx1, vcount, out + ch);
      }
      for (; ch < c; ++ch) {  // the reference's scalar operations
        float acc = kMax ? std::numeric_limits<float>::lowest() : 0.0f;
        for (int fy = fy0; fy < fy1; ++fy) {
          for (int fx = fx0; fx < fx1; ++fx) {
            const float x = image[(static_cast<long>(y0 + fy) * p.in_w + x0 + fx) * c + ch];
            acc = kMax ? std::max(acc, x) : acc + x;
          }
        }
        out[ch] = p.clamp(kMax ? acc : acc / count);
      }
    }
  }
}

}  // namespace

void f32_max_pool2d_avx2(const F32Pool2DParams& p, const float* input, float* output, int row_begin,
                         int row_end) {
  pool<true>(p, input, output, row_begin, row_end);
}

void f32_average_pool2d_avx2(const F32Pool2DParams& p, const float* input, float* output,
                             int row_begin, int row_end) {
  pool<false>(p, input, output, row_begin, row_end);
}

}  // namespace octet::kernels
