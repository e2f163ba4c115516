// The int8 GEMM behind the AVX2 CONV_2D and FULLY_CONNECTED kernels: out[m][n] = requant(
// sum_k A[m][k] * W[n][k] + bias'[n]), with A sign-extended to int16 by the caller (im2col or a row
// copy) and W packed once at prepare. Products are exact: int8 pairs go through vpmovsxbw + vpmaddwd
// into int32 lanes that wrap like the reference's int32 accumulator. bias' folds the input zero point
// (bias + sum_k W * input_offset), so A holds raw input values and padded taps hold Z_in.
// The epilogue reproduces requant.h (double-rounding MBQM) or, for FULLY_CONNECTED's kFloatDouble
// mode, (int32) round((double)acc * M) bit for bit, then adds Z_out and clamps.
// qs8_gemm_i32_avx2 stops before the epilogue and stores the raw int32 sums (the dynamic-range
// kernels form their float output from them).
// Only call the functions here when kernels::cpu_has_avx2_fma() is true.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/kernels/reference/qs8_conv2d_ref.h"

namespace octet::kernels {

// Channels are packed in blocks of 8; inside a block, for every pair of k, the 8 channels' two
// int8 weights (16 bytes: one vpmovsxbw gives the vpmaddwd operand).
constexpr int kQs8GemmBlock = 8;

struct Qs8PackedGemm {
  int n = 0, k = 0;          // output channels, depth
  int n_pad = 0, k_pad = 0;  // n rounded up to 8, k rounded up to 2
  const int8_t* weights = nullptr;  // [n_pad / 8][k_pad / 2][8][2]
  // Per channel, n_pad entries (padding channels are computed but never stored):
  const int32_t* bias = nullptr;        // bias + input_offset * sum_k W[n][k] (wrapping)
  const int32_t* multiplier = nullptr;  // MBQM multiplier
  const int32_t* left_shift = nullptr;  // max(shift, 0)
  const int32_t* right_shift = nullptr; // max(-shift, 0)
  const int32_t* round_mask = nullptr;  // 2^right - 1
  const double* real_multiplier = nullptr;  // set: kFloatDouble requantization with these
  int32_t output_offset = 0, act_min = -128, act_max = 127;
};

// Bytes of persistent storage qs8_pack_gemm needs for n channels of depth k.
size_t qs8_packed_gemm_bytes(int n, int k, bool real_multipliers);

// Packs weights w [n][k] (row-major), folds bias (may be null) and the input offset, and lays out
// the output stage into `storage` (64-byte aligned, qs8_packed_gemm_bytes long). real_multipliers
// (n entries) selects the double-precision requantization; null selects MBQM.
void qs8_pack_gemm(const int8_t* w, const int32_t* bias, int n, int k, const Qs8OutputStage& stage,
                   const double* real_multipliers, void* storage, Qs8PackedGemm* packed);

// Weights only, for qs8_gemm_i32_avx2 (no output stage): bytes, then the packing into `storage`
// (64-byte aligned, zeroed, qs8_packed_weights_bytes long).
size_t qs8_packed_weights_bytes(int n, int k);
void qs8_pack_gemm_weights(const int8_t* w, int n, int k, void* storage, Qs8PackedGemm* packed);

// Rows per tile when m rows of depth k are split over `threads`: the int16 A tile stays
// cache-sized, there are enough tiles for every thread, and tiles are whole micro-kernel strips.
int qs8_gemm_tile_rows(int m, int k, int threads);

// Rows [0, m) of A (int16, row stride lda >= k_pad, entries k..k_pad-1 zero) times the packed
// weights, requantized into out (row stride ldo >= n).
void qs8_gemm_avx2(const Qs8PackedGemm& g, const int16_t* a, int lda, int m, int8_t* out, int ldo);

// The same products without any output stage: out[m][n] = sum_k A[m][k] * W[n][k] as int32
// (wrapping), for the dynamic-range kernels' float epilogue. Needs only the packed weights.
void qs8_gemm_i32_avx2(const Qs8PackedGemm& g, const int16_t* a, int lda, int m, int32_t* out,
                       int ldo);

// dst[0, k_pad) = src[0, k) sign-extended, then 0 up to k_pad.
void qs8_widen_row_avx2(const int8_t* src, int k, int k_pad, int16_t* dst);

}  // namespace octet::kernels
