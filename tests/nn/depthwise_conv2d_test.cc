#include "nn/layers/depthwise_conv2d.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nn_test_util.h"

namespace octet::nn {
namespace {

using runtime::Padding;
using testing::build_or_die;
using testing::check_gradients;
using testing::make_tensor;
using testing::random_tensor;

TEST(DepthwiseConv2D, HandComputedMultiplier2) {
  // 2x2 image with 2 channels, 1x1 kernel, M = 2: out channel c*2+m = x[c] * k[c*2+m] + b.
  DepthwiseConv2D dw(1, 1, 1, 1, Padding::kValid, 2);
  EXPECT_EQ(build_or_die(dw, {2, 2, 2}), (Shape{2, 2, 4}));
  EXPECT_EQ(dw.kernel().shape, (Shape{1, 1, 4}));
  dw.kernel().data = {1, 2, 3, 4};
  dw.bias().data = {0, 0, 0, 10};
  Tensor x = make_tensor({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  ThreadPool pool(1);
  Context ctx{false, &pool, nullptr};
  Tensor y;
  dw.forward(x, y, ctx);
  EXPECT_EQ(y.data, (std::vector<float>{1, 2, 6, 18, 3, 6, 12, 26, 5, 10, 18, 34, 7, 14, 24, 42}));
}

TEST(DepthwiseConv2D, SameStride2OddPadding) {
  // 4x4 input, channel 0 = 1..16, channel 1 = all 1; 3x3 ones kernel for channel 0 and 2s for
  // channel 1; stride 2 SAME: padding 1 at the end only.
  DepthwiseConv2D dw(3, 3, 2, 2, Padding::kSame, 1, false);
  EXPECT_EQ(build_or_die(dw, {4, 4, 2}), (Shape{2, 2, 2}));
  EXPECT_EQ(dw.pad_top(), 0);
  for (int t = 0; t < 9; ++t) dw.kernel().data[t * 2] = 1, dw.kernel().data[t * 2 + 1] = 2;
  Tensor x({1, 4, 4, 2});
  for (int i = 0; i < 16; ++i) x.data[i * 2] = static_cast<float>(i + 1), x.data[i * 2 + 1] = 1;
  ThreadPool pool(1);
  Context ctx{false, &pool, nullptr};
  Tensor y;
  dw.forward(x, y, ctx);
  // Channel 0 as the Conv2D case (54 45 72 54); channel 1 = 2 * number of in-image taps (9 6 6 4).
  EXPECT_EQ(y.data, (std::vector<float>{54, 18, 45, 12, 72, 12, 54, 8}));
}

TEST(DepthwiseConv2D, GradientsM1Same) {
  DepthwiseConv2D dw(3, 3, 1, 1, Padding::kSame);
  build_or_die(dw, {5, 4, 3});
  dw.bias() = random_tensor({3}, 2);
  check_gradients(dw, random_tensor({2, 5, 4, 3}, 21));
}

TEST(DepthwiseConv2D, GradientsM2Stride2Same) {
  DepthwiseConv2D dw(3, 3, 2, 2, Padding::kSame, 2);
  build_or_die(dw, {6, 5, 3});
  check_gradients(dw, random_tensor({3, 6, 5, 3}, 22), {.threads = 2});
}

TEST(DepthwiseConv2D, GradientsM2ValidNoBias) {
  DepthwiseConv2D dw(2, 3, 1, 2, Padding::kValid, 2, false);
  build_or_die(dw, {5, 7, 2});
  EXPECT_EQ(dw.params().size(), 1u);
  check_gradients(dw, random_tensor({2, 5, 7, 2}, 23));
}

TEST(DepthwiseConv2D, InitUsesPerChannelFans) {
  DepthwiseConv2D dw(3, 3, 1, 1, Padding::kSame, 2);
  build_or_die(dw, {8, 8, 16});
  const double limit = std::sqrt(6.0 / (9 + 9 * 2));  // fan_in = KH*KW, fan_out = KH*KW*M
  double max_abs = 0;
  for (float v : dw.kernel().data) max_abs = std::max(max_abs, std::abs(static_cast<double>(v)));
  EXPECT_LE(max_abs, limit);
  EXPECT_GT(max_abs, 0.9 * limit);
  for (float v : dw.bias().data) EXPECT_EQ(v, 0.0f);
}

TEST(DepthwiseConv2D, ThreadCountDoesNotChangeResults) {
  DepthwiseConv2D dw(3, 3, 1, 1, Padding::kSame, 2);
  build_or_die(dw, {9, 9, 4});
  Tensor x = random_tensor({13, 9, 9, 4}, 5);
  Tensor y1, y2, gx1, gx2, g;
  Tensor gk[2];
  for (int t = 0; t < 2; ++t) {
    ThreadPool pool(t + 1);
    Context ctx{true, &pool, nullptr};
    dw.kernel_param().grad.fill(0);
    dw.forward(x, t ? y2 : y1, ctx);
    if (t == 0) g = random_tensor(y1.shape, 6);
    dw.backward(x, t ? y2 : y1, g, t ? &gx2 : &gx1, ctx);
    gk[t] = dw.kernel_param().grad;
  }
  EXPECT_TRUE(testing::same_bytes(y1, y2));
  EXPECT_TRUE(testing::same_bytes(gx1, gx2));
  EXPECT_TRUE(testing::same_bytes(gk[0], gk[1]));
}

}  // namespace
}  // namespace octet::nn
