#include "runtime/kernels/x86/f32_gemm_6x16_avx2.h"

#include <immintrin.h>

#include <algorithm>

#include "runtime/kernels/x86/target_avx2.h"

namespace octet::kernels {
namespace {

// Lanes [0, count) set, for stores of a partial 8-float vector.
OCTET_TARGET_AVX2_FMA inline __m256i first_lanes(int count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// MR rows x NP panels (NP * 16 columns). b: first panel; columns [0, n_valid) of the group are
// stored. Accumulators: MR * NP * 2 ymm registers (at most 12), plus 2 * NP weights and one
// broadcast.
template <int MR, int NP>
OCTET_TARGET_AVX2_FMA void tile(const F32GemmSegments& s, long k, const float* a, long a_row_stride,
                                const float* b, const float* bias, F32Clamp clamp, int n_valid,
                                float* c, long ldc) {
  constexpr int kV = NP * 2;
  const long panel = k * kF32PanelWidth;
  __m256 acc[MR][kV];
#pragma GCC unroll 8
  for (int v = 0; v < kV; ++v) {
    const __m256 vb = _mm256_loadu_ps(bias + (v / 2) * kF32PanelWidth + (v % 2) * 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) acc[i][v] = vb;
  }
  const float* bp = b;
  for (int r = 0; r < s.seg_rows; ++r) {
    for (int sc = 0; sc < s.seg_cols; ++sc) {
      const float* as = a + r * s.seg_row_stride + sc * s.seg_col_stride;
      for (int kk = 0; kk < s.seg_len; ++kk, bp += kF32PanelWidth) {
        __m256 w[kV];
#pragma GCC unroll 8
        for (int v = 0; v < kV; ++v) w[v] = _mm256_loadu_ps(bp + (v / 2) * panel + (v % 2) * 8);
#pragma GCC unroll 6
        for (int i = 0; i < MR; ++i) {
          const __m256 va = _mm256_broadcast_ss(as + i * a_row_stride + kk);
#pragma GCC unroll 8
          for (int v = 0; v < kV; ++v) acc[i][v] = _mm256_fmadd_ps(va, w[v], acc[i][v]);
        }
      }
    }
  }
  const __m256 vmin = _mm256_set1_ps(clamp.min), vmax = _mm256_set1_ps(clamp.max);
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    float* ci = c + i * ldc;
#pragma GCC unroll 8
    for (int v = 0; v < kV; ++v) {
      const __m256 x = _mm256_min_ps(_mm256_max_ps(acc[i][v], vmin), vmax);
      const int count = n_valid - v * 8;
      if (count >= 8) {
        _mm256_storeu_ps(ci + v * 8, x);
      } else if (count > 0) {
        _mm256_maskstore_ps(ci + v * 8, first_lanes(count), x);
      }
    }
  }
}

// All panels for MR rows: groups of NP panels, then single panels.
template <int MR, int NP>
OCTET_TARGET_AVX2_FMA void row_block(const F32PackedGemmParams& p, const float* a,
                                     long a_row_stride, float* c, long ldc) {
  const long k = p.segments.k();
  const int panels = (p.n + kF32PanelWidth - 1) / kF32PanelWidth;
  int j = 0;
  for (; j + NP <= panels; j += NP) {
    tile<MR, NP>(p.segments, k, a, a_row_stride, p.packed_b + j * k * kF32PanelWidth,
                 p.bias + j * kF32PanelWidth, p.clamp, p.n - j * kF32PanelWidth,
                 c + j * kF32PanelWidth, ldc);
  }
  for (; j < panels; ++j) {
    tile<MR, 1>(p.segments, k, a, a_row_stride, p.packed_b + j * k * kF32PanelWidth,
                p.bias + j * kF32PanelWidth, p.clamp, p.n - j * kF32PanelWidth,
                c + j * kF32PanelWidth, ldc);
  }
}

}  // namespace

size_t f32_packed_gemm_bytes(int n, long k) {
  const long panels = (n + kF32PanelWidth - 1) / kF32PanelWidth;
  return sizeof(float) * static_cast<size_t>(panels * kF32PanelWidth * (k + 1));
}

void f32_pack_gemm(const float* b, const float* bias, int n, long k, void* storage,
                   F32PackedGemmParams* p) {
  const int panels = (n + kF32PanelWidth - 1) / kF32PanelWidth;
  float* packed = static_cast<float*>(storage);
  for (int j = 0; j < panels; ++j) {
    for (long kk = 0; kk < k; ++kk) {
      float* dst = packed + (j * k + kk) * kF32PanelWidth;
      for (int col = 0; col < kF32PanelWidth; ++col) {
        const int row = j * kF32PanelWidth + col;
        dst[col] = row < n ? b[row * k + kk] : 0.0f;
      }
    }
  }
  float* padded_bias = packed + static_cast<long>(panels) * k * kF32PanelWidth;
  for (int c = 0; c < panels * kF32PanelWidth; ++c) padded_bias[c] = bias && c < n ? bias[c] : 0.0f;
  p->n = n;
  p->packed_b = packed;
  p->bias = padded_bias;
}

// Fewer rows leave registers free: more panels per tile keep enough independent FMA chains.
OCTET_TARGET_AVX2_FMA void f32_gemm_6x16_avx2(const F32PackedGemmParams& p, int m, const float* a,
                                              long a_row_stride, float* c, long ldc) {
  int i = 0;
  for (; i + 6 <= m; i += 6) {
    row_block<6, 1>(p, a + i * a_row_stride, a_row_stride, c + i * ldc, ldc);
  }
  const float* ar = a + i * a_row_stride;
  float* cr = c + i * ldc;
  switch (m - i) {
    case 5:
      row_block<5, 1>(p, ar, a_row_stride, cr, ldc);
      break;
    case 4:
      row_block<4, 1>(p, ar, a_row_stride, cr, ldc);
      break;
    case 3:
      row_block<3, 2>(p, ar, a_row_stride, cr, ldc);
      break;
    case 2:
      row_block<2, 2>(p, ar, a_row_stride, cr, ldc);
      break;
    case 1:
      row_block<1, 4>(p, ar, a_row_stride, cr, ldc);
      break;
    default:
      break;
  }
}

}  // namespace octet::kernels
