// The one definition of TFLite int8 requantization (quantization.md §3, §1.4): QuantizeMultiplier,
// gemmlowp's SaturatingRoundingDoublingHighMul / RoundingDivideByPOT, and the double-rounding
// MultiplyByQuantizedMultiplier that stock TFLite and TFLM build (TFLITE_SINGLE_ROUNDING unset).
// Every qs8 kernel calls these; an optimized kernel must reproduce them bit for bit.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/status.h"
#include "runtime/graph.h"

namespace octet::kernels {

// real multiplier ~= multiplier * 2^(shift - 31); multiplier in [2^30, 2^31 - 1], or 0.
// shift > 0 is a left shift, shift < 0 a right shift.
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int shift = 0;
};

// TFLite QuantizeMultiplier (§3.1) for m >= 0: frexp, RHAZ of q * 2^31, carry of q rounding up
// to 1.0 into the exponent, multipliers below 2^-32 flushed to (0, 0).
inline QuantizedMultiplier quantize_multiplier(double m) {
  QuantizedMultiplier r;
  if (m == 0.0) return r;
  int shift = 0;
  const double q = std::frexp(m, &shift);
  int64_t q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  OCTET_CHECK(q_fixed <= (int64_t{1} << 31));
  if (q_fixed == (int64_t{1} << 31)) {
    q_fixed /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    q_fixed = 0;
  }
  r.multiplier = static_cast<int32_t>(q_fixed);
  r.shift = shift;
  return r;
}

// QuantizeMultiplierSmallerThanOneExp: requires 0 < m < 1 (callers validate at prepare); shift <= 0.
inline QuantizedMultiplier quantize_multiplier_smaller_than_one_exp(double m) {
  OCTET_CHECK(m > 0.0 && m < 1.0);
  QuantizedMultiplier r = quantize_multiplier(m);
  OCTET_CHECK(r.shift <= 0);
  return r;
}

// QuantizeMultiplierGreaterThanOne: requires m > 1 (callers validate at prepare); shift >= 0.
inline QuantizedMultiplier quantize_multiplier_greater_than_one(double m) {
  OCTET_CHECK(m > 1.0);
  QuantizedMultiplier r = quantize_multiplier(m);
  OCTET_CHECK(r.shift >= 0);
  return r;
}

// round(a * b / 2^31), ties toward +inf (RHU); saturates the single overflow case
// INT32_MIN * INT32_MIN to INT32_MAX. Integer division truncates toward zero, as in gemmlowp.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero (RHAZ); 0 <= exponent <= 31.
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  OCTET_DCHECK(exponent >= 0 && exponent <= 31);
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// gemmlowp SaturatingRoundingMultiplyByPOT: exponent > 0 is a left shift that saturates to
// INT32_MIN / INT32_MAX outside +-(2^(31 - exponent) - 1); exponent < 0 is rounding_divide_by_pot.
inline int32_t saturating_rounding_multiply_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  const int32_t threshold = static_cast<int32_t>((int64_t{1} << (31 - exponent)) - 1);
  if (x > threshold) return std::numeric_limits<int32_t>::max();
  if (x < -threshold) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

// x * 2^left as TFLite's plain int32 multiply; outside int32 TFLite's result is undefined (§8.12),
// here it wraps (two's complement) so the behaviour at least stays defined: 0 from a shift of 32 or
// more (a hostile file's scale ratio of 2^32 and up), as AVX2's vpsllvd gives.
inline int32_t shift_left_wrapping(int32_t x, int left) {
  return left >= 32 ? 0 : static_cast<int32_t>(static_cast<uint32_t>(x) << left);
}

// MultiplyByQuantizedMultiplier, double rounding (§3.3):
// RoundingDivideByPOT(SRDHM(x * 2^max(shift, 0), multiplier), max(-shift, 0)).
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  return rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(shift_left_wrapping(x, left), multiplier), right);
}
inline int32_t multiply_by_quantized_multiplier(int32_t x, QuantizedMultiplier m) {
  return multiply_by_quantized_multiplier(x, m.multiplier, m.shift);
}

// MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0): no left shift.
inline int32_t multiply_by_quantized_multiplier_smaller_than_one_exp(int32_t x, int32_t multiplier,
                                                                      int shift) {
  OCTET_DCHECK(shift <= 0);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, multiplier), -shift);
}

// MultiplyByQuantizedMultiplierGreaterThanOne (shift >= 0): no second rounding.
inline int32_t multiply_by_quantized_multiplier_greater_than_one(int32_t x, int32_t multiplier,
                                                                  int shift) {
  OCTET_DCHECK(shift >= 0);
  return saturating_rounding_doubling_high_mul(shift_left_wrapping(x, shift), multiplier);
}

// Output clamp of an int8 (or uint8, with qmin = 0, qmax = 255) op with a fused activation,
// CalculateActivationRangeQuantized (§1.4): Z + RHAZ(bound / S) with the division in float32.
// Any activation other than RELU / RELU6 / RELU_N1_TO_1 leaves [qmin, qmax].
struct QuantizedActivationRange {
  int32_t min = -128;
  int32_t max = 127;
};

inline QuantizedActivationRange quantized_activation_range(runtime::Activation activation,
                                                           float scale, int32_t zero_point,
                                                           int32_t qmin = -128,
                                                           int32_t qmax = 127) {
  auto quantize = [&](float f) {
    return zero_point + static_cast<int32_t>(std::round(f / scale));
  };
  QuantizedActivationRange r{qmin, qmax};
  const int a = static_cast<int>(activation);
  if (activation == runtime::Activation::kRelu) {
    r.min = std::max(qmin, quantize(0.0f));
  } else if (activation == runtime::Activation::kRelu6) {
    r.min = std::max(qmin, quantize(0.0f));
    r.max = std::min(qmax, quantize(6.0f));
  } else if (a == 2) {  // RELU_N1_TO_1 (not in runtime::Activation, but TFLite's value 2)
    r.min = std::max(qmin, quantize(-1.0f));
    r.max = std::min(qmax, quantize(1.0f));
  }
  return r;
}

}  // namespace octet::kernels
