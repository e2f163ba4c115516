// MEAN over one contiguous run of axes (input viewed as [outer, reduce, inner], output [outer,
// inner]; global average pooling is outer = N, reduce = H*W, inner = C), AVX2, inner channels 8 per
// vector. f32: each output sums its inputs in increasing index from 0.0f then divides by the count,
// as f32_mean_ref does, so the output is bit-identical. qs8: int32 sums wrap like the reference's
// and integer addition is associative, so sums and outputs are bit-identical with qs8_mean_ref.
#pragma once

#include <cstdint>

#include "runtime/kernels/reference/qs8_mean_ref.h"

namespace octet::kernels {

struct MeanRun {
  long outer = 0, reduce = 0, inner = 0;
};

// The [outer, reduce, inner] view of p, or false when the reduced axes are not contiguous.
bool mean_contiguous_run(const F32MeanParams& p, MeanRun* run);

void f32_mean_avx2(const MeanRun& run, const float* input, float* output);
void qs8_mean_avx2(const Qs8MeanParams& p, const MeanRun& run, const int8_t* input, int8_t* output);

}  // namespace octet::kernels
