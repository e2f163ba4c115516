// Statistics for comparing classifiers on one test set: the Wilson interval of an accuracy, the
// exact McNemar test on the samples two models disagree on, and the flips between two models.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"

namespace octet::report {

struct Interval {
  double low = 0, high = 0;
};

// Wilson score interval of the proportion successes / trials (95% for the default z).
// trials == 0 gives [0, 1]: nothing is known. Requires 0 <= successes <= trials.
Interval wilson_interval(int64_t successes, int64_t trials, double z = 1.959963984540054);

// Exact two-sided McNemar test on the discordant counts: b samples only the first model gets right,
// c only the second. p = min(1, 2 P(X <= min(b, c))) with X ~ Binomial(b + c, 1/2); 1 when b = c = 0.
// Summed in log space from the exact binomial terms, so it never overflows or loses the tail: the
// only error is lgamma's rounding (relative error about 5e-12 at 40,000 discordant samples).
double mcnemar_exact_p(int64_t b, int64_t c);

// How model b's predictions differ from model a's on the same labelled samples.
struct PredictionDiff {
  int num_classes = 0;
  int64_t samples = 0;
  int64_t a_correct = 0, b_correct = 0;
  std::vector<int64_t> fixed;   // sample indices a gets wrong and b gets right, ascending
  std::vector<int64_t> broken;  // sample indices a gets right and b gets wrong, ascending
  int64_t changed = 0;          // samples whose predicted class differs (includes wrong -> other wrong)
  std::vector<int64_t> confusion_delta;  // b - a, [true * num_classes + predicted]

  int64_t delta(int true_class, int predicted) const {
    return confusion_delta[static_cast<size_t>(true_class) * num_classes + predicted];
  }
  // McNemar on the discordant pairs (broken = a right only, fixed = b right only).
  double mcnemar_p() const {
    return mcnemar_exact_p(static_cast<int64_t>(broken.size()), static_cast<int64_t>(fixed.size()));
  }
};

// Compares two prediction vectors against the labels. Errors when the sizes differ or a label or
// prediction is not below num_classes.
Result<PredictionDiff> compare_predictions(std::span<const uint8_t> labels, std::span<const uint8_t> a,
                                           std::span<const uint8_t> b, int num_classes);

}  // namespace octet::report
