// INT8 DEPTHWISE_CONV_2D, AVX2, bit-identical with qs8_depthwise_conv2d_ref: for depth multiplier
// 1, 8 channels per vector with int32 accumulators (products and sums wrap like the reference's
// int64 accumulator cast to int32), the per-channel requantization in qs8_requant_avx2.h. Depth
// multipliers above 1 run the reference.
#pragma once

#include "runtime/kernels/reference/qs8_depthwise_conv2d_ref.h"

namespace octet::kernels {

// Same contract as qs8_depthwise_conv2d_ref.
void qs8_depthwise_conv2d_avx2(const Qs8DepthwiseConv2DParams& p, const int8_t* input,
                               const int8_t* filter, const int32_t* bias, int8_t* output,
                               int row_begin, int row_end);

}  // namespace octet::kernels
