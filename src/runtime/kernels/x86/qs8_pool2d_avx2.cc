#include "runtime/kernels/x86/qs8_pool2d_avx2.h"

#include <immintrin.h>

#include <algorithm>

#include "runtime/kernels/x86/target_avx2.h"

namespace octet::kernels {
namespace {

// A window clipped to the image: taps (fy, fx) in [fy0, fy1) x [fx0, fx1) read pixel (y0 + fy, x0 +
// fx).
struct Window {
  const int8_t* image;
  int y0, x0, fy0, fy1, fx0, fx1;
};

Window clip(const Qs8Pool2DParams& p, const int8_t* image, int oy, int ox) {
  const int y0 = oy * p.stride_h - p.pad_top, x0 = ox * p.stride_w - p.pad_left;
  return {image,
          y0,
          x0,
          std::max(0, -y0),
          std::min(p.filter_h, p.in_h - y0),
          std::max(0, -x0),
          std::min(p.filter_w, p.in_w - x0)};
}

inline const int8_t* tap(const Qs8Pool2DParams& p, const Window& w, int fy, int fx) {
  return w.image + (static_cast<long>(w.y0 + fy) * p.in_w + w.x0 + fx) * p.channels;
}

OCTET_TARGET_AVX2_FMA void max_pixel(const Qs8Pool2DParams& p, const Window& w, int8_t* out) {
  const int c = p.channels;
  int ch = 0;
  for (; ch + 32 <= c; ch += 32) {
    __m256i m = _mm256_set1_epi8(-128);
    for (int fy = w.fy0; fy < w.fy1; ++fy) {
      for (int fx = w.fx0; fx < w.fx1; ++fx) {
        m = _mm256_max_epi8(
            m, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tap(p, w, fy, fx) + ch)));
      }
    }
    m = _mm256_min_epi8(_mm256_max_epi8(m, _mm256_set1_epi8(static_cast<char>(p.act_min))),
                        _mm256_set1_epi8(static_cast<char>(p.act_max)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + ch), m);
  }
  for (; ch + 16 <= c; ch += 16) {
    __m128i m = _mm_set1_epi8(-128);
    for (int fy = w.fy0; fy < w.fy1; ++fy) {
      for (int fx = w.fx0; fx < w.fx1; ++fx) {
        m = _mm_max_epi8(m,
                         _mm_loadu_si128(reinterpret_cast<const __m128i*>(tap(p, w, fy, fx) + ch)));
      }
    }
    m = _mm_min_epi8(_mm_max_epi8(m, _mm_set1_epi8(static_cast<char>(p.act_min))),
                     _mm_set1_epi8(static_cast<char>(p.act_max)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + ch), m);
  }
  for (; ch + 8 <= c; ch += 8) {
    __m128i m = _mm_set1_epi8(-128);
    for (int fy = w.fy0; fy < w.fy1; ++fy) {
      for (int fx = w.fx0; fx < w.fx1; ++fx) {
        m = _mm_max_epi8(m,
                         _mm_loadl_epi64(reinterpret_cast<const __m128i*>(tap(p, w, fy, fx) + ch)));
      }
    }
    m = _mm_min_epi8(_mm_max_epi8(m, _mm_set1_epi8(static_cast<char>(p.act_min))),
                     _mm_set1_epi8(static_cast<char>(p.act_max)));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + ch), m);
  }
  for (; ch < c; ++ch) {
    int32_t m = -128;
    for (int fy = w.fy0; fy < w.fy1; ++fy) {
      for (int fx = w.fx0; fx < w.fx1; ++fx) m = std::max<int32_t>(m, tap(p, w, fy, fx)[ch]);
    }
    out[ch] = static_cast<int8_t>(std::min(std::max(m, p.act_min), p.act_max));
  }
}

OCTET_TARGET_AVX2_FMA void average_pixel(const Qs8Pool2DParams& p, const Window& w, int8_t* out) {
  const int c = p.channels;
  const int32_t n = (w.fy1 - w.fy0) * (w.fx1 - w.fx0);
  const __m256d vn = _mm256_set1_pd(static_cast<double>(n));
  const __m256i half = _mm256_set1_epi32(n / 2), zero = _mm256_setzero_si256();
  const __m256i lo = _mm256_set1_epi32(p.act_min), hi = _mm256_set1_epi32(p.act_max);
  int ch = 0;
  for (; ch + 8 <= c; ch += 8) {
    __m256i acc = zero;
    for (int fy = w.fy0; fy < w.fy1; ++fy) {
      for (int fx = w.fx0; fx < w.fx1; ++fx) {
        const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(tap(p, w, fy, fx) + ch));
        acc = _mm256_add_epi32(acc, _mm256_cvtepi8_epi32(x));
      }
    }
    // acc > 0 ? acc + n/2 : acc - n/2
    const __m256i positive = _mm256_cmpgt_epi32(acc, zero);
    const __m256i num = _mm256_add_epi32(
        acc,
        _mm256_sub_epi32(_mm256_and_si256(positive, half), _mm256_andnot_si256(positive, half)));
    const __m128i q0 =
        _mm256_cvttpd_epi32(_mm256_div_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(num)), vn));
    const __m128i q1 = _mm256_cvttpd_epi32(
        _mm256_div_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(num, 1)), vn));
    __m256i q = _mm256_set_m128i(q1, q0);
    q = _mm256_min_epi32(_mm256_max_epi32(q, lo), hi);
    // Values already lie in [-128, 127], so the saturating packs are exact.
    const __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + ch), _mm_packs_epi16(q16, q16));
  }
  for (; ch < c; ++ch) {
    int32_t acc = 0;
    for (int fy = w.fy0; fy < w.fy1; ++fy) {
      for (int fx = w.fx0; fx < w.fx1; ++fx) acc += tap(p, w, fy, fx)[ch];
    }
    int32_t avg = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
    out[ch] = static_cast<int8_t>(std::min(std::max(avg, p.act_min), p.act_max));
  }
}

template <void (*kPixel)(const Qs8Pool2DParams&, const Window&, int8_t*)>
void pool(const Qs8Pool2DParams& p, const int8_t* input, int8_t* output, int row_begin,
          int row_end) {
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / p.out_h, oy = row % p.out_h;
    const int8_t* image = input + static_cast<long>(b) * p.in_h * p.in_w * p.channels;
    for (int ox = 0; ox < p.out_w; ++ox) {
      kPixel(p, clip(p, image, oy, ox),
             output + (static_cast<long>(row) * p.out_w + ox) * p.channels);
    }
  }
}

}  // namespace

void qs8_max_pool2d_avx2(const Qs8Pool2DParams& p, const int8_t* input, int8_t* output,
                         int row_begin, int row_end) {
  pool<max_pixel>(p, input, output, row_begin, row_end);
}

void qs8_average_pool2d_avx2(const Qs8Pool2DParams& p, const int8_t* input, int8_t* output,
                             int row_begin, int row_end) {
  pool<average_pixel>(p, input, output, row_begin, row_end);
}

}  // namespace octet::kernels
