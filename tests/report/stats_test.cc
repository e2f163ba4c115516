#include "report/stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace octet::report {
namespace {

// Expected values computed independently with Python (math.comb, fractions.Fraction, exact sums).

TEST(Wilson, KnownAnswerForMnistSizedTestSet) {
  const Interval ci = wilson_interval(9885, 10000);
  EXPECT_NEAR(ci.low, 0.9862147073459029, 1e-12);
  EXPECT_NEAR(ci.high, 0.9904101262459462, 1e-12);
}

TEST(Wilson, BoundsAndAsymmetryAtTheEdges) {
  const Interval all = wilson_interval(50, 50);
  EXPECT_DOUBLE_EQ(all.high, 1.0);
  EXPECT_LT(all.low, 1.0);
  EXPECT_GT(all.low, 0.9);
  const Interval none = wilson_interval(0, 50);
  EXPECT_DOUBLE_EQ(none.low, 0.0);
  EXPECT_GT(none.high, 0.0);
  // Symmetric counts give intervals mirrored around 1/2.
  EXPECT_NEAR(all.low, 1 - none.high, 1e-15);
  const Interval empty = wilson_interval(0, 0);
  EXPECT_EQ(empty.low, 0.0);
  EXPECT_EQ(empty.high, 1.0);
}

TEST(Wilson, ContainsTheProportionAndShrinksWithMoreTrials) {
  const Interval small = wilson_interval(70, 100), large = wilson_interval(7000, 10000);
  EXPECT_LT(small.low, 0.7);
  EXPECT_GT(small.high, 0.7);
  EXPECT_LT(large.high - large.low, small.high - small.low);
}

TEST(McNemar, ExactBinomialSmallCounts) {
  // 2 * (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 158 / 4096.
  EXPECT_NEAR(mcnemar_exact_p(10, 2), 158.0 / 4096.0, 1e-15);
  EXPECT_NEAR(mcnemar_exact_p(2, 10), 158.0 / 4096.0, 1e-15);
  EXPECT_NEAR(mcnemar_exact_p(7, 0), 2.0 / 128.0, 1e-16);
  EXPECT_NEAR(mcnemar_exact_p(0, 40), std::ldexp(1.0, -39), 1e-25);
}

TEST(McNemar, NoEvidenceGivesOne) {
  EXPECT_EQ(mcnemar_exact_p(0, 0), 1.0);
  EXPECT_EQ(mcnemar_exact_p(3, 3), 1.0);
  EXPECT_EQ(mcnemar_exact_p(1, 0), 1.0);  // 2 * 1/2
  EXPECT_LE(mcnemar_exact_p(5, 6), 1.0);
}

TEST(McNemar, LargeCountsStayFiniteAndExact) {
  EXPECT_NEAR(mcnemar_exact_p(1000, 1100), 0.030720707864242296, 1e-12);
  EXPECT_NEAR(mcnemar_exact_p(5000, 5300), 0.003215819673645239, 1e-13);
  EXPECT_NEAR(mcnemar_exact_p(20000, 20400), 0.04713209701042844, 1e-11);
  const double tiny = mcnemar_exact_p(0, 5000);  // 2^-4999 underflows to 0 in double
  EXPECT_GE(tiny, 0.0);
  EXPECT_LT(tiny, 1e-300);
  const double balanced = mcnemar_exact_p(1000000, 1000000 + 10);
  EXPECT_GT(balanced, 0.9);
  EXPECT_LE(balanced, 1.0);
}

TEST(ComparePredictions, FlipsCountsAndConfusionDelta) {
  //                         0  1  2  3  4  5
  const uint8_t labels[] = {0, 1, 2, 0, 1, 2};
  const uint8_t a[] = {0, 1, 1, 2, 1, 0};  // right: 0, 1, 4
  const uint8_t b[] = {0, 2, 2, 1, 1, 0};  // right: 0, 2, 4
  auto r = compare_predictions(labels, a, b, 3);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const PredictionDiff& d = *r;
  EXPECT_EQ(d.samples, 6);
  EXPECT_EQ(d.a_correct, 3);
  EXPECT_EQ(d.b_correct, 3);
  EXPECT_EQ(d.fixed, (std::vector<int64_t>{2}));
  EXPECT_EQ(d.broken, (std::vector<int64_t>{1}));
  EXPECT_EQ(d.changed, 3);  // samples 1, 2 and 3 (wrong -> other wrong)
  EXPECT_EQ(d.delta(1, 1), -1);
  EXPECT_EQ(d.delta(1, 2), 1);
  EXPECT_EQ(d.delta(2, 1), -1);
  EXPECT_EQ(d.delta(2, 2), 1);
  EXPECT_EQ(d.delta(0, 2), -1);
  EXPECT_EQ(d.delta(0, 1), 1);
  int64_t total = 0;
  for (int64_t v : d.confusion_delta) total += v;
  EXPECT_EQ(total, 0);  // both matrices hold every sample once
  EXPECT_EQ(d.mcnemar_p(), 1.0);
}

TEST(ComparePredictions, RejectsMismatchedSizesAndOutOfRangeClasses) {
  const uint8_t labels[] = {0, 1};
  const uint8_t a[] = {0, 1};
  const uint8_t short_b[] = {0};
  auto r = compare_predictions(labels, a, short_b, 2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("2 labels"), std::string::npos);
  const uint8_t bad[] = {0, 5};
  auto r2 = compare_predictions(labels, a, bad, 2);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("sample 1"), std::string::npos);
}

}  // namespace
}  // namespace octet::report
