// im2col for one NHWC image: turns a convolution into one GEMM. Row r = oy*out_w + ox holds the
// patch under output (oy, ox) in (ky, kx, c) order, matching a [KH*KW*C, Cout] kernel matrix.
// Taps outside the image are 0. col2im is its adjoint (used for input gradients).
#pragma once

namespace octet::kernels {

struct Im2ColGeometry {
  int in_h, in_w, channels;
  int kernel_h, kernel_w;
  int stride_h, stride_w;
  int dilation_h, dilation_w;
  int pad_top, pad_left;
  int out_h, out_w;
  int patch_size() const { return kernel_h * kernel_w * channels; }
};

// cols: [out_h*out_w, kernel_h*kernel_w*channels]
void f32_im2col(const float* image, const Im2ColGeometry& g, float* cols);
// image_grad[h, w, c] += sum of the cols entries that im2col read from (h, w, c).
void f32_col2im_add(const float* cols, const Im2ColGeometry& g, float* image_grad);

}  // namespace octet::kernels
