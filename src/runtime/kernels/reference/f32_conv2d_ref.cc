#include "runtime/kernels/reference/f32_conv2d_ref.h"

#include "runtime/kernels/f32_gemm.h"

namespace octet::kernels {
namespace {

// f32_im2col for one input channel: the same matrix, without a memcpy per 4-byte tap (first layers
// of MNIST-like models spend most of their im2col time there).
void im2col_one_channel(const float* image, const Im2ColGeometry& g, float* cols) {
  for (int oy = 0; oy < g.out_h; ++oy) {
    for (int ox = 0; ox < g.out_w; ++ox) {
      float* row = cols + (static_cast<long>(oy) * g.out_w + ox) * g.kernel_h * g.kernel_w;
      for (int ky = 0; ky < g.kernel_h; ++ky) {
        const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
        const bool row_inside = iy >= 0 && iy < g.in_h;
        for (int kx = 0; kx < g.kernel_w; ++kx) {
          const int ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
          row[ky * g.kernel_w + kx] =
              row_inside && ix >= 0 && ix < g.in_w ? image[static_cast<long>(iy) * g.in_w + ix] : 0.0f;
        }
      }
    }
  }
}

}  // namespace

void f32_conv2d_ref(const F32Conv2DParams& p, const float* input, const float* filter,
                    const float* bias, float* output, float* cols) {
  const Im2ColGeometry& g = p.geometry;
  const int rows = g.out_h * g.out_w;
  const int k = g.patch_size();
  const float* a = input;
  if (!p.pointwise) {
    if (g.channels == 1) {
      im2col_one_channel(input, g, cols);
    } else {
      f32_im2col(input, g, cols);
    }
    a = cols;
  }
  f32_gemm(false, true, rows, p.out_channels, k, 1.0f, a, k, filter, k, 0.0f, output, p.out_channels);
  f32_bias_clamp(output, rows, p.out_channels, bias, p.clamp);
}

}  // namespace octet::kernels
