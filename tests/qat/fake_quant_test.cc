// Fake-quant layers: the grid and rounding on hand-computed cases, the straight-through
// gradients, range tracking, and per-channel weight fake quantization.
#include <gtest/gtest.h>

#include "core/rng.h"
#include "core/thread_pool.h"
#include "nn/layers/dense.h"
#include "qat/fake_quant.h"

namespace octet::qat {
namespace {

TEST(FakeQuant, GridAndRoundingAt8Bits) {
  // [0, 2.55]: S = 2.55 / 255 = 0.01, Z = -128; the container holds [0, 2.55].
  auto g = activation_grid(0.0f, 2.55f, 8);
  ASSERT_TRUE(g.ok());
  EXPECT_NEAR(g->scale, 0.01f, 1e-7f);
  EXPECT_EQ(g->zero_point, -128);
  EXPECT_NEAR(g->lo, 0.0f, 1e-7f);
  EXPECT_NEAR(g->hi, 2.55f, 1e-6f);
  EXPECT_NEAR(fake_quantize(0.123f, *g), 0.12f, 1e-6f);
  EXPECT_NEAR(fake_quantize(0.125f, *g), 0.13f, 1e-6f);  // 12.5 steps: half away from zero
  EXPECT_NEAR(fake_quantize(3.0f, *g), 2.55f, 1e-6f);    // saturates at q = 127
  EXPECT_EQ(fake_quantize(-0.5f, *g), 0.0f);             // saturates at q = -128 = Z
}

TEST(FakeQuant, FourBitsUseTheNarrowScaleButTheInt8Container) {
  // [-1, 2] at 4 bits: S = 3 / 15 = 0.2, Z = RHAZ(-8 - (-1 / 0.2)) = -3.
  auto g = activation_grid(-1.0f, 2.0f, 4);
  ASSERT_TRUE(g.ok());
  EXPECT_NEAR(g->scale, 0.2f, 1e-7f);
  EXPECT_EQ(g->zero_point, -3);
  EXPECT_NEAR(fake_quantize(0.31f, *g), 0.4f, 1e-6f);  // 1.55 steps -> 2
  // The int8 kernels clamp to [-128, 127] only: 5.0 (q = 22) stays representable.
  EXPECT_NEAR(fake_quantize(5.0f, *g), 5.0f, 1e-5f);
  EXPECT_NEAR(g->lo, -25.0f, 1e-4f);  // (-128 + 3) * 0.2
  EXPECT_NEAR(g->hi, 26.0f, 1e-4f);   // (127 + 3) * 0.2
  // A tie: 0.5 steps rounds to 1 step, but the stored value -2.5 rounds to -3 = Z, i.e. 0.
  EXPECT_NEAR(fake_quantize(0.1f, *g), 0.2f, 1e-6f);
  EXPECT_EQ(fake_quantize(0.1f, *g, /*round_stored=*/true), 0.0f);
}

TEST(FakeQuant, StraightThroughGradientInsideTheRangeOnly) {
  auto range = std::make_shared<ActivationRange>(ActivationRange{0.0f, 2.55f});
  FakeQuantActivation fq(range, 8, /*track=*/false);
  Tensor in({1, 4}), out, grad_out({1, 4}), grad_in;
  in.data = {-0.5f, 0.5f, 2.5f, 3.0f};
  grad_out.data = {1.0f, 2.0f, 3.0f, 4.0f};
  nn::Context ctx{true, &ThreadPool::global(), nullptr};
  fq.forward(in, out, ctx);
  EXPECT_EQ(out.data[0], 0.0f);
  EXPECT_NEAR(out.data[3], 2.55f, 1e-6f);
  fq.backward(in, out, grad_out, &grad_in, ctx);
  EXPECT_EQ(grad_in.data, (std::vector<float>{0.0f, 2.0f, 3.0f, 0.0f}));
  EXPECT_EQ(range->min, 0.0f);  // not tracking: the range stays
  EXPECT_EQ(range->max, 2.55f);
}

TEST(FakeQuant, TracksAMovingAverageOfBatchRangesInTrainingOnly) {
  auto range = std::make_shared<ActivationRange>(ActivationRange{0.0f, 2.0f});
  FakeQuantActivation fq(range, 8, /*track=*/true, /*ema=*/0.5f);
  Tensor in({1, 3}), out;
  in.data = {-1.0f, 0.5f, 4.0f};
  nn::Context train{true, &ThreadPool::global(), nullptr};
  fq.forward(in, out, train);
  EXPECT_FLOAT_EQ(range->min, -0.5f);  // 0 + 0.5 (-1 - 0)
  EXPECT_FLOAT_EQ(range->max, 3.0f);   // 2 + 0.5 (4 - 2)
  nn::Context infer{false, &ThreadPool::global(), nullptr};
  fq.forward(in, out, infer);
  EXPECT_FLOAT_EQ(range->min, -0.5f);
  EXPECT_FLOAT_EQ(range->max, 3.0f);
}

TEST(FakeQuant, WeightsPerChannelAndStraightThroughToTheFloatKernel) {
  nn::Dense dense(2);
  Rng rng(1);
  ASSERT_TRUE(dense.build({2}, rng).ok());
  // Kernel [In, Units]: unit 0 has weights {1.0, 0.3}, unit 1 has {-0.5, 0.2}.
  const std::vector<float> w = {1.0f, -0.5f, 0.3f, 0.2f};
  dense.kernel().data = w;
  // 2 bits: q in [-1, 1], S_c = max|w_c|: unit 0 -> {1, 0} * 1.0, unit 1 -> {-1, 0} * 0.5.
  FakeQuantWeights fq(&dense, {2}, 2);
  Tensor in({1, 2}), out, grad_out({1, 2}), grad_in;
  in.data = {1.0f, 1.0f};
  grad_out.data = {1.0f, 1.0f};
  nn::Context ctx{true, &ThreadPool::global(), nullptr};
  for (nn::Param* p : fq.params()) p->grad.fill(0.0f);
  fq.forward(in, out, ctx);
  EXPECT_EQ(fq.quantized_kernel(), (std::vector<float>{1.0f, -0.5f, 0.0f, 0.0f}));
  EXPECT_EQ(out.data, (std::vector<float>{1.0f, -0.5f}));
  fq.backward(in, out, grad_out, &grad_in, ctx);
  EXPECT_EQ(grad_in.data, (std::vector<float>{0.5f, 0.0f}));  // through the quantized kernel
  EXPECT_EQ(dense.kernel_param().grad.data, (std::vector<float>{1.0f, 1.0f, 1.0f, 1.0f}));  // x^T g
  EXPECT_EQ(dense.kernel().data, w);  // the float kernel is what the optimizer updates
}

}  // namespace
}  // namespace octet::qat
