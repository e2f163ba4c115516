#include "nn/layers/loss.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nn_test_util.h"

namespace octet::nn {
namespace {

using testing::make_tensor;

TEST(SoftmaxCrossEntropy, HandComputed) {
  // Row 0: uniform logits over 4 classes -> loss log 4. Row 1: logits (0, ln 3) with label 1
  // padded by -inf-like values -> p = (1/4, 3/4, ~0, ~0), loss -ln(3/4).
  Tensor z = make_tensor({2, 4}, {0, 0, 0, 0, 0, std::log(3.0f), -100, -100});
  uint8_t labels[2] = {2, 1};
  Tensor g;
  int correct = -1;
  float loss = softmax_cross_entropy(z, labels, &g, &correct);
  EXPECT_NEAR(loss, (std::log(4.0) - std::log(0.75)) / 2, 1e-6);
  EXPECT_EQ(correct, 1);  // row 0 ties -> argmax 0 != 2; row 1 argmax 1 == 1
  EXPECT_EQ(g.shape, (Shape{2, 4}));
  EXPECT_NEAR(g.data[0], 0.25 / 2, 1e-7);
  EXPECT_NEAR(g.data[2], (0.25 - 1) / 2, 1e-7);
  EXPECT_NEAR(g.data[4], 0.25 / 2, 1e-6);
  EXPECT_NEAR(g.data[5], (0.75 - 1) / 2, 1e-6);
}

TEST(SoftmaxCrossEntropy, StableForHugeLogits) {
  Tensor z = make_tensor({2, 3}, {1000, 0, -1000, 5000, 5000, 5000});
  uint8_t labels[2] = {0, 2};
  Tensor g;
  float loss = softmax_cross_entropy(z, labels, &g, nullptr);
  EXPECT_TRUE(std::isfinite(loss));
  EXPECT_NEAR(loss, std::log(3.0) / 2, 1e-6);
  for (float v : g.data) EXPECT_TRUE(std::isfinite(v));
  EXPECT_NEAR(g.data[0], 0.0, 1e-7);
  EXPECT_NEAR(g.data[5], (1.0 / 3 - 1) / 2, 1e-7);
}

TEST(SoftmaxCrossEntropy, GradientMatchesCentralDifferences) {
  Tensor z = testing::random_tensor({5, 7}, 91, -3.0f, 3.0f);
  uint8_t labels[5] = {0, 6, 3, 3, 1};
  Tensor g;
  softmax_cross_entropy(z, labels, &g, nullptr);
  const float eps = 1e-2f;
  for (int64_t i = 0; i < z.size(); ++i) {
    float orig = z.data[i];
    z.data[i] = orig + eps;
    double plus = softmax_cross_entropy(z, labels, nullptr, nullptr);
    z.data[i] = orig - eps;
    double minus = softmax_cross_entropy(z, labels, nullptr, nullptr);
    z.data[i] = orig;
    double numeric = (plus - minus) / (2 * eps);
    EXPECT_NEAR(g.data[i], numeric, 1e-3 + 1e-2 * std::abs(numeric)) << i;
  }
}

TEST(SoftmaxCrossEntropy, GradientRowsSumToZeroAndEmptyBatch) {
  Tensor z = testing::random_tensor({3, 10}, 92, -5.0f, 5.0f);
  uint8_t labels[3] = {9, 0, 4};
  Tensor g;
  softmax_cross_entropy(z, labels, &g, nullptr);
  for (int r = 0; r < 3; ++r) {
    double s = 0;
    for (int j = 0; j < 10; ++j) s += g.data[r * 10 + j];
    EXPECT_NEAR(s, 0.0, 1e-7);
  }
  Tensor empty(Shape{0, 10});
  int correct = 7;
  EXPECT_EQ(softmax_cross_entropy(empty, labels, &g, &correct), 0.0f);
  EXPECT_EQ(correct, 0);
}

TEST(Softmax, RowsSumToOne) {
  Tensor z = make_tensor({2, 3}, {1, 2, 3, -1000, 0, 1000});
  Tensor p;
  softmax(z, p);
  EXPECT_NEAR(p.data[0] + p.data[1] + p.data[2], 1.0, 1e-6);
  EXPECT_NEAR(p.data[2] / p.data[1], std::exp(1.0), 1e-5);
  EXPECT_FLOAT_EQ(p.data[5], 1.0f);
  EXPECT_EQ(p.data[3], 0.0f);
}

}  // namespace
}  // namespace octet::nn
