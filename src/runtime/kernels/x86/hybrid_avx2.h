// Dynamic-range ("hybrid") CONV_2D and FULLY_CONNECTED for AVX2, bit-identical with
// hybrid_conv2d_ref and hybrid_fully_connected_ref (quantization.md §5.2-5.3):
//   1. the float input (per image for conv, per row for FC) is quantized with the reference's
//      arithmetic: vector min/max and round-half-away in float32, the scale and zero point from the
//      reference's own function; an input holding a NaN or an infinity goes through the reference
//      quantizer itself (its min/max scan order matters then);
//   2. the int8 products go through the packed int8 GEMM (qs8_gemm_i32_avx2): exact int32 sums,
//      written into the float output's own storage;
//   3. the float epilogue rewrites them in place with the reference's float32 operations in the
//      reference's order (acc - Z * rowsum in wrapping int32, scales, bias, clamp). The file's target
//      has no FMA, so no multiply and add are ever fused into one rounding.
// Only call these when kernels::cpu_has_avx2_fma() is true.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/kernels/reference/f32_activation.h"
#include "runtime/kernels/x86/qs8_conv2d_avx2.h"
#include "runtime/kernels/x86/qs8_fully_connected_avx2.h"

namespace octet::kernels {

// The same q, scale and zero point as hybrid_symmetric_quantize_ref / hybrid_asymmetric_quantize_ref.
void hybrid_symmetric_quantize_avx2(const float* x, long n, int8_t* q, float* scale);
void hybrid_asymmetric_quantize_avx2(const float* x, long n, int8_t* q, float* scale,
                                     int32_t* zero_point);

struct HybridConv2DAvx2Params {
  Qs8Conv2DAvx2Params conv;  // geometry, batch, tile; gemm from qs8_pack_gemm_weights
  bool per_channel = false;  // as HybridConvParams: asymmetric images, per-channel epilogue
  const float* filter_scales = nullptr;  // out_channels
  const int32_t* row_sums = nullptr;     // out_channels: the sum of each output channel's weights
  F32Clamp clamp;
};

// Tiles [tile_begin, tile_end) (qs8_conv2d_avx2_num_tiles) of the quantized batch (the input's
// layout) into output [N, OH, OW, Cout]; scales / zero_points per image; bias may be null; scratch
// is this thread's qs8_conv2d_avx2_scratch_bytes.
void hybrid_conv2d_avx2(const HybridConv2DAvx2Params& p, const int8_t* quantized,
                        const float* scales, const int32_t* zero_points, const float* bias,
                        float* output, int16_t* scratch, int tile_begin, int tile_end);

struct HybridFullyConnectedAvx2Params {
  Qs8FullyConnectedAvx2Params fc;  // rows, tile; gemm from qs8_pack_gemm_weights
  bool asymmetric = false;
  const float* filter_scales = nullptr;  // units
  const int32_t* row_sums = nullptr;     // units
  F32Clamp clamp;
};

// Tiles [tile_begin, tile_end) (qs8_fully_connected_avx2_num_tiles) of input [rows, depth]: each
// row is quantized into quantized / scales / zero_points at its own index, then computed into
// output [rows, units]. The caller handles an all-zero input (hybrid_fully_connected_zero_input_ref).
void hybrid_fully_connected_avx2(const HybridFullyConnectedAvx2Params& p, const float* input,
                                 const float* bias, float* output, int8_t* quantized,
                                 float* scales, int32_t* zero_points, int16_t* scratch,
                                 int tile_begin, int tile_end);

}  // namespace octet::kernels
