#include "runtime/kernels/reference/qs8_depthwise_conv2d_ref.h"

namespace octet::kernels {

int8_t qs8_depthwise_conv2d_ref_at(const Qs8DepthwiseConv2DParams& p, const int8_t* input,
                                   const int8_t* filter, const int32_t* bias, int b, int oy, int ox,
                                   int oc) {
  const ConvGeometry& g = p.geometry;
  const int ic = oc / p.depth_multiplier;
  const int y0 = oy * g.stride_h - g.pad_top, x0 = ox * g.stride_w - g.pad_left;
  int64_t acc = 0;
  for (int ky = 0; ky < g.kernel_h; ++ky) {
    const int iy = y0 + g.dilation_h * ky;
    if (iy < 0 || iy >= g.in_h) continue;
    for (int kx = 0; kx < g.kernel_w; ++kx) {
      const int ix = x0 + g.dilation_w * kx;
      if (ix < 0 || ix >= g.in_w) continue;
      const int32_t in = input[((static_cast<long>(b) * g.in_h + iy) * g.in_w + ix) * g.in_channels + ic];
      const int32_t w = filter[(static_cast<long>(ky) * g.kernel_w + kx) * g.out_channels + oc];
      acc += w * (in + p.output.input_offset);
    }
  }
  if (bias) acc += bias[oc];
  return qs8_requantize_accumulator(static_cast<int32_t>(acc), p.output, oc);
}

void qs8_depthwise_conv2d_ref(const Qs8DepthwiseConv2DParams& p, const int8_t* input,
                              const int8_t* filter, const int32_t* bias, int8_t* output,
                              int row_begin, int row_end) {
  const ConvGeometry& g = p.geometry;
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    for (int ox = 0; ox < g.out_w; ++ox) {
      int8_t* out = output + ((static_cast<long>(b) * g.out_h + oy) * g.out_w + ox) * g.out_channels;
      for (int oc = 0; oc < g.out_channels; ++oc) {
        out[oc] = qs8_depthwise_conv2d_ref_at(p, input, filter, bias, b, oy, ox, oc);
      }
    }
  }
}

}  // namespace octet::kernels
