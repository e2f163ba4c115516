#include "runtime/kernels/x86/qs8_depthwise_conv2d_avx2.h"

#include <immintrin.h>

#include <algorithm>

#include "runtime/kernels/x86/qs8_requant_avx2.h"
#include "runtime/kernels/x86/target_avx2.h"

namespace octet::kernels {
namespace {

inline __m128i load8(const int8_t* p) {
  return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
}

// One output row, channels [c, c + 8).
OCTET_TARGET_AVX2_FMA void row_block8(const Qs8DepthwiseConv2DParams& p, const int8_t* image,
                                      const int8_t* filter, const int32_t* bias, int8_t* out_row,
                                      int y0, int c) {
  const ConvGeometry& g = p.geometry;
  const Qs8OutputStage& s = p.output;
  alignas(32) int32_t mult[8], left[8], right[8];
  for (int i = 0; i < 8; ++i) {
    const QuantizedMultiplier& m = s.multipliers[c + i];
    mult[i] = m.multiplier;
    left[i] = m.shift > 0 ? m.shift : 0;
    right[i] = m.shift > 0 ? 0 : -m.shift;
  }
  const RequantLanes rq = requant_lanes(_mm256_load_si256(reinterpret_cast<const __m256i*>(mult)),
                                        _mm256_load_si256(reinterpret_cast<const __m256i*>(left)),
                                        _mm256_load_si256(reinterpret_cast<const __m256i*>(right)));
  const __m256i vbias = bias ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + c))
                             : _mm256_setzero_si256();
  const __m256i voffset = _mm256_set1_epi32(s.input_offset);
  const __m256i vout_offset = _mm256_set1_epi32(s.output_offset);
  const __m256i vmin = _mm256_set1_epi32(s.act_min), vmax = _mm256_set1_epi32(s.act_max);
  const long cin = g.in_channels;
  for (int ox = 0; ox < g.out_w; ++ox) {
    const int x0 = ox * g.stride_w - g.pad_left;
    __m256i acc = _mm256_setzero_si256();
    for (int ky = 0; ky < g.kernel_h; ++ky) {
      const int iy = y0 + g.dilation_h * ky;
      if (iy < 0 || iy >= g.in_h) continue;
      for (int kx = 0; kx < g.kernel_w; ++kx) {
        const int ix = x0 + g.dilation_w * kx;
        if (ix < 0 || ix >= g.in_w) continue;
        const __m256i x = _mm256_add_epi32(
            _mm256_cvtepi8_epi32(load8(image + (static_cast<long>(iy) * g.in_w + ix) * cin + c)),
            voffset);
        const __m256i w = _mm256_cvtepi8_epi32(
            load8(filter + (static_cast<long>(ky) * g.kernel_w + kx) * g.out_channels + c));
        acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(x, w));
      }
    }
    acc = _mm256_add_epi32(acc, vbias);
    __m256i v = multiply_by_quantized_multiplier_avx2(acc, rq);
    v = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(v, vout_offset), vmin), vmax);
    // Already within [-128, 127]: the saturating packs are exact.
    const __m128i v16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(
        reinterpret_cast<__m128i*>(out_row + static_cast<long>(ox) * g.out_channels + c),
        _mm_packs_epi16(v16, v16));
  }
}

}  // namespace

void qs8_depthwise_conv2d_avx2(const Qs8DepthwiseConv2DParams& p, const int8_t* input,
                               const int8_t* filter, const int32_t* bias, int8_t* output,
                               int row_begin, int row_end) {
  if (p.depth_multiplier != 1) {
    qs8_depthwise_conv2d_ref(p, input, filter, bias, output, row_begin, row_end);
    return;
  }
  const ConvGeometry& g = p.geometry;
  const int vector_channels = g.out_channels / 8 * 8;
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    const int8_t* image = input + static_cast<long>(b) * g.in_h * g.in_w * g.in_channels;
    int8_t* out_row = output + static_cast<long>(row) * g.out_w * g.out_channels;
    const int y0 = oy * g.stride_h - g.pad_top;
    for (int c = 0; c < vector_channels; c += 8) row_block8(p, image, filter, bias, out_row, y0, c);
    // Channels past the last multiple of 8: the reference's arithmetic.
    for (int ox = 0; ox < g.out_w && vector_channels < g.out_channels; ++ox) {
      for (int c = vector_channels; c < g.out_channels; ++c) {
        out_row[static_cast<long>(ox) * g.out_channels + c] =
            qs8_depthwise_conv2d_ref_at(p, input, filter, bias, b, oy, ox, c);
      }
    }
  }
}

}  // namespace octet::kernels
