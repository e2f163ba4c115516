#include "runtime/kernels/reference/f32_conv2d_ref.h"

#include "runtime/kernels/f32_gemm.h"

namespace octet::kernels {

void f32_conv2d_ref(const F32Conv2DParams& p, const float* input, const float* filter,
                    const float* bias, float* output, float* cols) {
  const Im2ColGeometry& g = p.geometry;
  const int rows = g.out_h * g.out_w;
  const int k = g.patch_size();
  const float* a = input;
  if (!p.pointwise) {
    f32_im2col(input, g, cols);
    a = cols;
  }
  f32_gemm(false, true, rows, p.out_channels, k, 1.0f, a, k, filter, k, 0.0f, output, p.out_channels);
  f32_bias_clamp(output, rows, p.out_channels, bias, p.clamp);
}

}  // namespace octet::kernels
