#include "nn/layers/dense.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nn_test_util.h"

namespace octet::nn {
namespace {

using testing::build_or_die;
using testing::check_gradients;
using testing::make_tensor;
using testing::random_tensor;

TEST(Dense, HandComputed) {
  Dense d(2);
  EXPECT_EQ(build_or_die(d, {3}), (Shape{2}));
  EXPECT_EQ(d.kernel().shape, (Shape{3, 2}));
  d.kernel().data = {1, 2, 3, 4, 5, 6};  // [In=3, Units=2]
  d.bias().data = {0.5f, -1};
  Tensor x = make_tensor({2, 3}, {1, 0, -1, 2, 1, 0});
  ThreadPool pool(1);
  Context ctx{false, &pool, nullptr};
  Tensor y;
  d.forward(x, y, ctx);
  EXPECT_EQ(y.data, (std::vector<float>{1 - 5 + 0.5f, 2 - 6 - 1, 2 + 3 + 0.5f, 4 + 4 - 1}));
}

TEST(Dense, Gradients) {
  Dense d(5);
  build_or_die(d, {7});
  d.bias() = random_tensor({5}, 8);
  check_gradients(d, random_tensor({4, 7}, 31));
}

TEST(Dense, GradientsManyRowsTwoThreadsNoBias) {
  Dense d(9, false);
  build_or_die(d, {70});  // > one 64-row block of the kernel gradient
  EXPECT_EQ(d.params().size(), 1u);
  check_gradients(d, random_tensor({37, 70}, 32), {.threads = 2, .max_points = 150});
}

TEST(Dense, BuildRejectsUnflattenedInput) {
  Dense d(10);
  Rng rng(1);
  auto r = d.build({4, 4, 1}, rng);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("flatten"), std::string::npos);
  Dense zero(0);
  EXPECT_FALSE(zero.build({4}, rng).ok());
}

TEST(Dense, GlorotInit) {
  Dense d(128);
  build_or_die(d, {1600}, 3);
  const double limit = std::sqrt(6.0 / (1600 + 128));
  double max_abs = 0, mean = 0;
  for (float v : d.kernel().data) max_abs = std::max(max_abs, std::abs(static_cast<double>(v))), mean += v;
  EXPECT_LE(max_abs, limit);
  EXPECT_GT(max_abs, 0.99 * limit);
  EXPECT_NEAR(mean / d.kernel().size(), 0.0, 0.01 * limit);
}

TEST(Dense, ThreadCountDoesNotChangeResults) {
  Dense d(33);
  build_or_die(d, {150});
  Tensor x = random_tensor({61, 150}, 1), g = random_tensor({61, 33}, 2);
  Tensor y[2], gx[2], gk[2], gb[2];
  for (int t = 0; t < 2; ++t) {
    ThreadPool pool(t + 1);
    Context ctx{true, &pool, nullptr};
    d.kernel_param().grad.fill(0);
    d.bias_param().grad.fill(0);
    d.forward(x, y[t], ctx);
    d.backward(x, y[t], g, &gx[t], ctx);
    gk[t] = d.kernel_param().grad, gb[t] = d.bias_param().grad;
  }
  EXPECT_TRUE(testing::same_bytes(y[0], y[1]));
  EXPECT_TRUE(testing::same_bytes(gx[0], gx[1]));
  EXPECT_TRUE(testing::same_bytes(gk[0], gk[1]));
  EXPECT_TRUE(testing::same_bytes(gb[0], gb[1]));
}

}  // namespace
}  // namespace octet::nn
