// Float FULLY_CONNECTED: out[b, u] = clamp(sum_d in[b, d] * W[u, d] + bias[u]) as one GEMM over a
// block of rows. Callers split the batch into fixed blocks (independent of the thread count) so a
// row's result never depends on how the work was divided between threads.
#pragma once

#include "runtime/kernels/reference/f32_activation.h"

namespace octet::kernels {

struct F32FullyConnectedParams {
  int depth = 0;  // accum_depth = filter dims[1]
  int units = 0;  // filter dims[0]
  F32Clamp clamp;
};

// input [rows, depth], filter [units, depth], bias [units] or null, output [rows, units].
void f32_fully_connected_ref(const F32FullyConnectedParams& p, const float* input,
                             const float* filter, const float* bias, float* output, int rows);

}  // namespace octet::kernels
