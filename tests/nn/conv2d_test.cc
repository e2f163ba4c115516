#include "nn/layers/conv2d.h"

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

// Straight loops in the order of the math: the specification the GEMM path must match.
Tensor conv2d_ref(const Tensor& x, const Tensor& k, const Tensor* b, int sh, int sw, int pt, int pl, int oh, int ow) {
  const int n = x.dim(0), h = x.dim(1), w = x.dim(2), ci = x.dim(3);
  const int kh = k.dim(0), kw = k.dim(1), co = k.dim(3);
  Tensor y({n, oh, ow, co});
  for (int i = 0; i < n; ++i)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        for (int o = 0; o < co; ++o) {
          double acc = b ? b->data[o] : 0.0;
          for (int ky = 0; ky < kh; ++ky)
            for (int kx = 0; kx < kw; ++kx) {
              int iy = oy * sh - pt + ky, ix = ox * sw - pl + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              for (int c = 0; c < ci; ++c)
                acc += static_cast<double>(x.data[((i * h + iy) * w + ix) * ci + c]) *
                       k.data[((ky * kw + kx) * ci + c) * co + o];
            }
          y.data[((i * oh + oy) * ow + ox) * co + o] = static_cast<float>(acc);
        }
  return y;
}

TEST(Conv2D, ValidHandComputed) {
  // 3x3 single-channel image, 2x2 kernel [[1, 0], [0, -1]], bias 0.5: out = x[y][x] - x[y+1][x+1] + 0.5.
  Conv2D conv(1, 2, 2, 1, 1, Padding::kValid);
  EXPECT_EQ(build_or_die(conv, {3, 3, 1}), (Shape{2, 2, 1}));
  conv.kernel().data = {1, 0, 0, -1};
  conv.bias().data = {0.5f};
  Tensor x = make_tensor({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 10});
  ThreadPool pool(1);
  Context ctx{false, &pool, nullptr};
  Tensor y;
  conv.forward(x, y, ctx);
  ASSERT_EQ(y.shape, (Shape{1, 2, 2, 1}));
  EXPECT_EQ(y.data, (std::vector<float>{1 - 5 + 0.5f, 2 - 6 + 0.5f, 4 - 8 + 0.5f, 5 - 10 + 0.5f}));
}

TEST(Conv2D, SameStride2OddPaddingGoesAtTheEnd) {
  // 4x4 input 1..16, 3x3 all-ones kernel, stride 2, SAME: out 2x2, total padding 1 per axis,
  // all of it after the image (TFLite), so window (0,0) covers rows/cols 0..2.
  Conv2D conv(1, 3, 3, 2, 2, Padding::kSame, /*use_bias=*/false);
  EXPECT_EQ(build_or_die(conv, {4, 4, 1}), (Shape{2, 2, 1}));
  EXPECT_EQ(conv.pad_top(), 0);
  EXPECT_EQ(conv.pad_left(), 0);
  EXPECT_EQ(conv.params().size(), 1u);
  conv.kernel().fill(1.0f);
  Tensor x({1, 4, 4, 1});
  for (int i = 0; i < 16; ++i) x.data[i] = static_cast<float>(i + 1);
  ThreadPool pool(1);
  Context ctx{false, &pool, nullptr};
  Tensor y;
  conv.forward(x, y, ctx);
  EXPECT_EQ(y.data, (std::vector<float>{54, 45, 72, 54}));
}

TEST(Conv2D, SameStride1PadsBothSidesForOddKernels) {
  // 3x3 input, 3x3 kernel with a single 1 at the top-left tap: out[y][x] = in[y-1][x-1] (0 outside).
  Conv2D conv(1, 3, 3, 1, 1, Padding::kSame, false);
  build_or_die(conv, {3, 3, 1});
  EXPECT_EQ(conv.pad_top(), 1);
  conv.kernel().fill(0.0f);
  conv.kernel().data[0] = 1.0f;
  Tensor x = make_tensor({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  ThreadPool pool(1);
  Context ctx{false, &pool, nullptr};
  Tensor y;
  conv.forward(x, y, ctx);
  EXPECT_EQ(y.data, (std::vector<float>{0, 0, 0, 0, 1, 2, 0, 4, 5}));
}

TEST(Conv2D, MultiChannelMatchesReference) {
  struct Case {
    int h, w, ci, co, kh, kw, sh, sw;
    Padding pad;
    bool bias;
  } cases[] = {
      {7, 6, 3, 5, 3, 3, 1, 1, Padding::kSame, true},  {7, 6, 3, 5, 3, 3, 2, 2, Padding::kSame, true},
      {8, 9, 2, 4, 3, 2, 2, 1, Padding::kValid, true}, {5, 5, 4, 6, 1, 1, 1, 1, Padding::kValid, true},
      {6, 7, 3, 2, 4, 4, 3, 2, Padding::kSame, false}, {28, 28, 1, 8, 3, 3, 1, 1, Padding::kValid, true},
  };
  for (const Case& c : cases) {
    Conv2D conv(c.co, c.kh, c.kw, c.sh, c.sw, c.pad, c.bias);
    Shape os = build_or_die(conv, {c.h, c.w, c.ci}, 5);
    if (c.bias) conv.bias() = random_tensor({c.co}, 6);
    for (int threads : {1, 2}) {
      Tensor x = random_tensor({5, c.h, c.w, c.ci}, 7);
      ThreadPool pool(threads);
      Context ctx{false, &pool, nullptr};
      Tensor y;
      conv.forward(x, y, ctx);
      Tensor ref = conv2d_ref(x, conv.kernel(), c.bias ? &conv.bias() : nullptr, c.sh, c.sw, conv.pad_top(),
                              conv.pad_left(), os[0], os[1]);
      EXPECT_LT(testing::max_rel_diff(y, ref), 1e-5) << c.h << "x" << c.w << " k" << c.kh << " s" << c.sh;
    }
  }
}

TEST(Conv2D, GradientsSameStride1) {
  Conv2D conv(3, 3, 3, 1, 1, Padding::kSame);
  build_or_die(conv, {5, 4, 2});
  conv.bias() = random_tensor({3}, 3);
  check_gradients(conv, random_tensor({2, 5, 4, 2}, 11));
}

TEST(Conv2D, GradientsSameStride2OddPadding) {
  Conv2D conv(4, 3, 3, 2, 2, Padding::kSame);
  build_or_die(conv, {6, 5, 3});
  check_gradients(conv, random_tensor({3, 6, 5, 3}, 12), {.threads = 2});
}

TEST(Conv2D, GradientsValidStride2RectangularKernel) {
  Conv2D conv(2, 3, 2, 2, 1, Padding::kValid, false);
  build_or_die(conv, {7, 6, 3});
  check_gradients(conv, random_tensor({2, 7, 6, 3}, 13));
}

TEST(Conv2D, GradientsPointwise) {
  Conv2D conv(3, 1, 1, 1, 1, Padding::kValid);
  build_or_die(conv, {3, 3, 4});
  check_gradients(conv, random_tensor({2, 3, 3, 4}, 14), {.threads = 2});
}

TEST(Conv2D, GlorotInitAndZeroBias) {
  Conv2D a(16, 3, 3, 1, 1, Padding::kValid), b(16, 3, 3, 1, 1, Padding::kValid);
  build_or_die(a, {10, 10, 8}, 42);
  build_or_die(b, {10, 10, 8}, 42);
  EXPECT_EQ(a.kernel().shape, (Shape{3, 3, 8, 16}));
  EXPECT_EQ(a.bias().shape, (Shape{16}));
  EXPECT_TRUE(testing::same_bytes(a.kernel(), b.kernel()));
  const double limit = std::sqrt(6.0 / (9 * 8 + 9 * 16));
  double max_abs = 0, sum_sq = 0;
  for (float v : a.kernel().data) max_abs = std::max(max_abs, std::abs(static_cast<double>(v))), sum_sq += v * v;
  EXPECT_LE(max_abs, limit);
  EXPECT_GT(max_abs, 0.95 * limit);
  EXPECT_NEAR(sum_sq / a.kernel().size(), limit * limit / 3, 0.1 * limit * limit / 3);  // variance of U(-l, l)
  for (float v : a.bias().data) EXPECT_EQ(v, 0.0f);
  ASSERT_EQ(a.params().size(), 2u);
  EXPECT_EQ(a.params()[0]->name, "kernel");
  EXPECT_EQ(a.params()[1]->name, "bias");
}

TEST(Conv2D, BackwardAccumulatesIntoGrad) {
  Conv2D conv(2, 3, 3, 1, 1, Padding::kSame);
  build_or_die(conv, {4, 4, 2});
  Tensor x = random_tensor({2, 4, 4, 2}, 3), y, gx;
  ThreadPool pool(2);
  Context ctx{true, &pool, nullptr};
  conv.forward(x, y, ctx);
  Tensor g = random_tensor(y.shape, 4);
  conv.backward(x, y, g, &gx, ctx);
  Tensor once = conv.kernel_param().grad, bonce = conv.bias_param().grad;
  conv.backward(x, y, g, &gx, ctx);
  for (int64_t i = 0; i < once.size(); ++i) EXPECT_FLOAT_EQ(conv.kernel_param().grad.data[i], 2 * once.data[i]);
  for (int64_t i = 0; i < bonce.size(); ++i) EXPECT_FLOAT_EQ(conv.bias_param().grad.data[i], 2 * bonce.data[i]);
}

TEST(Conv2D, BuildErrors) {
  Rng rng(1);
  Conv2D big(4, 5, 5, 1, 1, Padding::kValid);
  auto r = big.build({3, 3, 1}, rng);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("does not fit"), std::string::npos) << r.status().message();
  Conv2D flat(4, 3, 3, 1, 1, Padding::kSame);
  EXPECT_FALSE(flat.build({10}, rng).ok());
  Conv2D zero(0, 3, 3, 1, 1, Padding::kSame);
  EXPECT_FALSE(zero.build({5, 5, 1}, rng).ok());
  Conv2D same_big(4, 5, 5, 1, 1, Padding::kSame);  // SAME always fits
  EXPECT_TRUE(same_big.build({3, 3, 1}, rng).ok());
}

}  // namespace
}  // namespace octet::nn
