#include "nn/layers/dropout.h"

#include <gtest/gtest.h>

#include "nn_test_util.h"

namespace octet::nn {
namespace {

using testing::random_tensor;

TEST(Dropout, InferenceIsIdentity) {
  Dropout d(0.5f);
  testing::build_or_die(d, {100});
  Tensor x = random_tensor({3, 100}, 1), y, gx;
  ThreadPool pool(1);
  Context ctx{false, &pool, nullptr};  // no rng needed at inference
  d.forward(x, y, ctx);
  EXPECT_TRUE(testing::same_bytes(x, y));
  Tensor g = random_tensor({3, 100}, 2);
  d.backward(x, y, g, &gx, ctx);
  EXPECT_TRUE(testing::same_bytes(g, gx));
}

TEST(Dropout, TrainingKeepsAboutOneMinusRateAndScales) {
  const float rate = 0.3f;
  Dropout d(rate);
  testing::build_or_die(d, {1000});
  Tensor x({20, 1000}, 2.0f), y, gx;
  ThreadPool pool(2);
  Rng rng(5);
  Context ctx{true, &pool, &rng};
  d.forward(x, y, ctx);
  int kept = 0;
  double sum = 0;
  for (float v : y.data) {
    if (v != 0.0f) {
      EXPECT_FLOAT_EQ(v, 2.0f / (1.0f - rate));
      ++kept;
    }
    sum += v;
  }
  const double n = static_cast<double>(y.size());
  EXPECT_NEAR(kept / n, 1.0 - rate, 0.01);  // 20k draws: sd ~0.0032
  EXPECT_NEAR(sum / n, 2.0, 0.03);          // inverted dropout keeps the mean
  // The gradient goes through the same mask.
  Tensor g({20, 1000}, 1.0f);
  d.backward(x, y, g, &gx, ctx);
  for (int64_t i = 0; i < y.size(); ++i) EXPECT_EQ(gx.data[i], y.data[i] / 2.0f);
}

TEST(Dropout, SameRngSeedSameMask) {
  Dropout a(0.5f), b(0.5f);
  testing::build_or_die(a, {64});
  testing::build_or_die(b, {64});
  Tensor x = random_tensor({8, 64}, 3), ya, yb, yc;
  ThreadPool p1(1), p2(2);
  Rng r1(11), r2(11), r3(12);
  Context c1{true, &p1, &r1}, c2{true, &p2, &r2}, c3{true, &p1, &r3};
  a.forward(x, ya, c1);
  b.forward(x, yb, c2);
  EXPECT_TRUE(testing::same_bytes(ya, yb));
  EXPECT_EQ(r1.next_u64(), r2.next_u64());  // both consumed the same number of draws
  a.forward(x, yc, c3);
  EXPECT_FALSE(testing::same_bytes(ya, yc));
}

TEST(Dropout, RateZeroIsIdentityEvenInTraining) {
  Dropout d(0.0f);
  testing::build_or_die(d, {10});
  Tensor x = random_tensor({2, 10}, 4), y;
  ThreadPool pool(1);
  Rng rng(1);
  Context ctx{true, &pool, &rng};
  d.forward(x, y, ctx);
  EXPECT_TRUE(testing::same_bytes(x, y));
  Rng fresh(1);
  EXPECT_EQ(rng.next_u64(), fresh.next_u64());  // no draws
}

TEST(Dropout, BuildRejectsBadRates) {
  Rng rng(1);
  Dropout one(1.0f), neg(-0.1f);
  EXPECT_FALSE(one.build({4}, rng).ok());
  EXPECT_FALSE(neg.build({4}, rng).ok());
}

}  // namespace
}  // namespace octet::nn
