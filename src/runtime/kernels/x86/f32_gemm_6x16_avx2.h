// Float GEMM microkernel for inference, 6 rows x 16 columns per tile (AVX2 + FMA), on weights
// packed once at prepare. C[i, n] = clamp(bias[n] + sum_k A[i, k] * B[n, k]). A row's K elements
// are read as segments (a convolution patch is KH row segments of KW*Cin contiguous floats in an
// NHWC image, or KH*KW segments of Cin when dilated), so a convolution needs no im2col. Every
// output is summed in the same order (bias, then k = 0..K-1) whatever the tile or thread split:
// results are deterministic, but not bit-identical to the OpenBLAS reference (other summation
// order).
#pragma once

#include <cstddef>

#include <cstdint>

#include "runtime/kernels/reference/f32_activation.h"

namespace octet::kernels {

inline constexpr int kF32PanelWidth = 16;

// Geometry of the K dimension of every A row: seg_rows x seg_cols segments of seg_len floats;
// segment (r, c) starts at row_start + r * seg_row_stride + c * seg_col_stride. K =
// seg_rows*seg_cols*seg_len.
struct F32GemmSegments {
  int seg_rows = 1, seg_cols = 1, seg_len = 0;
  long seg_row_stride = 0, seg_col_stride = 0;
  long k() const { return static_cast<long>(seg_rows) * seg_cols * seg_len; }
};

struct F32PackedGemmParams {
  F32GemmSegments segments;
  int n = 0;                        // output columns (channels / units)
  const float* packed_b = nullptr;  // f32_pack_gemm layout, ceil(n / 16) panels
  const float* bias = nullptr;      // ceil(n / 16) * 16 floats (zeros past n, or all zeros)
  F32Clamp clamp;
};

// Bytes of storage for n x k weights packed as ceil(n / 16) panels of [k][16], then the bias padded
// to whole panels.
size_t f32_packed_gemm_bytes(int n, long k);
// Packs b ([n][k] row-major: an OHWI filter or an FC weight matrix; columns past n are zero) and
// bias (n floats, or null for none) into `storage` (f32_packed_gemm_bytes, float-aligned) once at
// prepare; sets p->n, p->packed_b and p->bias.
void f32_pack_gemm(const float* b, const float* bias, int n, long k, void* storage,
                   F32PackedGemmParams* p);

// m rows of A, row i starting at a + i * a_row_stride; C row i at c + i * ldc (n floats written).
void f32_gemm_6x16_avx2(const F32PackedGemmParams& p, int m, const float* a, long a_row_stride,
                        float* c, long ldc);

}  // namespace octet::kernels
