#include "runtime/kernels/x86/qs8_conv2d_avx2.h"

#include <immintrin.h>

#include <algorithm>

#include "runtime/kernels/x86/target_avx2.h"

namespace octet::kernels {
namespace {

int pixels_total(const Qs8Conv2DAvx2Params& p) {
  return p.batch * p.geometry.out_h * p.geometry.out_w;
}

// Inlined (unlike qs8_widen_row_avx2): with few input channels a tap is only a few values.
OCTET_TARGET_AVX2 inline void widen(const int8_t* src, int n, int16_t* dst) {
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i),
                        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  }
  if (i + 8 <= n) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i),
                     _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + i))));
    i += 8;
  }
  for (; i < n; ++i) dst[i] = src[i];
}

}  // namespace

// A filter row that lies inside the image with dilation 1 is one contiguous run of
// kernel_w * Cin values.
OCTET_TARGET_AVX2 void qs8_im2col_row_avx2(const Qs8Conv2DAvx2Params& p, const int8_t* input, int b,
                                           int oy, int ox, int8_t input_zero_point, int16_t* row) {
  const ConvGeometry& g = p.geometry;
  const int cin = g.in_channels;
  const int y0 = oy * g.stride_h - g.pad_top, x0 = ox * g.stride_w - g.pad_left;
  const bool row_inside = x0 >= 0 && x0 + (g.kernel_w - 1) * g.dilation_w < g.in_w;
  const int8_t* image = input + static_cast<size_t>(b) * g.in_h * g.in_w * cin;
  const int16_t zero_point = input_zero_point;
  int16_t* dst = row;
  for (int ky = 0; ky < g.kernel_h; ++ky) {
    const int iy = y0 + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) {
      std::fill(dst, dst + g.kernel_w * cin, zero_point);
      dst += g.kernel_w * cin;
      continue;
    }
    // Formed only for rows inside the image: a pointer outside the input is undefined behaviour.
    const int8_t* src_row = image + static_cast<size_t>(iy) * g.in_w * cin;
    if (row_inside && g.dilation_w == 1) {
      widen(src_row + static_cast<size_t>(x0) * cin, g.kernel_w * cin, dst);
    } else {
      for (int kx = 0; kx < g.kernel_w; ++kx) {
        const int ix = x0 + kx * g.dilation_w;
        if (ix < 0 || ix >= g.in_w) {
          std::fill(dst + kx * cin, dst + (kx + 1) * cin, zero_point);
        } else {
          widen(src_row + static_cast<size_t>(ix) * cin, cin, dst + kx * cin);
        }
      }
    }
    dst += g.kernel_w * cin;
  }
  for (int k = p.gemm.k; k < p.gemm.k_pad; ++k) row[k] = 0;
}

size_t qs8_conv2d_avx2_scratch_bytes(const Qs8Conv2DAvx2Params& p) {
  return static_cast<size_t>(p.tile) * p.gemm.k_pad * sizeof(int16_t);
}

int qs8_conv2d_avx2_num_tiles(const Qs8Conv2DAvx2Params& p) {
  return (pixels_total(p) + p.tile - 1) / p.tile;
}

OCTET_TARGET_AVX2 void qs8_conv2d_avx2(const Qs8Conv2DAvx2Params& p, const int8_t* input, int8_t* output,
                                int16_t* scratch, int tile_begin, int tile_end) {
  const ConvGeometry& g = p.geometry;
  const int total = pixels_total(p);
  for (int t = tile_begin; t < tile_end; ++t) {
    const int first = t * p.tile, count = std::min(p.tile, total - first);
    int b = first / (g.out_h * g.out_w), oy = first / g.out_w % g.out_h, ox = first % g.out_w;
    for (int i = 0; i < count; ++i) {
      qs8_im2col_row_avx2(p, input, b, oy, ox, p.input_zero_point,
                          scratch + static_cast<size_t>(i) * p.gemm.k_pad);
      if (++ox == g.out_w) {
        ox = 0;
        if (++oy == g.out_h) {
          oy = 0;
          ++b;
        }
      }
    }
    qs8_gemm_avx2(p.gemm, scratch, p.gemm.k_pad, count,
                  output + static_cast<size_t>(first) * g.out_channels, g.out_channels);
  }
}

}  // namespace octet::kernels
