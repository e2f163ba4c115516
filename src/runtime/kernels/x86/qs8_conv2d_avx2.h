// INT8 CONV_2D for AVX2, bit-exact with qs8_conv2d_ref: output pixels are processed in tiles; each
// tile is im2col'ed into int16 rows of (ky, kx, ic) taps (taps outside the image hold the input zero
// point, which the folded bias turns into the reference's skipped taps) and multiplied by the
// weights packed at prepare (qs8_gemm_avx2.h). Only call when kernels::cpu_has_avx2_fma() is true.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/kernels/reference/qs8_conv2d_ref.h"
#include "runtime/kernels/x86/qs8_gemm_avx2.h"

namespace octet::kernels {

struct Qs8Conv2DAvx2Params {
  ConvGeometry geometry;
  Qs8PackedGemm gemm;        // n = out_channels, k = kernel_h * kernel_w * in_channels
  int8_t input_zero_point = 0;
  int batch = 1;
  int tile = 1;              // output pixels per im2col tile (qs8_gemm_tile_rows)
};

// Scratch bytes one thread needs for its tile.
size_t qs8_conv2d_avx2_scratch_bytes(const Qs8Conv2DAvx2Params& p);
int qs8_conv2d_avx2_num_tiles(const Qs8Conv2DAvx2Params& p);

// One im2col row (gemm.k_pad int16): the (ky, kx, ic) taps of output pixel (b, oy, ox), taps
// outside the image holding input_zero_point, entries k..k_pad-1 zero.
void qs8_im2col_row_avx2(const Qs8Conv2DAvx2Params& p, const int8_t* input, int b, int oy, int ox,
                         int8_t input_zero_point, int16_t* row);

// Tiles [tile_begin, tile_end) of input [N, H, W, Cin] into output [N, OH, OW, Cout]; scratch is
// this thread's qs8_conv2d_avx2_scratch_bytes.
void qs8_conv2d_avx2(const Qs8Conv2DAvx2Params& p, const int8_t* input, int8_t* output,
                     int16_t* scratch, int tile_begin, int tile_end);

}  // namespace octet::kernels
