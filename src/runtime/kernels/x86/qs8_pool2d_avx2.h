// INT8 MAX_POOL_2D / AVERAGE_POOL_2D, AVX2, bit-identical with qs8_max_pool2d_ref /
// qs8_average_pool2d_ref. Max: vpmaxsb on 32, then 16, then 8 channels. Average: int32 sums of 8
// channels; the rounded division (acc +- n/2) / n is done in double, which is exact here:
// |acc| < 2^31, so the quotient's error is below 2^-22 / n while a non-integer quotient lies at
// least 1/n from any integer, and truncation gives C's integer division.
#pragma once

#include "runtime/kernels/reference/qs8_pool2d_ref.h"

namespace octet::kernels {

void qs8_max_pool2d_avx2(const Qs8Pool2DParams& p, const int8_t* input, int8_t* output,
                         int row_begin, int row_end);
void qs8_average_pool2d_avx2(const Qs8Pool2DParams& p, const int8_t* input, int8_t* output,
                             int row_begin, int row_end);

}  // namespace octet::kernels
