#include "report/stats.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace octet::report {

Interval wilson_interval(int64_t successes, int64_t trials, double z) {
  OCTET_CHECK(successes >= 0 && successes <= trials);
  if (trials == 0) return {0.0, 1.0};
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / n;
  const double center = (p + z2 / (2 * n)) / denom;
  const double half = z / denom * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

double mcnemar_exact_p(int64_t b, int64_t c) {
  OCTET_CHECK(b >= 0 && c >= 0);
  const int64_t n = b + c;
  const int64_t m = std::min(b, c);
  if (2 * m == n) return 1.0;  // b == c (including 0, 0): the two tails cover everything
  // P(X <= m) = sum_{k=0..m} C(n,k) / 2^n. Start from the largest term, k = m (m < n/2), in log
  // space so 2^n never overflows, and walk down with C(n,k-1) = C(n,k) k / (n-k+1).
  const double log_top = std::lgamma(n + 1.0) - std::lgamma(m + 1.0) - std::lgamma(n - m + 1.0) -
                         static_cast<double>(n) * std::log(2.0);
  double sum = 0, term = 1;
  for (int64_t k = m; k >= 0; --k) {
    sum += term;
    if (term < sum * 1e-17) break;  // the rest cannot change the double result
    term *= static_cast<double>(k) / static_cast<double>(n - k + 1);
  }
  return std::min(1.0, 2.0 * std::exp(log_top + std::log(sum)));
}

Result<PredictionDiff> compare_predictions(std::span<const uint8_t> labels, std::span<const uint8_t> a,
                                           std::span<const uint8_t> b, int num_classes) {
  if (num_classes <= 0) return Status::Error("compare_predictions: no classes");
  if (a.size() != labels.size() || b.size() != labels.size()) {
    return Status::Error("compare_predictions: " + std::to_string(labels.size()) + " labels but " +
                         std::to_string(a.size()) + " and " + std::to_string(b.size()) + " predictions");
  }
  PredictionDiff d;
  d.num_classes = num_classes;
  d.samples = static_cast<int64_t>(labels.size());
  d.confusion_delta.assign(static_cast<size_t>(num_classes) * num_classes, 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    const int t = labels[i], pa = a[i], pb = b[i];
    if (t >= num_classes || pa >= num_classes || pb >= num_classes) {
      return Status::Error("compare_predictions: sample " + std::to_string(i) + " has label " +
                           std::to_string(t) + ", predictions " + std::to_string(pa) + " and " +
                           std::to_string(pb) + ", not all below " + std::to_string(num_classes) +
                           " classes");
    }
    const bool ra = pa == t, rb = pb == t;
    d.a_correct += ra;
    d.b_correct += rb;
    if (!ra && rb) d.fixed.push_back(static_cast<int64_t>(i));
    if (ra && !rb) d.broken.push_back(static_cast<int64_t>(i));
    if (pa != pb) {
      ++d.changed;
      d.confusion_delta[static_cast<size_t>(t) * num_classes + pa] -= 1;
      d.confusion_delta[static_cast<size_t>(t) * num_classes + pb] += 1;
    }
  }
  return d;
}

}  // namespace octet::report
