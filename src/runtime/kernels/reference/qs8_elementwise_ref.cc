#include "runtime/kernels/reference/qs8_elementwise_ref.h"

#include <algorithm>

namespace octet::kernels {

void qs8_add_ref(const Qs8AddParams& p, const int8_t* a, const int8_t* b, int8_t* out, long n) {
  for (long i = 0; i < n; ++i) {
    const int32_t x = shift_left_wrapping(p.input1_offset + a[i], p.left_shift);
    const int32_t y = shift_left_wrapping(p.input2_offset + b[i], p.left_shift);
    const int32_t sx = multiply_by_quantized_multiplier_smaller_than_one_exp(
        x, p.input1.multiplier, p.input1.shift);
    const int32_t sy = multiply_by_quantized_multiplier_smaller_than_one_exp(
        y, p.input2.multiplier, p.input2.shift);
    int32_t o = multiply_by_quantized_multiplier_smaller_than_one_exp(sx + sy, p.output.multiplier,
                                                                      p.output.shift) +
                p.output_offset;
    o = std::min(p.act_max, std::max(p.act_min, o));
    out[i] = static_cast<int8_t>(o);
  }
}

void qs8_clamp_ref(const Qs8ClampParams& p, const int8_t* in, int8_t* out, long n) {
  for (long i = 0; i < n; ++i) {
    int32_t v = p.output_zero_point +
                multiply_by_quantized_multiplier(in[i] - p.input_zero_point, p.multiplier);
    v = std::min(p.act_max, std::max(p.act_min, v));
    out[i] = static_cast<int8_t>(v);
  }
}

void qs8_requantize_ref(const Qs8RequantizeParams& p, const void* in, bool in_uint8, void* out,
                        bool out_uint8, long n) {
  const bool same_scale = p.multiplier.multiplier == (1 << 30) && p.multiplier.shift == 1;
  const int32_t zero_point_diff = p.input_zero_point - p.output_zero_point;
  const uint8_t* in_bytes = static_cast<const uint8_t*>(in);
  uint8_t* out_bytes = static_cast<uint8_t*>(out);
  if (same_scale && ((!in_uint8 && out_uint8 && zero_point_diff == -128) ||
                     (in_uint8 && !out_uint8 && zero_point_diff == 128))) {
    for (long i = 0; i < n; ++i) out_bytes[i] = in_bytes[i] ^ 0x80;
    return;
  }
  const int32_t qmin = out_uint8 ? 0 : -128, qmax = out_uint8 ? 255 : 127;
  for (long i = 0; i < n; ++i) {
    const int32_t q = in_uint8 ? static_cast<int32_t>(in_bytes[i])
                               : static_cast<int32_t>(static_cast<int8_t>(in_bytes[i]));
    int32_t v = multiply_by_quantized_multiplier(q - p.input_zero_point, p.multiplier) +
                p.output_zero_point;
    v = std::max(std::min(v, qmax), qmin);
    out_bytes[i] = static_cast<uint8_t>(v);  // int8 stores its two's complement byte
  }
}

void f32_dequantize_qu8_ref(const uint8_t* in, float* out, long n, float scale, int32_t zero_point) {
  for (long i = 0; i < n; ++i) {
    out[i] = static_cast<float>(static_cast<double>(scale) * (static_cast<int32_t>(in[i]) - zero_point));
  }
}

}  // namespace octet::kernels
