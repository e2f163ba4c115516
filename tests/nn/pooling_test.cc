#include <gtest/gtest.h>

#include "nn/layers/avg_pool2d.h"
#include "nn/layers/global_avg_pool2d.h"
#include "nn/layers/max_pool2d.h"
#include "nn_test_util.h"

namespace octet::nn {
namespace {

using runtime::Padding;
using testing::build_or_die;
using testing::check_gradients;
using testing::make_tensor;
using testing::spaced_tensor;

Tensor run(Layer& l, const Tensor& x) {
  ThreadPool pool(1);
  Context ctx{false, &pool, nullptr};
  Tensor y;
  l.forward(x, y, ctx);
  return y;
}

Tensor ramp(const Shape& s) {
  Tensor t(s);
  for (int64_t i = 0; i < t.size(); ++i) t.data[i] = static_cast<float>(i + 1);
  return t;
}

TEST(MaxPool2D, Valid2x2) {
  MaxPool2D p(2, 2, 2, 2, Padding::kValid);
  EXPECT_EQ(build_or_die(p, {5, 4, 1}), (Shape{2, 2, 1}));  // the odd last row is dropped
  Tensor x = make_tensor({1, 5, 4, 1}, {1, 9, 2, 3, 4, 5, 8, 0, 7, 1, 1, 1, 2, 3, 1, 6, 100, 100, 100, 100});
  EXPECT_EQ(run(p, x).data, (std::vector<float>{9, 8, 7, 6}));
}

TEST(MaxPool2D, SameStride2OddPaddingClipsTheWindow) {
  // 3x3 input, 2x2 pool, stride 2, SAME: out 2x2, padding 1 at the end; padding never wins even
  // when every real value is negative.
  MaxPool2D p(2, 2, 2, 2, Padding::kSame);
  EXPECT_EQ(build_or_die(p, {3, 3, 1}), (Shape{2, 2, 1}));
  Tensor x = make_tensor({1, 3, 3, 1}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
  EXPECT_EQ(run(p, x).data, (std::vector<float>{-1, -3, -7, -9}));
}

TEST(MaxPool2D, SameStride1Pool3) {
  MaxPool2D p(3, 3, 1, 1, Padding::kSame);
  EXPECT_EQ(build_or_die(p, {3, 3, 1}), (Shape{3, 3, 1}));
  Tensor x = make_tensor({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_EQ(run(p, x).data, (std::vector<float>{5, 6, 6, 8, 9, 9, 8, 9, 9}));
}

TEST(MaxPool2D, TiesSendTheGradientToTheFirstMaximum) {
  for (bool tiles : {true, false}) {
    // tiles: 2x2/2 on 2x2 (one-pass path); else 2x2 stride 1 on 2x3 (memset + scatter path).
    MaxPool2D p(2, 2, tiles ? 2 : 1, tiles ? 2 : 1, Padding::kValid);
    Shape in = tiles ? Shape{2, 2, 2} : Shape{2, 3, 2};
    build_or_die(p, in);
    Tensor x(Shape{1, in[0], in[1], in[2]}, 3.0f);  // all equal: (0, 0) wins every window
    ThreadPool pool(1);
    Context ctx{true, &pool, nullptr};
    Tensor y, gx;
    p.forward(x, y, ctx);
    Tensor g(y.shape, 1.0f);
    p.backward(x, y, g, &gx, ctx);
    std::vector<float> expect(gx.size(), 0.0f);
    if (tiles) {
      expect[0] = expect[1] = 1;  // pixel (0,0), both channels
    } else {
      expect[0] = expect[1] = 1;  // window at x=0 -> pixel (0,0)
      expect[2] = expect[3] = 1;  // window at x=1 -> pixel (0,1)
    }
    EXPECT_EQ(gx.data, expect) << tiles;
  }
}

TEST(MaxPool2D, Gradients) {
  struct Case {
    int ph, pw, sh, sw;
    Padding pad;
    Shape in;
  } cases[] = {
      {2, 2, 2, 2, Padding::kValid, {4, 6, 3}},  // tiles exactly
      {2, 2, 2, 2, Padding::kValid, {5, 5, 2}},  // leftover row/col
      {3, 3, 2, 2, Padding::kSame, {5, 6, 2}},   // overlapping, padded
      {2, 3, 1, 2, Padding::kSame, {4, 5, 3}},
  };
  for (const Case& c : cases) {
    MaxPool2D p(c.ph, c.pw, c.sh, c.sw, c.pad);
    build_or_die(p, c.in);
    Shape s{2, c.in[0], c.in[1], c.in[2]};
    check_gradients(p, spaced_tensor(s, 41, 0.05f), {.eps = 5e-3f, .threads = 2});
  }
}

TEST(AvgPool2D, SameDividesByInImageTaps) {
  // 3x3 input 1..9, 2x2 pool stride 2 SAME: windows {1,2,4,5}/4, {3,6}/2, {7,8}/2, {9}/1.
  AvgPool2D p(2, 2, 2, 2, Padding::kSame);
  EXPECT_EQ(build_or_die(p, {3, 3, 1}), (Shape{2, 2, 1}));
  EXPECT_EQ(run(p, ramp({1, 3, 3, 1})).data, (std::vector<float>{3, 4.5f, 7.5f, 9}));
}

TEST(AvgPool2D, SameStride1Pool3PadsBothSides) {
  AvgPool2D p(3, 3, 1, 1, Padding::kSame);
  build_or_die(p, {3, 3, 1});
  Tensor y = run(p, ramp({1, 3, 3, 1}));
  EXPECT_FLOAT_EQ(y.data[0], (1 + 2 + 4 + 5) / 4.0f);
  EXPECT_FLOAT_EQ(y.data[1], (1 + 2 + 3 + 4 + 5 + 6) / 6.0f);
  EXPECT_FLOAT_EQ(y.data[4], 5.0f);
}

TEST(AvgPool2D, ValidTwoChannels) {
  AvgPool2D p(2, 2, 2, 2, Padding::kValid);
  EXPECT_EQ(build_or_die(p, {2, 2, 2}), (Shape{1, 1, 2}));
  EXPECT_EQ(run(p, ramp({1, 2, 2, 2})).data, (std::vector<float>{4, 5}));  // (1+3+5+7)/4, (2+4+6+8)/4
}

TEST(AvgPool2D, Gradients) {
  for (Padding pad : {Padding::kSame, Padding::kValid}) {
    AvgPool2D p(3, 2, 2, 2, pad);
    build_or_die(p, {5, 5, 3});
    check_gradients(p, testing::random_tensor({2, 5, 5, 3}, 51));
  }
}

TEST(GlobalAvgPool2D, ForwardAndGradients) {
  GlobalAvgPool2D p;
  EXPECT_EQ(build_or_die(p, {2, 2, 2}), (Shape{2}));
  Tensor y = run(p, ramp({2, 2, 2, 2}));
  EXPECT_EQ(y.shape, (Shape{2, 2}));
  EXPECT_EQ(y.data, (std::vector<float>{4, 5, 12, 13}));
  GlobalAvgPool2D q;
  build_or_die(q, {3, 4, 5});
  check_gradients(q, testing::random_tensor({3, 3, 4, 5}, 52), {.threads = 2});
}

TEST(Pooling, BuildErrors) {
  Rng rng(1);
  MaxPool2D big(4, 4, 1, 1, Padding::kValid);
  EXPECT_FALSE(big.build({3, 3, 1}, rng).ok());
  AvgPool2D flat(2, 2, 2, 2, Padding::kValid);
  EXPECT_FALSE(flat.build({16}, rng).ok());
  GlobalAvgPool2D g;
  EXPECT_FALSE(g.build({16}, rng).ok());
}

}  // namespace
}  // namespace octet::nn
