// Float DEPTHWISE_CONV_2D, straight loops: output channel oc = ic * M + m reads input channel ic and
// filter [0, ky, kx, oc]; taps outside the image are skipped; acc (summed in ky, kx order) + bias,
// then the fused clamp.
#pragma once

#include "runtime/kernels/reference/f32_activation.h"

namespace octet::kernels {

struct F32DepthwiseConv2DParams {
  int in_h = 0, in_w = 0, in_channels = 0;
  int depth_multiplier = 1;
  int kernel_h = 0, kernel_w = 0;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0;
  int out_h = 0, out_w = 0;
  F32Clamp clamp;
};

// Computes output rows [row_begin, row_end) of the flattened (batch, out_y) index.
// input [N, H, W, Cin], filter [1, KH, KW, Cin*M], bias [Cin*M] or null, output [N, OH, OW, Cin*M].
void f32_depthwise_conv2d_ref(const F32DepthwiseConv2DParams& p, const float* input,
                              const float* filter, const float* bias, float* output, int row_begin,
                              int row_end);

}  // namespace octet::kernels
