#include "runtime/kernels/reference/hybrid_conv2d_ref.h"

#include "runtime/kernels/reference/hybrid_quantize_ref.h"

namespace octet::kernels {

void hybrid_conv2d_ref(const HybridConvParams& p, const float* input, const int8_t* filter,
                       const float* bias, float* output, int8_t* q, int b, float* scale,
                       int32_t* zero_point) {
  const ConvGeometry& g = p.geometry;
  const long image = static_cast<long>(g.in_h) * g.in_w * g.in_channels;
  const float* in = input + b * image;
  float* out_image = output + static_cast<long>(b) * g.out_h * g.out_w * g.out_channels;
  float per_tensor_scale = 0.0f;
  if (p.per_channel) {
    hybrid_asymmetric_quantize_ref(in, image, q, scale, zero_point);
  } else {
    hybrid_symmetric_quantize_ref(in, image, q, scale);
    *zero_point = 0;
    per_tensor_scale = *scale * p.filter_scales[0];
  }
  const int32_t z = *zero_point;
  for (int oy = 0; oy < g.out_h; ++oy) {
    const int y0 = oy * g.stride_h - g.pad_top;
    for (int ox = 0; ox < g.out_w; ++ox) {
      const int x0 = ox * g.stride_w - g.pad_left;
      float* out = out_image + (static_cast<long>(oy) * g.out_w + ox) * g.out_channels;
      for (int oc = 0; oc < g.out_channels; ++oc) {
        int64_t acc = 0;
        for (int ky = 0; ky < g.kernel_h; ++ky) {
          const int iy = y0 + g.dilation_h * ky;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int kx = 0; kx < g.kernel_w; ++kx) {
            const int ix = x0 + g.dilation_w * kx;
            if (ix < 0 || ix >= g.in_w) continue;
            const int8_t* qi = q + (static_cast<long>(iy) * g.in_w + ix) * g.in_channels;
            const int8_t* w = filter + ((static_cast<long>(oc) * g.kernel_h + ky) * g.kernel_w + kx) * g.in_channels;
            for (int ic = 0; ic < g.in_channels; ++ic) {
              acc += static_cast<int32_t>(w[ic]) * (static_cast<int32_t>(qi[ic]) - z);
            }
          }
        }
        const int32_t acc32 = static_cast<int32_t>(acc);
        float v;
        if (p.per_channel) {
          v = static_cast<float>(acc32) * p.filter_scales[oc] * *scale;
          if (bias) v += bias[oc];
        } else {
          v = 0.0f;
          v += static_cast<float>(acc32) * per_tensor_scale;
          if (bias) v = v + bias[oc];
        }
        out[oc] = p.clamp(v);
      }
    }
  }
}

void hybrid_depthwise_conv2d_ref(const HybridConvParams& p, const float* input,
                                 const int8_t* filter, const float* bias, float* output,
                                 int8_t* q, int b, float* scale, int32_t* zero_point) {
  const ConvGeometry& g = p.geometry;
  const long image = static_cast<long>(g.in_h) * g.in_w * g.in_channels;
  const float* in = input + b * image;
  float* out_image = output + static_cast<long>(b) * g.out_h * g.out_w * g.out_channels;
  hybrid_asymmetric_quantize_ref(in, image, q, scale, zero_point);
  const int32_t z = *zero_point;
  for (int oy = 0; oy < g.out_h; ++oy) {
    const int y0 = oy * g.stride_h - g.pad_top;
    for (int ox = 0; ox < g.out_w; ++ox) {
      const int x0 = ox * g.stride_w - g.pad_left;
      float* out = out_image + (static_cast<long>(oy) * g.out_w + ox) * g.out_channels;
      for (int ic = 0; ic < g.in_channels; ++ic) {
        for (int m = 0; m < p.depth_multiplier; ++m) {
          const int oc = ic * p.depth_multiplier + m;
          int64_t acc = 0;
          for (int ky = 0; ky < g.kernel_h; ++ky) {
            const int iy = y0 + g.dilation_h * ky;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int kx = 0; kx < g.kernel_w; ++kx) {
              const int ix = x0 + g.dilation_w * kx;
              if (ix < 0 || ix >= g.in_w) continue;
              const int32_t qi = q[(static_cast<long>(iy) * g.in_w + ix) * g.in_channels + ic];
              const int32_t w = filter[(static_cast<long>(ky) * g.kernel_w + kx) * g.out_channels + oc];
              acc += w * (qi - z);
            }
          }
          float v = static_cast<float>(static_cast<int32_t>(acc));
          v *= p.filter_scales[oc] * *scale;
          if (bias) v += bias[oc];
          out[oc] = p.clamp(v);
        }
      }
    }
  }
}

}  // namespace octet::kernels
