#include "nn/layers/batch_norm.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nn_test_util.h"

namespace octet::nn {
namespace {

using testing::build_or_die;
using testing::check_gradients;
using testing::make_tensor;
using testing::random_tensor;

TEST(BatchNorm, BuildInitialisesKerasDefaults) {
  BatchNorm bn;
  EXPECT_EQ(build_or_die(bn, {4, 4, 3}), (Shape{4, 4, 3}));
  EXPECT_FLOAT_EQ(bn.momentum(), 0.99f);
  EXPECT_FLOAT_EQ(bn.epsilon(), 1e-3f);
  EXPECT_EQ(bn.gamma().data, (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(bn.beta().data, (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(bn.moving_mean().data, (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(bn.moving_variance().data, (std::vector<float>{1, 1, 1}));
  ASSERT_EQ(bn.params().size(), 2u);
  EXPECT_EQ(bn.params()[0]->name, "gamma");
  EXPECT_EQ(bn.params()[1]->name, "beta");
  ASSERT_EQ(bn.buffers().size(), 2u);
  EXPECT_EQ(bn.buffers()[0], &bn.moving_mean());
  EXPECT_EQ(bn.buffers()[1], &bn.moving_variance());
}

TEST(BatchNorm, TrainingNormalisesWithBiasedBatchStatsAndUpdatesMovingStats) {
  BatchNorm bn(0.9f, 1e-3f);
  build_or_die(bn, {2});
  // Channel 0: 1, 2, 3, 6 (mean 3, biased var 3.5); channel 1: constant 5 (var 0).
  Tensor x = make_tensor({4, 2}, {1, 5, 2, 5, 3, 5, 6, 5});
  bn.gamma().data = {2, 1};
  bn.beta().data = {0.5f, -1};
  ThreadPool pool(2);
  Context ctx{true, &pool, nullptr};
  Tensor y;
  bn.forward(x, y, ctx);
  EXPECT_FLOAT_EQ(bn.batch_mean()[0], 3.0f);
  EXPECT_FLOAT_EQ(bn.batch_variance()[0], 3.5f);
  EXPECT_FLOAT_EQ(bn.batch_variance()[1], 0.0f);
  const float inv = 1.0f / std::sqrt(3.5f + 1e-3f);
  const float x0[4] = {1, 2, 3, 6};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(y.data[i * 2], 2 * (x0[i] - 3) * inv + 0.5f, 1e-6);
    EXPECT_NEAR(y.data[i * 2 + 1], -1.0f, 1e-6);
  }
  // moving = 0.9 * moving + 0.1 * batch, from (0, 1).
  EXPECT_FLOAT_EQ(bn.moving_mean().data[0], 0.3f);
  EXPECT_FLOAT_EQ(bn.moving_mean().data[1], 0.5f);
  EXPECT_FLOAT_EQ(bn.moving_variance().data[0], 0.9f + 0.35f);
  EXPECT_FLOAT_EQ(bn.moving_variance().data[1], 0.9f);
  bn.forward(x, y, ctx);  // a second step compounds
  EXPECT_FLOAT_EQ(bn.moving_mean().data[0], 0.9f * 0.3f + 0.3f);
}

TEST(BatchNorm, InferenceUsesMovingStatsAndLeavesThemAlone) {
  BatchNorm bn;
  build_or_die(bn, {1, 1, 2});
  bn.moving_mean().data = {1, -2};
  bn.moving_variance().data = {4, 0.25f};
  bn.gamma().data = {3, 1};
  bn.beta().data = {0, 1};
  Tensor x = make_tensor({2, 1, 1, 2}, {1, -2, 3, 0});
  ThreadPool pool(1);
  Context ctx{false, &pool, nullptr};
  Tensor y;
  bn.forward(x, y, ctx);
  EXPECT_NEAR(y.data[0], 0.0f, 1e-6);
  EXPECT_NEAR(y.data[1], 1.0f, 1e-6);
  EXPECT_NEAR(y.data[2], 3 * 2 / std::sqrt(4 + 1e-3f), 1e-5);
  EXPECT_NEAR(y.data[3], 2 / std::sqrt(0.25f + 1e-3f) + 1, 1e-5);
  EXPECT_EQ(bn.moving_mean().data, (std::vector<float>{1, -2}));
  EXPECT_EQ(bn.moving_variance().data, (std::vector<float>{4, 0.25f}));
}

TEST(BatchNorm, GradientsTraining) {
  BatchNorm bn;
  build_or_die(bn, {3, 2, 4});
  bn.gamma() = random_tensor({4}, 71, 0.5f, 2.0f);
  bn.beta() = random_tensor({4}, 72);
  check_gradients(bn, random_tensor({3, 3, 2, 4}, 73, -2.0f, 2.0f), {.eps = 1e-2f, .training = true, .threads = 2});
}

TEST(BatchNorm, GradientsTrainingDense) {
  BatchNorm bn(0.9f, 1e-2f);
  build_or_die(bn, {5});
  check_gradients(bn, random_tensor({6, 5}, 74), {.eps = 5e-3f, .training = true});
}

TEST(BatchNorm, GradientsInference) {
  BatchNorm bn;
  build_or_die(bn, {2, 2, 3});
  bn.moving_mean() = random_tensor({3}, 75);
  bn.moving_variance() = random_tensor({3}, 76, 0.5f, 2.0f);
  bn.gamma() = random_tensor({3}, 77, 0.5f, 2.0f);
  check_gradients(bn, random_tensor({2, 2, 2, 3}, 78), {.training = false});
}

TEST(BatchNorm, ThreadCountDoesNotChangeResults) {
  Tensor x = random_tensor({37, 5, 5, 6}, 9, -3.0f, 5.0f), g = random_tensor({37, 5, 5, 6}, 10);
  Tensor y[2], gx[2], gg[2], mm[2];
  for (int t = 0; t < 2; ++t) {
    BatchNorm bn;
    build_or_die(bn, {5, 5, 6});
    ThreadPool pool(t + 1);
    Context ctx{true, &pool, nullptr};
    bn.forward(x, y[t], ctx);
    bn.backward(x, y[t], g, &gx[t], ctx);
    gg[t] = bn.gamma_param().grad, mm[t] = bn.moving_variance();
  }
  EXPECT_TRUE(testing::same_bytes(y[0], y[1]));
  EXPECT_TRUE(testing::same_bytes(gx[0], gx[1]));
  EXPECT_TRUE(testing::same_bytes(gg[0], gg[1]));
  EXPECT_TRUE(testing::same_bytes(mm[0], mm[1]));
}

}  // namespace
}  // namespace octet::nn
