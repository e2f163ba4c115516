#include "runtime/kernels/f32_im2col.h"

#include <cstring>

namespace octet::kernels {

void f32_im2col(const float* image, const Im2ColGeometry& g, float* cols) {
  const int c = g.channels;
  for (int oy = 0; oy < g.out_h; ++oy) {
    for (int ox = 0; ox < g.out_w; ++ox) {
      float* row = cols + (static_cast<long>(oy) * g.out_w + ox) * g.patch_size();
      for (int ky = 0; ky < g.kernel_h; ++ky) {
        int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
        float* dst = row + ky * g.kernel_w * c;
        if (iy < 0 || iy >= g.in_h) {
          std::memset(dst, 0, sizeof(float) * g.kernel_w * c);
          continue;
        }
        const float* src_row = image + static_cast<long>(iy) * g.in_w * c;
        for (int kx = 0; kx < g.kernel_w; ++kx) {
          int ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
          if (ix < 0 || ix >= g.in_w) {
            std::memset(dst + kx * c, 0, sizeof(float) * c);
          } else {
            std::memcpy(dst + kx * c, src_row + static_cast<long>(ix) * c, sizeof(float) * c);
          }
        }
      }
    }
  }
}

void f32_col2im_add(const float* cols, const Im2ColGeometry& g, float* image_grad) {
  const int c = g.channels;
  for (int oy = 0; oy < g.out_h; ++oy) {
    for (int ox = 0; ox < g.out_w; ++ox) {
      const float* row = cols + (static_cast<long>(oy) * g.out_w + ox) * g.patch_size();
      for (int ky = 0; ky < g.kernel_h; ++ky) {
        int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
        if (iy < 0 || iy >= g.in_h) continue;
        for (int kx = 0; kx < g.kernel_w; ++kx) {
          int ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
          if (ix < 0 || ix >= g.in_w) continue;
          const float* src = row + (ky * g.kernel_w + kx) * c;
          float* dst = image_grad + (static_cast<long>(iy) * g.in_w + ix) * c;
          for (int ch = 0; ch < c; ++ch) dst[ch] += src[ch];
        }
      }
    }
  }
}

}  // namespace octet::kernels
