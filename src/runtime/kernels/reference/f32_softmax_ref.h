// Float SOFTMAX over the last axis, numerically stable: e_c = exp(beta * (x_c - max)), out = e / sum.
#pragma once

namespace octet::kernels {

// input/output [rows, depth].
void f32_softmax_ref(const float* input, float* output, long rows, int depth, float beta);

}  // namespace octet::kernels
