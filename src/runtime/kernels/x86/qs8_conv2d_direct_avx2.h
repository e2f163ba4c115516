// INT8 CONV_2D for AVX2 when the depth K = kernel_h * kernel_w * Cin is small (the first layers:
// K = 9 for a 3x3 filter on one channel, 27 on RGB), bit-exact with qs8_conv2d_ref. The im2col +
// GEMM path (qs8_conv2d_avx2.h) spends most of its time there on forming the rows and on a micro-
// kernel built for large K; this one reads the taps straight from an int16 copy of the filter's
// input rows.
//
// One work unit is one output row (b, oy). Its kernel_h input rows are sign-extended to int16 into
// scratch, with the padding (and rows outside the image) holding the input zero point: the bias
// folded at prepare (bias + input_offset * sum W, as qs8_pack_gemm does) turns those taps into the
// reference's skipped ones. A filter row is one contiguous run of kernel_w * Cin values when the
// dilation along x is 1 (else kernel_w runs of Cin); each run is read as pairs of int16 (vpmaddwd
// against 8 channels' int16 weight pairs, packed once at prepare, an odd run's last pair with a
// zero weight), so no im2col row is ever written. Requantization is fused (MBQM, double rounding).
// Only call when kernels::cpu_has_avx2_fma() is true.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/kernels/reference/qs8_conv2d_ref.h"
#include "runtime/kernels/x86/qs8_gemm_avx2.h"

namespace octet::kernels {

// The largest K this kernel takes; every pair holds at least one real tap, so at most this many pairs.
constexpr int kQs8DirectConvMaxK = 32;

struct Qs8Conv2DDirectAvx2Params {
  ConvGeometry geometry;
  Qs8PackedGemm stage;  // folded bias and output stage (its weights are not read here)
  const int16_t* weights = nullptr;  // [n_pad / 8][pairs][8][2]
  int pairs = 0;
  int pair_offset[kQs8DirectConvMaxK] = {};  // int16 offset of each pair from a pixel's first tap
  int row_len = 0;       // int16 per buffered input row (even, with room for an odd run's partner)
  int8_t input_zero_point = 0;
  int batch = 1;
};

// True when the kernel handles geometry g (K <= kQs8DirectConvMaxK).
bool qs8_conv2d_direct_avx2_supports(const ConvGeometry& g);

// Bytes of persistent storage for the packed int16 weights.
size_t qs8_conv2d_direct_avx2_weight_bytes(const ConvGeometry& g);

// Packs filter OHWI [Cout, KH, KW, Cin] into `storage` (64-byte aligned, zeroed,
// qs8_conv2d_direct_avx2_weight_bytes long) and fills the geometry-derived fields of p. p.stage,
// p.input_zero_point and p.batch are set by the caller.
void qs8_conv2d_direct_avx2_prepare(const ConvGeometry& g, const int8_t* filter, void* storage,
                                    Qs8Conv2DDirectAvx2Params* p);

// Scratch bytes one thread needs (kernel_h buffered input rows).
size_t qs8_conv2d_direct_avx2_scratch_bytes(const Qs8Conv2DDirectAvx2Params& p);
int qs8_conv2d_direct_avx2_num_rows(const Qs8Conv2DDirectAvx2Params& p);

// Output rows [row_begin, row_end) of the flattened (b, oy) index; input [N, H, W, Cin], output
// [N, OH, OW, Cout]; scratch is this thread's qs8_conv2d_direct_avx2_scratch_bytes.
void qs8_conv2d_direct_avx2(const Qs8Conv2DDirectAvx2Params& p, const int8_t* input, int8_t* output,
                            int16_t* scratch, int row_begin, int row_end);

}  // namespace octet::kernels
