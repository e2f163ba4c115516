// Calibration observers on distributions whose answer is known: evenly spaced uniform and
// Laplace samples (deterministic quantile grids, no random draws), outliers, constant tensors.
#include "quant/observer.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace octet::quant {
namespace {

// n quantiles of Laplace(0, b): x = -b sgn(u - 1/2) ln(1 - 2|u - 1/2|), u = (k + 1/2) / n.
std::vector<float> laplace_grid(int n, double b) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int k = 0; k < n; ++k) {
    const double u = (k + 0.5) / n - 0.5;
    v[static_cast<size_t>(k)] = static_cast<float>(-b * (u < 0 ? -1 : 1) * std::log(1 - 2 * std::fabs(u)));
  }
  return v;
}

// Feeds the values in chunks through every pass, as calibrate() does with batches.
ObservedRange observe(Observer& o, const std::vector<float>& v, size_t chunk = 1000) {
  for (int pass = 0; pass < o.passes(); ++pass) {
    if (pass > 0) o.next_pass();
    for (size_t s = 0; s < v.size(); s += chunk) {
      o.update(std::span<const float>(v).subspan(s, std::min(chunk, v.size() - s)));
    }
  }
  return o.range();
}

// Minimiser over a fine grid of a one-dimensional function on [lo, hi].
template <typename F>
double argmin_grid(F f, double lo, double hi, int steps = 200000) {
  double best = lo, fbest = f(lo);
  for (int k = 1; k <= steps; ++k) {
    const double x = lo + (hi - lo) * k / steps;
    const double fx = f(x);
    if (fx < fbest) {
      fbest = fx;
      best = x;
    }
  }
  return best;
}

TEST(EmaObserver, MovesByTheConstantPerBatch) {
  EmaObserver o(0.01);
  const float a[] = {0.0f, 1.0f, NAN};
  const float b[] = {2.0f, 3.0f};
  o.update(a);
  EXPECT_EQ(o.range().min, 0.0f);  // the first batch sets the range
  EXPECT_EQ(o.range().max, 1.0f);
  o.update(b);
  EXPECT_FLOAT_EQ(o.range().min, 0.02f);  // 0 + 0.01 (2 - 0)
  EXPECT_FLOAT_EQ(o.range().max, 1.02f);  // 1 + 0.01 (3 - 1)
  EXPECT_EQ(o.range().seen_max, 3.0f);
  EXPECT_EQ(o.range().count, 4);
  EXPECT_EQ(o.range().nan_count, 1);
}

TEST(AbsHistogram, BinsLikeNumpy) {
  AbsHistogram h(0.0f, 4.0f, 4);
  ASSERT_EQ(h.edges.size(), 5u);
  EXPECT_EQ(h.edges[1], 1.0f);
  const float v[] = {0.0f, 0.999f, 1.0f, -1.5f, 3.0f, 4.0f, -4.0f, 4.5f, NAN};
  h.add(v);
  // [0,1): 0, 0.999  [1,2): 1, 1.5  [2,3): -  [3,4]: 3, 4, 4 (last bin closed); 4.5 dropped.
  EXPECT_EQ(h.counts, (std::vector<double>{2, 2, 0, 3}));
}

TEST(PercentileObserver, UniformGridExactBin) {
  // |x| = 0..2048: 2048 bins of width 1, bin i holds i (the last one 2047 and 2048).
  std::vector<float> v;
  for (int k = 0; k <= 2048; ++k) v.push_back(k % 2 ? -static_cast<float>(k) : static_cast<float>(k));
  PercentileObserver o(90.0);
  ObservedRange r = observe(o, v, 100);
  // cdf[i] = (i + 1) / 2049 first reaches 0.9 at i = 1844; t is that bin's left edge.
  EXPECT_EQ(r.max, 1844.0f);
  EXPECT_EQ(r.min, -1844.0f);
  EXPECT_EQ(r.seen_min, -2047.0f);
  EXPECT_EQ(r.seen_max, 2048.0f);
}

TEST(PercentileObserver, LaplaceQuantile) {
  const double b = 0.5;
  std::vector<float> v = laplace_grid(200000, b);
  PercentileObserver o(99.0);
  ObservedRange r = observe(o, v);
  // |x| ~ Exponential(1/b): the 99th percentile is b ln 100; the answer is a bin edge below it.
  const double t = b * std::log(100.0);
  const double width = r.seen_max / 2048.0;
  EXPECT_LE(r.max, t + 1e-6);
  EXPECT_GT(r.max, t - width);
  EXPECT_EQ(r.min, -r.max);
}

TEST(PercentileObserver, ClipsAnOutlierAndStaysInsideTheSeenRange) {
  // 100001 evenly spaced values on [0, 1] (min |x| = 0) and one outlier at 1000.
  std::vector<float> v;
  for (int k = 0; k <= 100000; ++k) v.push_back(static_cast<float>(k) / 100000.0f);
  v.push_back(1000.0f);
  PercentileObserver o(99.99);
  ObservedRange r = observe(o, v);
  // Bin width 1000/2048: 1.0 sits in bin 2, whose left edge 2 * 1000/2048 is the answer.
  EXPECT_EQ(r.max, 2.0f * (1000.0f / 2048.0f));
  EXPECT_EQ(r.min, 0.0f);  // -t clipped to the seen minimum (ORT does the same)
  MinMaxObserver m;
  EXPECT_EQ(observe(m, v).max, 1000.0f);
}

TEST(HistogramObservers, ConstantTensorsFallBackWithANote) {
  for (const char* method : {"percentile", "kl", "mse"}) {
    auto o = make_observer(method);
    ASSERT_TRUE(o.ok());
    const std::vector<float> zeros(100, 0.0f);
    ObservedRange r = observe(**o, zeros);
    EXPECT_EQ(r.min, 0.0f) << method;
    EXPECT_EQ(r.max, 0.0f) << method;
    EXPECT_NE(r.note.find("no histogram"), std::string::npos) << method << ": " << r.note;
  }
  // |x| constant but not zero: only the percentile histogram (on [min|x|, max|x|]) collapses.
  PercentileObserver p;
  const std::vector<float> pm = {-2.0f, 2.0f, 2.0f};
  ObservedRange r = observe(p, pm);
  EXPECT_EQ(r.min, -2.0f);
  EXPECT_EQ(r.max, 2.0f);
  EXPECT_FALSE(r.note.empty());
  KlObserver k;
  EXPECT_EQ(observe(k, pm).max, 2.0f);
  EXPECT_TRUE(k.range().note.empty());
}

TEST(KlObserver, UniformKeepsTheWholeRange) {
  // A flat histogram is reproduced exactly by 128 flat quantized bins only when nothing is
  // clipped: KL is 0 at i = 2048 and positive before.
  std::vector<float> v;
  for (int k = 0; k < 204800; ++k) v.push_back((k + 0.5f) / 204800.0f * 3.0f);
  KlObserver o;
  ObservedRange r = observe(o, v);
  EXPECT_EQ(r.max, r.seen_max);
}

TEST(KlObserver, LaplaceIsClippedAndFewerBitsClipMore) {
  std::vector<float> v = laplace_grid(400000, 1.0);
  KlObserver k8(8), k4(4);
  ObservedRange r8 = observe(k8, v), r4 = observe(k4, v);
  EXPECT_LT(r8.max, r8.seen_max);
  EXPECT_GT(r8.max, 3.0f);  // keeps well beyond the bulk of the mass (95% lies below 3b)
  EXPECT_LT(r4.max, r8.max);
  EXPECT_EQ(r8.min, -r8.max);
}

TEST(MseObserver, LaplaceMatchesTheContinuousOptimum) {
  // The MSE of symmetric narrow-range quantization of |x| ~ Exponential(1/b), integrated
  // numerically over the density, minimised over the clip a; the histogram search must agree.
  const double b = 1.0;
  std::vector<float> v = laplace_grid(400000, b);
  const double dx = 1e-3;
  std::vector<double> xs, mass;  // midpoint rule
  for (double x = dx / 2; x < 30 * b; x += dx) {
    xs.push_back(x);
    mass.push_back(std::exp(-x / b) / b * dx);
  }
  for (int bits : {3, 4}) {
    const double levels = (1 << (bits - 1)) - 1;
    auto mse = [&](double a) {
      double s = 0;
      for (size_t k = 0; k < xs.size(); ++k) {
        const double q = std::min(std::nearbyint(xs[k] * levels / a), levels) * a / levels;
        s += (q - xs[k]) * (q - xs[k]) * mass[k];
      }
      return s;
    };
    const double expect = argmin_grid(mse, 1.0, 10.0, 1800);
    MseObserver o(bits);
    ObservedRange r = observe(o, v);
    EXPECT_NEAR(r.max, expect, 0.03 * expect) << bits << " bits";
  }
}

TEST(MseObserver, UniformClipsAlmostNothingAt8Bits) {
  // Uniform on [0, A]: clipping at a costs (A - a)^3 / (3A), rounding a^2 / (12 127^2).
  const double A = 2.0;
  std::vector<float> v;
  for (int k = 0; k < 204800; ++k) v.push_back(static_cast<float>((k + 0.5) / 204800.0 * A));
  const double expect = argmin_grid(
      [&](double a) { return std::pow(A - a, 3) / (3 * A) + a * a / (12 * 127.0 * 127.0); }, 1.0, A);
  MseObserver o(8);
  ObservedRange r = observe(o, v);
  EXPECT_NEAR(r.max, expect, 2 * A / 2048);
  EXPECT_LT(r.max, r.seen_max);
}

TEST(MakeObserver, NamesAndErrors) {
  for (const CalibrationMethod& m : calibration_methods()) {
    EXPECT_TRUE(is_calibration_method(m.name));
    EXPECT_TRUE(make_observer(m.name).ok()) << m.name;
    EXPECT_NE(std::string(m.peer), "");
  }
  EXPECT_EQ(calibration_method_list(), "minmax, ema, percentile, mse, kl");
  auto bad = make_observer("entropy");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("minmax, ema, percentile, mse, kl"), std::string::npos);
  EXPECT_FALSE(make_observer("percentile", {.percentile = 0.0}).ok());
  EXPECT_FALSE(make_observer("percentile", {.percentile = 100.5}).ok());
  EXPECT_FALSE(make_observer("kl", {.bits = 1}).ok());
  EXPECT_FALSE(make_observer("kl", {.bits = 9}).ok());
}

}  // namespace
}  // namespace octet::quant
