#include "runtime/kernels/reference/f32_depthwise_conv2d_ref.h"

namespace octet::kernels {

void f32_depthwise_conv2d_ref(const F32DepthwiseConv2DParams& p, const float* input,
                              const float* filter, const float* bias, float* output, int row_begin,
                              int row_end) {
  const int cin = p.in_channels, m = p.depth_multiplier, cout = cin * m;
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / p.out_h, oy = row % p.out_h;
    const float* image = input + static_cast<long>(b) * p.in_h * p.in_w * cin;
    float* out_row = output + static_cast<long>(row) * p.out_w * cout;
    for (int ox = 0; ox < p.out_w; ++ox) {
      const int y0 = oy * p.stride_h - p.pad_top, x0 = ox * p.stride_w - p.pad_left;
      float* out = out_row + static_cast<long>(ox) * cout;
      for (int oc = 0; oc < cout; ++oc) {
        const int ic = oc / m;
        float acc = 0.0f;
        for (int ky = 0; ky < p.kernel_h; ++ky) {
          const int iy = y0 + ky * p.dilation_h;
          if (iy < 0 || iy >= p.in_h) continue;
          for (int kx = 0; kx < p.kernel_w; ++kx) {
            const int ix = x0 + kx * p.dilation_w;
            if (ix < 0 || ix >= p.in_w) continue;
            acc += image[(static_cast<long>(iy) * p.in_w + ix) * cin + ic] *
                   filter[(ky * p.kernel_w + kx) * cout + oc];
          }
        }
        if (bias) acc += bias[oc];
        out[oc] = p.clamp(acc);
      }
    }
  }
}

}  // namespace octet::kernels
