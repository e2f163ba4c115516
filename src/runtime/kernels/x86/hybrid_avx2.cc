#include "runtime/kernels/x86/hybrid_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "runtime/kernels/reference/hybrid_quantize_ref.h"
#include "runtime/kernels/x86/target_avx2.h"

namespace octet::kernels {
namespace {

// The min and max of x[0, n) (n >= 1), or false when x holds a NaN or an infinity. For finite
// values the order of comparisons changes at most the sign of a zero result, which neither
// quantizer sees (they use |lo|, |hi|, min(0, lo) and max(0, hi)).
OCTET_TARGET_AVX2 bool finite_min_max(const float* x, long n, float* lo, float* hi) {
  __m256 vlo = _mm256_set1_ps(x[0]), vhi = vlo, bad = _mm256_setzero_ps();
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    vlo = _mm256_min_ps(vlo, v);
    vhi = _mm256_max_ps(vhi, v);
    // v - v is 0 for finite v and NaN for a NaN or an infinity.
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(_mm256_sub_ps(v, v), _mm256_setzero_ps(), _CMP_NEQ_UQ));
  }
  bool finite = _mm256_movemask_ps(bad) == 0;
  alignas(32) float los[8], his[8];
  _mm256_store_ps(los, vlo);
  _mm256_store_ps(his, vhi);
  float l = los[0], h = his[0];
  for (int j = 1; j < 8; ++j) {
    l = std::min(l, los[j]);
    h = std::max(h, his[j]);
  }
  for (; i < n; ++i) {
    finite = finite && std::isfinite(x[i]);
    l = std::min(l, x[i]);
    h = std::max(h, x[i]);
  }
  *lo = l;
  *hi = h;
  return finite;
}

// q = clamp(RHAZ(Z + x * inverse), qmin, 127) (Z added only when kAsymmetric), all in float32 as
// the reference. RHAZ: truncate, then one step away from zero when the dropped fraction (exact)
// is at least 0.5. Finite inputs keep every value within int32 before the clamp.
template <bool kAsymmetric>
OCTET_TARGET_AVX2 void quantize_values(const float* x, long n, float inverse, int32_t zero_point,
                                       int8_t* q) {
  const float zf = static_cast<float>(zero_point);
  const float qmin = kAsymmetric ? -128.0f : -127.0f;
  const __m256 vinv = _mm256_set1_ps(inverse), vz = _mm256_set1_ps(zf);
  const __m256 vmin = _mm256_set1_ps(qmin), vmax = _mm256_set1_ps(127.0f);
  const __m256 sign = _mm256_set1_ps(-0.0f), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 p = _mm256_mul_ps(_mm256_loadu_ps(x + i), vinv);
    if constexpr (kAsymmetric) p = _mm256_add_ps(vz, p);
    const __m256 t = _mm256_round_ps(p, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 frac = _mm256_andnot_ps(sign, _mm256_sub_ps(p, t));
    const __m256 step = _mm256_or_ps(_mm256_and_ps(p, sign), one);
    __m256 r = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(frac, half, _CMP_GE_OQ), step));
    r = _mm256_min_ps(_mm256_max_ps(r, vmin), vmax);
    const __m256i v = _mm256_cvtps_epi32(r);
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(q + i), _mm_packs_epi16(w, w));
  }
  for (; i < n; ++i) {
    const float p = kAsymmetric ? zf + x[i] * inverse : x[i] * inverse;
    q[i] = static_cast<int8_t>(std::min(127.0f, std::max(qmin, std::round(p))));
  }
}

enum class Epilogue { kConvPerChannel, kConvPerTensor, kFullyConnected };

// 8 (kFull) or `count` lanes of a float / int32 array.
template <bool kFull>
OCTET_TARGET_AVX2 inline __m256 load_ps(const float* p, __m256i mask) {
  if constexpr (kFull) return _mm256_loadu_ps(p);
  else return _mm256_maskload_ps(p, mask);
}
template <bool kFull>
OCTET_TARGET_AVX2 inline __m256i load_epi32(const int32_t* p, __m256i mask) {
  if constexpr (kFull) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  else return _mm256_maskload_epi32(reinterpret_cast<const int*>(p), mask);
}

struct EpilogueArgs {
  const float* filter_scales;
  const int32_t* row_sums;
  const float* bias;     // may be null
  __m256 scale;          // S_in (conv per channel, FC) or S_in * S_w (conv per tensor)
  __m256i zero_point;
  __m256 lo, hi;         // the clamp
};

// Channels [c, c + 8) (or c + count) of one output row holding the GEMM's int32 sums, rewritten as
// floats exactly as the reference forms them:
//   conv per channel: ((float)(acc - Z * rowsum) * S_w) * S_in, then + bias
//   conv per tensor:  0 + (float)acc * (S_in * S_w), then + bias          (Z = 0)
//   FC:               (bias or 0) + (float)(acc - Z * rowsum) * (S_in * S_w)
// then min(max(v, lo), hi) with std::max / std::min's operand order (NaN stays NaN).
template <Epilogue E, bool kFull>
OCTET_TARGET_AVX2 inline void epilogue8(const EpilogueArgs& e, float* row, int c, __m256i mask) {
  __m256i acc = load_epi32<kFull>(reinterpret_cast<const int32_t*>(row + c), mask);
  if constexpr (E != Epilogue::kConvPerTensor) {
    acc = _mm256_sub_epi32(acc, _mm256_mullo_epi32(e.zero_point, load_epi32<kFull>(e.row_sums + c, mask)));
  }
  const __m256 a = _mm256_cvtepi32_ps(acc);
  __m256 v;
  if constexpr (E == Epilogue::kConvPerChannel) {
    v = _mm256_mul_ps(_mm256_mul_ps(a, load_ps<kFull>(e.filter_scales + c, mask)), e.scale);
    if (e.bias) v = _mm256_add_ps(v, load_ps<kFull>(e.bias + c, mask));
  } else if constexpr (E == Epilogue::kConvPerTensor) {
    v = _mm256_add_ps(_mm256_setzero_ps(), _mm256_mul_ps(a, e.scale));
    if (e.bias) v = _mm256_add_ps(v, load_ps<kFull>(e.bias + c, mask));
  } else {
    const __m256 scale = _mm256_mul_ps(e.scale, load_ps<kFull>(e.filter_scales + c, mask));
    const __m256 b = e.bias ? load_ps<kFull>(e.bias + c, mask) : _mm256_setzero_ps();
    v = _mm256_add_ps(b, _mm256_mul_ps(a, scale));
  }
  // std::max(v, lo) is (v < lo ? lo : v) = maxps(lo, v); std::min(v, hi) = minps(hi, v).
  v = _mm256_min_ps(e.hi, _mm256_max_ps(e.lo, v));
  if constexpr (kFull) _mm256_storeu_ps(row + c, v);
  else _mm256_maskstore_ps(row + c, mask, v);
}

template <Epilogue E>
OCTET_TARGET_AVX2 void epilogue_row(const EpilogueArgs& e, float* row, int n) {
  int c = 0;
  for (; c + 8 <= n; c += 8) epilogue8<E, true>(e, row, c, _mm256_setzero_si256());
  if (c < n) {
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - c),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    epilogue8<E, false>(e, row, c, mask);
  }
}

OCTET_TARGET_AVX2 EpilogueArgs epilogue_args(const float* filter_scales, const int32_t* row_sums,
                                             const float* bias, float scale, int32_t zero_point,
                                             F32Clamp clamp) {
  return EpilogueArgs{filter_scales,          row_sums,
                      bias,                   _mm256_set1_ps(scale),
                      _mm256_set1_epi32(zero_point), _mm256_set1_ps(clamp.min),
                      _mm256_set1_ps(clamp.max)};
}

}  // namespace

OCTET_TARGET_AVX2 void hybrid_symmetric_quantize_avx2(const float* x, long n, int8_t* q,
                                                      float* scale) {
  float lo, hi;
  if (!finite_min_max(x, n, &lo, &hi)) {
    hybrid_symmetric_quantize_ref(x, n, q, scale);
    return;
  }
  const float range = std::max(std::fabs(lo), std::fabs(hi));
  if (range == 0.0f) {
    std::fill(q, q + n, int8_t{0});
    *scale = 1.0f;
    return;
  }
  *scale = range / 127.0f;
  quantize_values<false>(x, n, 127.0f / range, 0, q);
}

OCTET_TARGET_AVX2 void hybrid_asymmetric_quantize_avx2(const float* x, long n, int8_t* q,
                                                       float* scale, int32_t* zero_point) {
  float lo, hi;
  if (!finite_min_max(x, n, &lo, &hi)) {
    hybrid_asymmetric_quantize_ref(x, n, q, scale, zero_point);
    return;
  }
  if (!hybrid_asymmetric_params(lo, hi, scale, zero_point)) {
    std::fill(q, q + n, int8_t{0});
    return;
  }
  quantize_values<true>(x, n, 1.0f / *scale, *zero_point, q);
}

OCTET_TARGET_AVX2 void hybrid_conv2d_avx2(const HybridConv2DAvx2Params& p, const int8_t* quantized,
                                          const float* scales, const int32_t* zero_points,
                                          const float* bias, float* output, int16_t* scratch,
                                          int tile_begin, int tile_end) {
  const ConvGeometry& g = p.conv.geometry;
  const Qs8PackedGemm& gemm = p.conv.gemm;
  const int pixels = g.out_h * g.out_w, total = p.conv.batch * pixels, n = g.out_channels;
  for (int t = tile_begin; t < tile_end; ++t) {
    const int first = t * p.conv.tile, count = std::min(p.conv.tile, total - first);
    int b = first / pixels, oy = first / g.out_w % g.out_h, ox = first % g.out_w;
    for (int i = 0; i < count; ++i) {
      // Taps outside the image hold the image's zero point: W * (Z - Z) = 0, the reference's skip.
      qs8_im2col_row_avx2(p.conv, quantized, b, oy, ox, static_cast<int8_t>(zero_points[b]),
                          scratch + static_cast<size_t>(i) * gemm.k_pad);
      if (++ox == g.out_w) {
        ox = 0;
        if (++oy == g.out_h) {
          oy = 0;
          ++b;
        }
      }
    }
    float* out = output + static_cast<size_t>(first) * n;
    qs8_gemm_i32_avx2(gemm, scratch, gemm.k_pad, count, reinterpret_cast<int32_t*>(out), n);
    for (int i = 0; i < count; ++i) {
      const int image = (first + i) / pixels;
      float* row = out + static_cast<size_t>(i) * n;
      if (p.per_channel) {
        epilogue_row<Epilogue::kConvPerChannel>(
            epilogue_args(p.filter_scales, p.row_sums, bias, scales[image], zero_points[image], p.clamp),
            row, n);
      } else {
        epilogue_row<Epilogue::kConvPerTensor>(
            epilogue_args(p.filter_scales, p.row_sums, bias, scales[image] * p.filter_scales[0], 0,
                          p.clamp),
            row, n);
      }
    }
  }
}

OCTET_TARGET_AVX2 void hybrid_fully_connected_avx2(const HybridFullyConnectedAvx2Params& p,
                                                   const float* input, const float* bias,
                                                   float* output, int8_t* quantized, float* scales,
                                                   int32_t* zero_points, int16_t* scratch,
                                                   int tile_begin, int tile_end) {
  const Qs8PackedGemm& g = p.fc.gemm;
  for (int t = tile_begin; t < tile_end; ++t) {
    const int first = t * p.fc.tile, count = std::min(p.fc.tile, p.fc.rows - first);
    for (int i = 0; i < count; ++i) {
      const int r = first + i;
      const float* in = input + static_cast<size_t>(r) * g.k;
      int8_t* q = quantized + static_cast<size_t>(r) * g.k;
      if (p.asymmetric) {
        hybrid_asymmetric_quantize_avx2(in, g.k, q, &scales[r], &zero_points[r]);
      } else {
        hybrid_symmetric_quantize_avx2(in, g.k, q, &scales[r]);
        zero_points[r] = 0;
      }
      qs8_widen_row_avx2(q, g.k, g.k_pad, scratch + static_cast<size_t>(i) * g.k_pad);
    }
    float* out = output + static_cast<size_t>(first) * g.n;
    qs8_gemm_i32_avx2(g, scratch, g.k_pad, count, reinterpret_cast<int32_t*>(out), g.n);
    for (int i = 0; i < count; ++i) {
      const int r = first + i;
      epilogue_row<Epilogue::kFullyConnected>(
          epilogue_args(p.filter_scales, p.row_sums, bias, scales[r], zero_points[r], p.clamp),
          out + static_cast<size_t>(i) * g.n, g.n);
    }
  }
}

}  // namespace octet::kernels
