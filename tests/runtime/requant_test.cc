// requant.h against the vectors of quantization.md §3 and an independent int64 formulation.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/rng.h"
#include "runtime/kernels/requant.h"

namespace octet::kernels {
namespace {

constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
constexpr int32_t kMax = std::numeric_limits<int32_t>::max();

TEST(QuantizeMultiplier, DocVectorsAndEdgeCases) {
  QuantizedMultiplier m = quantize_multiplier(0.011111111910680305);
  EXPECT_EQ(m.multiplier, 1527099593);
  EXPECT_EQ(m.shift, -6);
  m = quantize_multiplier(1.0);
  EXPECT_EQ(m.multiplier, 1 << 30);
  EXPECT_EQ(m.shift, 1);
  m = quantize_multiplier(0.5);
  EXPECT_EQ(m.multiplier, 1 << 30);
  EXPECT_EQ(m.shift, 0);
  m = quantize_multiplier(0.0);
  EXPECT_EQ(m.multiplier, 0);
  EXPECT_EQ(m.shift, 0);
  // q * 2^31 rounds up to 2^31: carried into the exponent.
  m = quantize_multiplier(1.0 - std::ldexp(1.0, -33));
  EXPECT_EQ(m.multiplier, 1 << 30);
  EXPECT_EQ(m.shift, 1);
  // Below 2^-32 the multiplier is flushed to zero.
  m = quantize_multiplier(std::ldexp(1.0, -40));
  EXPECT_EQ(m.multiplier, 0);
  EXPECT_EQ(m.shift, 0);
  m = quantize_multiplier(3.0);
  EXPECT_EQ(m.multiplier, 3 << 29);
  EXPECT_EQ(m.shift, 2);
  m = quantize_multiplier_smaller_than_one_exp(0.25);
  EXPECT_EQ(m.shift, -1);
  m = quantize_multiplier_greater_than_one(1.5);
  EXPECT_EQ(m.multiplier, 3 << 29);
  EXPECT_EQ(m.shift, 1);
}

TEST(Requant, SrdhmRoundsHalfUpAndSaturates) {
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-(1 << 30), 1), 0);       // -0.5 -> 0
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-3 * (1 << 29), 2), -1);  // -1.5 -> -1
  EXPECT_EQ(saturating_rounding_doubling_high_mul(3 * (1 << 29), 2), 2);    // +1.5 -> 2
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, kMin), kMax);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMax, kMax), kMax - 1);
}

TEST(Requant, RoundingDivideByPotRoundsHalfAwayFromZero) {
  EXPECT_EQ(rounding_divide_by_pot(3, 1), 2);
  EXPECT_EQ(rounding_divide_by_pot(-3, 1), -2);
  EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);
  EXPECT_EQ(rounding_divide_by_pot(5, 2), 1);
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);
  EXPECT_EQ(rounding_divide_by_pot(6, 2), 2);
  EXPECT_EQ(rounding_divide_by_pot(-7, 0), -7);
  EXPECT_EQ(rounding_divide_by_pot(kMin, 31), -1);
  EXPECT_EQ(rounding_divide_by_pot(kMax, 31), 1);
}

TEST(Requant, SaturatingRoundingMultiplyByPot) {
  EXPECT_EQ(saturating_rounding_multiply_by_pot(3, 2), 12);
  EXPECT_EQ(saturating_rounding_multiply_by_pot(1 << 29, 2), kMax);
  EXPECT_EQ(saturating_rounding_multiply_by_pot(-(1 << 29), 2), kMin);
  EXPECT_EQ(saturating_rounding_multiply_by_pot((1 << 29) - 1, 2), ((1 << 29) - 1) * 4);
  EXPECT_EQ(saturating_rounding_multiply_by_pot(-6, -2), -2);
}

TEST(Requant, MbqmDoubleRoundsLikeTflite) {
  // quantization.md §3.3: exact -7669.436, double rounding -7670 (single rounding would give -7669).
  EXPECT_EQ(multiply_by_quantized_multiplier(-20016, 1645682337, -1), -7670);
  EXPECT_EQ(multiply_by_quantized_multiplier(-3, 1 << 30, 0), -1);  // -1.5: SRDHM ties up
  EXPECT_EQ(multiply_by_quantized_multiplier(3, 1 << 30, 0), 2);
  EXPECT_EQ(multiply_by_quantized_multiplier(-3, 1 << 30, -1), -1);  // -0.75
  EXPECT_EQ(multiply_by_quantized_multiplier(-5, 1 << 30, -1), -1);  // SRDHM -2.5 -> -2, /2 -> -1
  EXPECT_EQ(multiply_by_quantized_multiplier(1000, 1 << 30, 1), 1000);  // M = 1 exactly
  EXPECT_EQ(multiply_by_quantized_multiplier(7, 3 << 29, 2), 21);       // M = 3
  EXPECT_EQ(multiply_by_quantized_multiplier_smaller_than_one_exp(-3, 1 << 30, 0), -1);
  EXPECT_EQ(multiply_by_quantized_multiplier_greater_than_one(5, 3 << 29, 1), 8);  // 7.5 -> 8
  // A multiplier of 2^38 and more (a scale ratio no converter writes): x * 2^shift wraps to 0
  // instead of shifting by 32 or more (undefined behaviour, found by fuzz_tflite_reader).
  EXPECT_EQ(shift_left_wrapping(3, 31), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(shift_left_wrapping(3, 32), 0);
  EXPECT_EQ(multiply_by_quantized_multiplier(5, 1 << 30, 69), 0);
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, 68)).shift, 69);
}

// The same function from its definition with int64 floor arithmetic.
int32_t mbqm_oracle(int32_t x, int32_t m, int shift) {
  const int left = std::max(shift, 0), right = std::max(-shift, 0);
  const int64_t p = static_cast<int64_t>(x) * (int64_t{1} << left) * m;
  // round(p / 2^31), ties toward +inf: floor((p + 2^30) / 2^31)
  const int64_t d = int64_t{1} << 31;
  int64_t t = p + (int64_t{1} << 30);
  int64_t first = t >= 0 ? t / d : -((-t + d - 1) / d);
  if (right == 0) return static_cast<int32_t>(first);
  // round(first / 2^right), ties away from zero
  const int64_t r = int64_t{1} << right;
  const int64_t mag = (std::llabs(first) + r / 2) / r;
  return static_cast<int32_t>(first < 0 ? -mag : mag);
}

TEST(Requant, MbqmMatchesAnInt64OracleOnRandomInputs) {
  Rng rng(20240611);
  for (int i = 0; i < 200000; ++i) {
    const int32_t x = static_cast<int32_t>(rng.uniform(-1.0f, 1.0f) * (i % 2 ? 40000.0f : 3000000.0f));
    const int32_t m = (1 << 30) + static_cast<int32_t>(rng.uniform(0.0f, 1.0f) * 1073741823.0f);
    const int shift = -static_cast<int>(rng.uniform(0.0f, 1.0f) * 20.0f);
    ASSERT_EQ(multiply_by_quantized_multiplier(x, m, shift), mbqm_oracle(x, m, shift))
        << "x " << x << " m " << m << " shift " << shift;
  }
}

TEST(Requant, ActivationRangeUsesRhazOfFloatDivision) {
  QuantizedActivationRange r = quantized_activation_range(runtime::Activation::kNone, 0.1f, 3);
  EXPECT_EQ(r.min, -128);
  EXPECT_EQ(r.max, 127);
  r = quantized_activation_range(runtime::Activation::kRelu, 0.1f, 5);
  EXPECT_EQ(r.min, 5);
  EXPECT_EQ(r.max, 127);
  r = quantized_activation_range(runtime::Activation::kRelu6, 0.1f, -128);
  EXPECT_EQ(r.min, -128);
  EXPECT_EQ(r.max, -68);
  r = quantized_activation_range(runtime::Activation::kRelu6, 12.0f, 0);  // 6 / 12 = 0.5 -> 1
  EXPECT_EQ(r.min, 0);
  EXPECT_EQ(r.max, 1);
  r = quantized_activation_range(runtime::Activation::kRelu6, 0.01f, 100);  // 600 -> clamp
  EXPECT_EQ(r.max, 127);
}

}  // namespace
}  // namespace octet::kernels
