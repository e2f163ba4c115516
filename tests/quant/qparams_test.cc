// The converter arithmetic of quantization.md §2.3 (activations), §2.4 (weights), §2.6 (bias)
// and §5.4 (float16), checked on the spec's examples and on the degenerate cases.
#include "quant/qparams.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "core/rng.h"

namespace octet::quant {
namespace {

TEST(ActivationParams, SpecExample) {
  // mn = -1, mx = 3 -> S = 4/255, zp_f = -128 + 63.75 = -64.25 -> Z = -64 (§2.3).
  auto p = activation_params(-1.0f, 3.0f);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->scale, 4.0f / 255.0f);
  EXPECT_EQ(p->zero_point, -64);
  EXPECT_FALSE(p->widened);
  EXPECT_FALSE(p->wide_range);
}

TEST(ActivationParams, InputImageRange) {
  auto p = activation_params(0.0f, 1.0f);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->scale, 1.0f / 255.0f);
  EXPECT_EQ(p->zero_point, -128);
}

TEST(ActivationParams, AllPositiveRangeIncludesZero) {
  auto p = activation_params(0.5f, 2.0f);  // rmin forced to 0
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->scale, 2.0f / 255.0f);
  EXPECT_EQ(p->zero_point, -128);
}

TEST(ActivationParams, AllNegativeRangeIncludesZero) {
  auto p = activation_params(-2.0f, -0.5f);  // rmax forced to 0: zp_f = -128 + 255 = 127
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->scale, 2.0f / 255.0f);
  EXPECT_EQ(p->zero_point, 127);
}

TEST(ActivationParams, ZeroRangeIsWidenedNotZeroScale) {
  auto p = activation_params(0.0f, 0.0f);  // [-1e-6, 1e-6]
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->widened);
  EXPECT_GT(p->scale, 0.0f);
  EXPECT_EQ(p->scale, (static_cast<float>(1e-6) - static_cast<float>(-1e-6)) / 255.0f);
  EXPECT_NEAR(p->scale, 7.843e-9, 1e-11);
  EXPECT_TRUE(p->zero_point == -1 || p->zero_point == 0) << p->zero_point;
  // A constant non-zero tensor keeps its range (it includes 0 already wider than 1e-6).
  auto c = activation_params(0.25f, 0.25f);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->widened);
  EXPECT_EQ(c->scale, 0.25f / 255.0f);
  // A tiny constant is widened.
  auto t = activation_params(1e-7f, 1e-7f);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->widened);
}

TEST(ActivationParams, WideRangeFlagAndErrors) {
  auto p = activation_params(-4.0f, 6.0f);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->wide_range);
  EXPECT_FALSE(activation_params(NAN, 1.0f).ok());
  EXPECT_FALSE(activation_params(0.0f, INFINITY).ok());
  EXPECT_FALSE(activation_params(2.0f, 1.0f).ok());
  EXPECT_FALSE(activation_params(-3e38f, 3e38f).ok());  // the scale overflows
}

TEST(ActivationParams, ZeroPointRoundsHalfAwayFromZero) {
  // Exhaustive over simple ranges: Z must equal RHAZ of the float32 zp_f computed as §2.3 says.
  for (int a = 1; a <= 40; ++a) {
    for (int b = 1; b <= 40; ++b) {
      const float mn = -0.1f * static_cast<float>(a), mx = 0.1f * static_cast<float>(b);
      auto p = activation_params(mn, mx);
      ASSERT_TRUE(p.ok());
      const float s = (mx - mn) / 255.0f;
      ASSERT_EQ(p->scale, s);
      const float zp_f = static_cast<float>(-128.0 - static_cast<double>(mn) / static_cast<double>(s));
      ASSERT_EQ(p->zero_point, static_cast<int32_t>(std::round(zp_f))) << mn << " " << mx;
    }
  }
}

TEST(WeightQuant, PerChannelConvWithAllZeroChannel) {
  // OHWI [2, 1, 1, 3]: channel 0 has max |w| = 1, channel 1 is all zero.
  const std::vector<float> w = {0.5f, -1.0f, 0.25f, 0.0f, 0.0f, 0.0f};
  WeightQuant q = quantize_weights_per_channel(w.data(), {2, 1, 1, 3}, 0);
  ASSERT_EQ(q.scales.size(), 2u);
  EXPECT_EQ(q.axis, 0);
  EXPECT_EQ(q.scales[0], 2.0f / 254.0f);
  // 0.5 * 127 = 63.5 -> 64 (ties away from zero), -1 -> -127, 0.25 * 127 = 31.75 -> 32.
  EXPECT_EQ(q.values[0], 64);
  EXPECT_EQ(q.values[1], -127);
  EXPECT_EQ(q.values[2], 32);
  // All-zero channel: the range is widened to +-5e-7, S = 1e-6 / 254 ~ 3.94e-9 (not 0, not 1).
  EXPECT_EQ(q.scales[1], (static_cast<float>(5e-7) - static_cast<float>(-5e-7)) / 254.0f);
  EXPECT_NEAR(q.scales[1], 3.937e-9, 1e-11);
  EXPECT_EQ(q.values[3], 0);
  EXPECT_EQ(q.zero_channels, std::vector<int32_t>{1});
  EXPECT_EQ(q.min[0], -1.0f);
  EXPECT_EQ(q.max[0], 0.5f);
}

TEST(WeightQuant, DepthwiseUsesLastAxis) {
  // [1, 2, 1, 3]: channel c is every third value.
  const std::vector<float> w = {1.0f, 0.1f, -3.0f, -2.0f, 0.2f, 1.5f};
  WeightQuant q = quantize_weights_per_channel(w.data(), {1, 2, 1, 3}, 3);
  ASSERT_EQ(q.scales.size(), 3u);
  EXPECT_EQ(q.axis, 3);
  EXPECT_EQ(q.scales[0], 4.0f / 254.0f);
  EXPECT_EQ(q.scales[1], (0.2f - -0.2f) / 254.0f);
  EXPECT_EQ(q.scales[2], 6.0f / 254.0f);
  EXPECT_EQ(q.values[3], -127);  // -2 on channel 0
  EXPECT_EQ(q.values[4], 127);   // 0.2 on channel 1
  EXPECT_EQ(q.values[2], -127);  // -3 on channel 2
  EXPECT_TRUE(q.zero_channels.empty());
}

TEST(WeightQuant, MultipliesByTheFloatReciprocal) {
  // Random weights: every q must be clamp(RHAZ(w * fl32(1 / S))); and at least one of them
  // differs from RHAZ(w / S), which is the pitfall §8.6 warns about.
  Rng rng(7);
  int differs = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<float> w(64);
    for (float& v : w) v = rng.uniform(-1.0f, 1.0f) * static_cast<float>(1 + trial % 13);
    WeightQuant q = quantize_weights_per_channel(w.data(), {1, 64}, 0);
    const float s = q.scales[0];
    const float inv = static_cast<float>(1.0 / static_cast<double>(s));
    for (size_t k = 0; k < w.size(); ++k) {
      const float expect = std::fmin(127.0f, std::fmax(-127.0f, std::round(w[k] * inv)));
      ASSERT_EQ(q.values[k], static_cast<int8_t>(expect));
      if (std::round(w[k] / s) != std::round(w[k] * inv)) ++differs;
    }
    // Quantize some exact multiples of S / 2 (ties) as well.
    std::vector<float> ties(64);
    for (int k = 0; k < 64; ++k) ties[k] = (static_cast<float>(k) + 0.5f) * s;
    ties[63] = w[0];
    WeightQuant qt = quantize_weights_per_channel(ties.data(), {1, 64}, 0);
    const float inv_t = static_cast<float>(1.0 / static_cast<double>(qt.scales[0]));
    for (int k = 0; k < 64; ++k) {
      const float expect = std::fmin(127.0f, std::fmax(-127.0f, std::round(ties[k] * inv_t)));
      ASSERT_EQ(qt.values[k], static_cast<int8_t>(expect));
      if (std::round(ties[k] / qt.scales[0]) != std::round(ties[k] * inv_t)) ++differs;
    }
  }
  EXPECT_GT(differs, 0) << "no case distinguishes w * fl32(1/S) from w / S";
}

TEST(WeightQuant, PerTensor) {
  const std::vector<float> w = {0.5f, -2.0f, 1.0f, 0.01f};
  WeightQuant q = quantize_weights_per_tensor(w.data(), 4);
  ASSERT_EQ(q.scales.size(), 1u);
  EXPECT_EQ(q.scales[0], 2.0f / 127.0f);
  const float inv = 127.0f / 2.0f;
  EXPECT_EQ(q.values[0], static_cast<int8_t>(std::round(0.5f * inv)));  // 31.75 -> 32
  EXPECT_EQ(q.values[1], -127);
  EXPECT_EQ(q.values[2], 64);  // 63.5 -> 64
  EXPECT_EQ(q.values[3], 1);   // 0.635 -> 1
  const std::vector<float> zero(5, 0.0f);
  WeightQuant z = quantize_weights_per_tensor(zero.data(), 5);
  EXPECT_EQ(z.scales[0], 1.0f);  // PortableSymmetricQuantizeFloats: range 0 -> S = 1
  EXPECT_EQ(z.zero_channels.size(), 1u);
}

TEST(FewerBits, ActivationRangeIsNarrower) {
  // 4 bits: q in [-8, 7], S = 4/15, zp_f = -8 + 1/S = -4.25 -> -4.
  auto p = activation_params(-1.0f, 3.0f, 4);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->scale, 4.0f / 15.0f);
  EXPECT_EQ(p->zero_point, -4);
  // 2 bits, all positive: q in [-2, 1], Z = qmin.
  auto q = activation_params(0.0f, 3.0f, 2);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->scale, 1.0f);
  EXPECT_EQ(q->zero_point, -2);
  // All negative: Z = qmax.
  auto n = activation_params(-3.0f, -1.0f, 3);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->zero_point, 3);
  // 8 bits is the converter's formula.
  for (float mx : {0.3f, 1.0f, 7.7f}) {
    auto a = activation_params(-0.1f, mx, 8), b = activation_params(-0.1f, mx);
    EXPECT_EQ(a->scale, b->scale);
    EXPECT_EQ(a->zero_point, b->zero_point);
  }
}

TEST(FewerBits, WeightsStayInsideTheSymmetricRange) {
  // Two output channels of 4 values, axis 0.
  const std::vector<float> w = {0.5f, -2.0f, 1.0f, 0.01f, 3.0f, -1.4f, 0.2f, -3.0f};
  for (int bits = 2; bits <= 8; ++bits) {
    const int qmax = (1 << (bits - 1)) - 1;
    WeightQuant pc = quantize_weights_per_channel(w.data(), {2, 4}, 0, bits);
    WeightQuant pt = quantize_weights_per_tensor(w.data(), 8, bits);
    EXPECT_EQ(pc.scales[0], 4.0f / (2.0f * qmax)) << bits;
    EXPECT_EQ(pt.scales[0], 3.0f / qmax) << bits;
    for (const WeightQuant* q : {&pc, &pt}) {
      EXPECT_EQ(*std::max_element(q->values.begin(), q->values.end()), qmax) << bits;
      EXPECT_EQ(*std::min_element(q->values.begin(), q->values.end()), -qmax) << bits;
    }
  }
  // 2 bits is ternary: channel 0 (max 2) gives 0.5 -> RHAZ(0.25) = 0, 1.0 -> RHAZ(0.5) = 1.
  WeightQuant t = quantize_weights_per_channel(w.data(), {2, 4}, 0, 2);
  EXPECT_EQ(t.values, (std::vector<int8_t>{0, -1, 1, 0, 1, 0, 0, -1}));
  WeightQuant w8 = quantize_weights_per_channel(w.data(), {2, 4}, 0, 8), wd = quantize_weights_per_channel(w.data(), {2, 4}, 0);
  EXPECT_EQ(w8.values, wd.values);
  EXPECT_EQ(w8.scales, wd.scales);
}

TEST(BiasQuant, PerChannelScalesAndValues) {
  const float s_in = 0.5f;
  const std::vector<float> s_w = {0.01f, 0.02f};
  const std::vector<float> b = {0.123f, -1.0f};
  BiasQuant q = quantize_bias(b.data(), 2, s_in, s_w);
  ASSERT_EQ(q.scales.size(), 2u);
  for (int c = 0; c < 2; ++c) {
    const float s = static_cast<float>(0.5 * static_cast<double>(s_w[c]));
    EXPECT_EQ(q.scales[c], s);
    const float inv = static_cast<float>(1.0 / static_cast<double>(s));
    EXPECT_EQ(q.values[c], static_cast<int32_t>(std::round(b[c] * inv)));
  }
  EXPECT_EQ(q.values[0], 25);    // 0.123 / 0.005 = 24.6
  EXPECT_EQ(q.values[1], -100);  // -1 / 0.01
  EXPECT_EQ(q.saturated, 0);
}

TEST(BiasQuant, PerTensorAndSaturation) {
  const std::vector<float> b = {1e30f, -1e30f, 0.0f};
  BiasQuant q = quantize_bias(b.data(), 3, 0.1f, {0.2f});
  ASSERT_EQ(q.scales.size(), 1u);
  EXPECT_EQ(q.scales[0], static_cast<float>(static_cast<double>(0.1f) * static_cast<double>(0.2f)));
  EXPECT_EQ(q.values[0], std::numeric_limits<int32_t>::max());
  EXPECT_EQ(q.values[1], -std::numeric_limits<int32_t>::max());  // never INT32_MIN
  EXPECT_EQ(q.values[2], 0);
  EXPECT_EQ(q.saturated, 2);
}

float from_bits(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

TEST(Float16, KnownValues) {
  EXPECT_EQ(float_to_half(0.0f), 0x0000);
  EXPECT_EQ(float_to_half(-0.0f), 0x8000);
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(0.1f), 0x2e66);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half(65519.99f), 0x7bff);
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);  // tie between 65504 (odd) and 2^16 -> inf
  EXPECT_EQ(float_to_half(1e10f), 0x7c00);
  EXPECT_EQ(float_to_half(-1e10f), 0xfc00);
  EXPECT_EQ(float_to_half(INFINITY), 0x7c00);
  EXPECT_EQ(float_to_half(NAN) & 0x7e00, 0x7e00);
  // Ties to even at 1.0: 1 + 2^-11 is halfway between 1 and 1 + 2^-10.
  EXPECT_EQ(float_to_half(1.0f + 0x1p-11f), 0x3c00);
  EXPECT_EQ(float_to_half(1.0f + 3 * 0x1p-11f), 0x3c02);
  // Subnormals: 2^-24 is the smallest; 2^-25 ties to 0 (even); just above it rounds up.
  EXPECT_EQ(float_to_half(0x1p-24f), 0x0001);
  EXPECT_EQ(float_to_half(0x1p-25f), 0x0000);
  EXPECT_EQ(float_to_half(from_bits(0x33000001)), 0x0001);
  EXPECT_EQ(float_to_half(3 * 0x1p-25f), 0x0002);  // 1.5 ulp -> 2 (even)
  EXPECT_EQ(float_to_half(1e-8f), 0x0000);
  EXPECT_EQ(float_to_half(0x1p-14f), 0x0400);          // smallest normal
  EXPECT_EQ(float_to_half(0x1p-14f - 0x1p-25f), 0x0400);  // rounds up from the subnormal range
  EXPECT_EQ(float_to_half(from_bits(1)), 0x0000);      // float subnormal
}

TEST(Float16, EveryHalfRoundTrips) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = half_to_float(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_EQ(h & 0x7c00u, 0x7c00u);
      continue;
    }
    ASSERT_EQ(float_to_half(f), h) << std::hex << h;
  }
  EXPECT_EQ(half_to_float(0x0001), 0x1p-24f);
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
}

TEST(Float16, NearestEvenAgainstMidpoints) {
  // For random floats, the result must be one of the two neighbouring halves, the nearer one,
  // and the even one on a tie (checked in double, where the midpoints are exact).
  Rng rng(11);
  for (int i = 0; i < 200000; ++i) {
    const uint32_t bits = static_cast<uint32_t>(rng.next_u64()) & 0x7fffffffu;
    const float f = from_bits(bits);
    if (!std::isfinite(f) || f >= 65504.0f) continue;
    const uint16_t h = float_to_half(f);
    const double got = half_to_float(h);
    const double lo = half_to_float(static_cast<uint16_t>(h - (h > 0 ? 1 : 0)));
    const double hi = half_to_float(static_cast<uint16_t>(h + 1));
    const double err = std::fabs(got - f);
    ASSERT_LE(err, std::fabs(lo - f)) << f;
    if (h < 0x7bff) {
      ASSERT_LE(err, std::fabs(hi - f)) << f;
    }
    if (err == std::fabs(lo - f) && h > 0 && err > 0) {
      ASSERT_EQ(h & 1, 0) << f;
    }
  }
}

TEST(Fnv1a64, KnownValues) {
  EXPECT_EQ(fnv1a64(nullptr, 0), 0xcbf29ce484222325ull);
  const int64_t v[] = {1, 2};
  EXPECT_EQ(fnv1a64(v, 2), 0x7717980363c8e066ull);
}

}  // namespace
}  // namespace octet::quant
