// Float MAX_POOL_2D / AVERAGE_POOL_2D with TFLite's clipped windows: only taps inside the image are
// visited; the average divides by the number of in-image taps. Then the fused clamp.
#pragma once

#include "runtime/kernels/reference/f32_activation.h"

namespace octet::kernels {

struct F32Pool2DParams {
  int in_h = 0, in_w = 0, channels = 0;
  int filter_h = 0, filter_w = 0;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0;
  int out_h = 0, out_w = 0;
  F32Clamp clamp;
};

// Both compute output rows [row_begin, row_end) of the flattened (batch, out_y) index.
// input [N, H, W, C], output [N, OH, OW, C]. Every window must hold at least one in-image tap.
void f32_max_pool2d_ref(const F32Pool2DParams& p, const float* input, float* output, int row_begin,
                        int row_end);
void f32_average_pool2d_ref(const F32Pool2DParams& p, const float* input, float* output,
                            int row_begin, int row_end);

}  // namespace octet::kernels
