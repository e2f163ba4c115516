// INT8 MAX_POOL_2D / AVERAGE_POOL_2D reference (quantization.md §4.4, §4.5): windows clipped to the
// image. Max: the largest raw value (start -128), then the clamp. Average: the raw sum over the n
// in-image taps, rounded half away from zero with integer ops ((acc +- n/2) / n, C division), then
// the clamp. Input and output share scale and zero point, so no requantization happens.
#pragma once

#include <cstdint>

namespace octet::kernels {

struct Qs8Pool2DParams {
  int in_h = 0, in_w = 0, channels = 0;
  int filter_h = 0, filter_w = 0;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0;
  int out_h = 0, out_w = 0;
  int32_t act_min = -128, act_max = 127;
};

// Output rows [row_begin, row_end) of the flattened (batch, out_y) index. Every window holds at least
// one in-image tap (checked at prepare).
void qs8_max_pool2d_ref(const Qs8Pool2DParams& p, const int8_t* input, int8_t* output,
                        int row_begin, int row_end);
void qs8_average_pool2d_ref(const Qs8Pool2DParams& p, const int8_t* input, int8_t* output,
                            int row_begin, int row_end);

}  // namespace octet::kernels
