#include "nn/layers/relu.h"

#include <gtest/gtest.h>

#include "nn_test_util.h"

namespace octet::nn {
namespace {

using testing::check_gradients;
using testing::make_tensor;
using testing::spaced_tensor;

TEST(ReLU, ForwardAndGradientAtTheKinks) {
  ReLU r;
  EXPECT_EQ(testing::build_or_die(r, {5}), (Shape{5}));
  Tensor x = make_tensor({1, 5}, {-2, -0.0f, 0, 0.5f, 7});
  ThreadPool pool(1);
  Context ctx{false, &pool, nullptr};
  Tensor y, gx;
  r.forward(x, y, ctx);
  EXPECT_EQ(y.data, (std::vector<float>{0, 0, 0, 0.5f, 7}));
  r.backward(x, y, Tensor({1, 5}, 1.0f), &gx, ctx);
  EXPECT_EQ(gx.data, (std::vector<float>{0, 0, 0, 1, 1}));  // 0 at exactly 0
}

TEST(ReLU6, ForwardAndGradientAtTheKinks) {
  ReLU6 r;
  testing::build_or_die(r, {7});
  Tensor x = make_tensor({1, 7}, {-1, 0, 3, 5.999f, 6, 6.5f, 100});
  ThreadPool pool(1);
  Context ctx{false, &pool, nullptr};
  Tensor y, gx;
  r.forward(x, y, ctx);
  EXPECT_EQ(y.data, (std::vector<float>{0, 0, 3, 5.999f, 6, 6, 6}));
  r.backward(x, y, Tensor({1, 7}, 2.0f), &gx, ctx);
  EXPECT_EQ(gx.data, (std::vector<float>{0, 0, 2, 2, 0, 0, 0}));  // 0 at exactly 0 and 6
}

TEST(ReLU, Gradients) {
  ReLU r;
  testing::build_or_die(r, {4, 4, 3});
  check_gradients(r, spaced_tensor({2, 4, 4, 3}, 61, 0.05f), {.eps = 5e-3f});
}

TEST(ReLU6, Gradients) {
  ReLU6 r;
  testing::build_or_die(r, {50});
  // Values from -1.2 to 8.8 in steps of 0.1, offset so none sits within 0.05 of 0 or 6.
  Tensor x({2, 50});
  for (int i = 0; i < 100; ++i) x.data[i] = -1.23f + 0.1f * static_cast<float>((i * 37) % 100);
  check_gradients(r, x, {.eps = 5e-3f});
}

TEST(ReLU, LargeTensorsSplitAcrossThreads) {
  ReLU r;
  testing::build_or_die(r, {300, 300});
  Tensor x = testing::random_tensor({2, 300, 300}, 3), y1, y2;
  ThreadPool p1(1), p2(2);
  Context c1{false, &p1, nullptr}, c2{false, &p2, nullptr};
  r.forward(x, y1, c1);
  r.forward(x, y2, c2);
  EXPECT_TRUE(testing::same_bytes(y1, y2));
  for (int64_t i = 0; i < x.size(); ++i) ASSERT_EQ(y1.data[i], x.data[i] > 0 ? x.data[i] : 0.0f);
}

}  // namespace
}  // namespace octet::nn
