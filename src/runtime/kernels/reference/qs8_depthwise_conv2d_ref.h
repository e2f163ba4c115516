// INT8 DEPTHWISE_CONV_2D reference (quantization.md §4.2, reference_integer_ops::DepthwiseConvPerChannel):
// output channel oc = ic * M + m; acc = sum over in-image taps (ky, kx order) of
// W[0,ky,kx,oc] * (In[b,iy,ix,ic] + input_offset), + bias[oc], then MBQM with the per-oc multiplier,
// + output_offset, clamp.
#pragma once

#include "runtime/kernels/reference/qs8_conv2d_ref.h"

namespace octet::kernels {

struct Qs8DepthwiseConv2DParams {
  ConvGeometry geometry;  // out_channels = in_channels * depth_multiplier
  int depth_multiplier = 1;
  Qs8OutputStage output;
};

// Computes output rows [row_begin, row_end) of the flattened (batch, out_y) index.
// filter [1, KH, KW, Cin*M], bias [Cin*M] or null.
void qs8_depthwise_conv2d_ref(const Qs8DepthwiseConv2DParams& p, const int8_t* input,
                              const int8_t* filter, const int32_t* bias, int8_t* output,
                              int row_begin, int row_end);

// Output channel oc of output pixel (b, oy, ox), as the kernel above computes it; optimized
// kernels use it for the channels they do not vectorize.
int8_t qs8_depthwise_conv2d_ref_at(const Qs8DepthwiseConv2DParams& p, const int8_t* input,
                                   const int8_t* filter, const int32_t* bias, int b, int oy, int ox,
                                   int oc);

}  // namespace octet::kernels
