// Dynamic-range CONV_2D and DEPTHWISE_CONV_2D references (quantization.md §5.2, TFLite conv.cc
// EvalHybrid / EvalHybridPerChannel, depthwise_conv.cc EvalHybridPerChannel). Each float32 image is
// quantized at run time as a whole; taps outside the image are skipped (they act as the zero point).
//   conv, per-channel (filter scales differ): asymmetric image, acc = sum W * (q - Z_b),
//       out = act(((float)acc * S_w[oc]) * S_b + bias[oc])          (reference HybridConvPerChannel)
//   conv, per-tensor (one scale, or all equal): symmetric image, acc = sum W * q,
//       out = act((0 + (float)acc * (S_b * S_w)) + bias[oc])        (HybridConv: GEMM, then bias)
//   depthwise: asymmetric image, acc = sum W * (q - Z_b),
//       out = act((float)acc * (S_w[oc] * S_b) + bias[oc])          (DepthwiseConvHybridPerChannel)
// All float operations are float32 in exactly these orders.
#pragma once

#include <cstdint>

#include "runtime/kernels/reference/f32_activation.h"
#include "runtime/kernels/reference/qs8_conv2d_ref.h"

namespace octet::kernels {

struct HybridConvParams {
  ConvGeometry geometry;
  int depth_multiplier = 1;              // depthwise only
  bool per_channel = false;              // conv only: the asymmetric per-channel variant
  const float* filter_scales = nullptr;  // one per output channel
  F32Clamp clamp;
};

// One image b: quantizes input image b into quantized_image (H*W*Cin int8), then writes output image b.
// scale / zero_point receive the image's quantization.
void hybrid_conv2d_ref(const HybridConvParams& p, const float* input, const int8_t* filter,
                       const float* bias, float* output, int8_t* quantized_image, int b,
                       float* scale, int32_t* zero_point);
void hybrid_depthwise_conv2d_ref(const HybridConvParams& p, const float* input,
                                 const int8_t* filter, const float* bias, float* output,
                                 int8_t* quantized_image, int b, float* scale,
                                 int32_t* zero_point);

}  // namespace octet::kernels
