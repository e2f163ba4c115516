#include "runtime/kernels/reference/quantize_ref.h"

#include <cmath>
#include <cstring>

namespace octet::kernels {

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: mantissa * 2^-24, exact in float32
      float v = std::ldexp(static_cast<float>(mantissa), -24);
      return sign ? -v : v;
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

void f32_from_f16_ref(const uint16_t* input, float* output, long n) {
  for (long i = 0; i < n; ++i) output[i] = f16_to_f32(input[i]);
}

void f32_dequantize_qs8_ref(const int8_t* input, float* output, long n, const float* scales,
                            const int32_t* zero_points, int channels, long inner) {
  for (long i = 0; i < n; ++i) {
    const int c = channels == 1 ? 0 : static_cast<int>((i / inner) % channels);
    output[i] = scales[c] * static_cast<float>(static_cast<int32_t>(input[i]) - zero_points[c]);
  }
}

void qs8_quantize_f32_ref(const float* input, int8_t* output, long n, float scale,
                          int32_t zero_point) {
  for (long i = 0; i < n; ++i) {
    float r = std::round(input[i] / scale);  // RHAZ
    // Bound before converting so huge values, inf and NaN stay defined (NaN maps to -128).
    if (!(r >= -512.0f)) r = -512.0f;
    if (r > 512.0f) r = 512.0f;
    int32_t q = static_cast<int32_t>(r) + zero_point;
    output[i] = static_cast<int8_t>(q < -128 ? -128 : (q > 127 ? 127 : q));
  }
}

}  // namespace octet::kernels
