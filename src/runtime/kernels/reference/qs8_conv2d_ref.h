// INT8 CONV_2D reference (quantization.md §4.1, TFLite reference_integer_ops::ConvPerChannel):
// acc = sum over in-image taps of W[oc,ky,kx,ic] * (In[b,iy,ix,ic] + input_offset), in ky, kx, ic order
// (padded taps are skipped, i.e. they act as the input zero point); acc += bias[oc];
// out = clamp(MBQM(acc, mult[oc], shift[oc]) + output_offset, act_min, act_max).
#pragma once

#include <cstdint>

#include "runtime/kernels/requant.h"

namespace octet::kernels {

// Window geometry shared by the qs8 and hybrid convolutions (NHWC input, TFLite padding).
struct ConvGeometry {
  int in_h = 0, in_w = 0, in_channels = 0;
  int out_h = 0, out_w = 0, out_channels = 0;
  int kernel_h = 0, kernel_w = 0;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0;
};

// Requantization of an int32 accumulator to int8 (per output channel; per-tensor weights repeat one
// multiplier).
struct Qs8OutputStage {
  int32_t input_offset = 0;   // -Z_in
  int32_t output_offset = 0;  // +Z_out
  int32_t act_min = -128, act_max = 127;
  const QuantizedMultiplier* multipliers = nullptr;  // one per output channel
};

struct Qs8Conv2DParams {
  ConvGeometry geometry;
  Qs8OutputStage output;
};

// Computes output rows [row_begin, row_end) of the flattened (batch, out_y) index.
// input [N, H, W, Cin], filter OHWI [Cout, KH, KW, Cin], bias [Cout] or null, output [N, OH, OW, Cout].
void qs8_conv2d_ref(const Qs8Conv2DParams& p, const int8_t* input, const int8_t* filter,
                    const int32_t* bias, int8_t* output, int row_begin, int row_end);

// The shared final step: MBQM, output offset, clamp.
inline int8_t qs8_requantize_accumulator(int32_t acc, const Qs8OutputStage& s, int channel) {
  int32_t v = multiply_by_quantized_multiplier(acc, s.multipliers[channel]) + s.output_offset;
  v = v < s.act_min ? s.act_min : v;
  v = v > s.act_max ? s.act_max : v;
  return static_cast<int8_t>(v);
}

}  // namespace octet::kernels
