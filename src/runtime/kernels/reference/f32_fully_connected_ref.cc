#include "runtime/kernels/reference/f32_fully_connected_ref.h"

#include "runtime/kernels/f32_gemm.h"

namespace octet::kernels {

void f32_fully_connected_ref(const F32FullyConnectedParams& p, const float* input,
                             const float* filter, const float* bias, float* output, int rows) {
  f32_gemm(false, true, rows, p.units, p.depth, 1.0f, input, p.depth, filter, p.depth, 0.0f, output,
           p.units);
  f32_bias_clamp(output, rows, p.units, bias, p.clamp);
}

}  // namespace octet::kernels
