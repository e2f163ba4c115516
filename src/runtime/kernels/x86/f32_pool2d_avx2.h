// Float MAX_POOL_2D / AVERAGE_POOL_2D, AVX2: channels 8 per vector, taps visited in the reference's
// (fy, fx) order with the same max / add / divide / clamp operations, so the output is
// bit-identical with f32_max_pool2d_ref / f32_average_pool2d_ref (NaN included).
#pragma once

#include "runtime/kernels/reference/f32_pool2d_ref.h"

namespace octet::kernels {

// Same contract as the reference: output rows [row_begin, row_end) of the (batch, out_y) index.
void f32_max_pool2d_avx2(const F32Pool2DParams& p, const float* input, float* output, int row_begin,
                         int row_end);
void f32_average_pool2d_avx2(const F32Pool2DParams& p, const float* input, float* output,
                             int row_begin, int row_end);

}  // namespace octet::kernels
