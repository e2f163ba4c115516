#include "nn/layers/flatten.h"

#include <gtest/gtest.h>

#include "nn_test_util.h"

namespace octet::nn {
namespace {

TEST(Flatten, KeepsNhwcOrder) {
  Flatten f;
  EXPECT_EQ(testing::build_or_die(f, {2, 3, 4}), (Shape{24}));
  Tensor x({2, 2, 3, 4});
  for (int64_t i = 0; i < x.size(); ++i) x.data[i] = static_cast<float>(i);
  ThreadPool pool(1);
  Context ctx{false, &pool, nullptr};
  Tensor y;
  f.forward(x, y, ctx);
  EXPECT_EQ(y.shape, (Shape{2, 24}));
  // [n, h, w, c] -> [n, (h * W + w) * C + c]: element (n=1, h=1, w=2, c=3) is column 23 of row 1.
  EXPECT_EQ(y.data[1 * 24 + (1 * 3 + 2) * 4 + 3], x.data[((1 * 2 + 1) * 3 + 2) * 4 + 3]);
  EXPECT_EQ(y.data, x.data);
}

TEST(Flatten, Gradients) {
  Flatten f;
  testing::build_or_die(f, {3, 2, 2});
  testing::check_gradients(f, testing::random_tensor({2, 3, 2, 2}, 81));
  Tensor x = testing::random_tensor({2, 3, 2, 2}, 82), y, gx;
  ThreadPool pool(1);
  Context ctx{false, &pool, nullptr};
  f.forward(x, y, ctx);
  f.backward(x, y, y, &gx, ctx);
  EXPECT_EQ(gx.shape, x.shape);
  EXPECT_TRUE(testing::same_bytes(gx, x));
}

}  // namespace
}  // namespace octet::nn
