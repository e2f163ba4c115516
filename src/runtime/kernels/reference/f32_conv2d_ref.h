// Float CONV_2D for one NHWC image as im2col + one GEMM against the OHWI filter viewed as
// [Cout, KH*KW*Cin] (the GEMM reads it transposed, so no repacking). Each output element is the dot
// product of one patch with one filter row, then + bias, then the fused clamp. An image's result does
// not depend on the other images of the batch or on the thread that computes it.
#pragma once

#include "runtime/kernels/f32_im2col.h"
#include "runtime/kernels/reference/f32_activation.h"

namespace octet::kernels {

struct F32Conv2DParams {
  Im2ColGeometry geometry;  // channels = Cin
  int out_channels = 0;
  // 1x1 filter, stride 1, no padding: the image already is the im2col matrix.
  bool pointwise = false;
  F32Clamp clamp;
  long cols_floats() const {
    return pointwise ? 0 : static_cast<long>(geometry.out_h) * geometry.out_w * geometry.patch_size();
  }
};

// input [H, W, Cin], filter [Cout, KH, KW, Cin], bias [Cout] or null, output [OH, OW, Cout],
// cols: scratch of p.cols_floats() floats.
void f32_conv2d_ref(const F32Conv2DParams& p, const float* input, const float* filter,
                    const float* bias, float* output, float* cols);

}  // namespace octet::kernels
