#include "quant/observer.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace octet::quant {

void MinMaxObserver::update(std::span<const float> values) {
  float mn = r_.min, mx = r_.max;
  int64_t count = 0, nans = 0, infs = 0;
  bool first = r_.count == 0;
  for (float v : values) {
    if (std::isnan(v)) {
      ++nans;
      continue;
    }
    if (std::isinf(v)) ++infs;
    if (first) {
      mn = mx = v;
      first = false;
    } else {
      mn = v < mn ? v : mn;
      mx = v > mx ? v : mx;
    }
    ++count;
  }
  r_.min = r_.seen_min = mn;
  r_.max = r_.seen_max = mx;
  r_.count += count;
  r_.nan_count += nans;
  r_.inf_count += infs;
}

void EmaObserver::update(std::span<const float> values) {
  MinMaxObserver batch;
  batch.update(values);
  all_.update(values);
  const ObservedRange b = batch.range();
  if (b.empty()) return;
  if (!started_) {
    min_ = b.min;
    max_ = b.max;
    started_ = true;
    return;
  }
  const float c = static_cast<float>(c_);
  min_ = min_ + c * (b.min - min_);
  max_ = max_ + c * (b.max - max_);
}

ObservedRange EmaObserver::range() const {
  ObservedRange r = all_.range();
  if (started_) {
    r.min = min_;
    r.max = max_;
  }
  return r;
}

AbsHistogram::AbsHistogram(float lo, float hi, int bins) : edges(static_cast<size_t>(bins) + 1), counts(bins, 0.0) {
  // numpy.linspace with float32 bounds computes in float32: step = (hi - lo) / bins, edge i =
  // i * step + lo, the last edge set to hi.
  const float step = (hi - lo) / static_cast<float>(bins);
  for (int i = 0; i < bins; ++i) edges[static_cast<size_t>(i)] = static_cast<float>(i) * step + lo;
  edges.back() = hi;
}

void AbsHistogram::add(std::span<const float> values) {
  const int bins = static_cast<int>(counts.size());
  const float lo = edges.front(), hi = edges.back();
  const float width = hi - lo;
  for (float v : values) {
    const float a = std::fabs(v);
    if (!(a >= lo && a <= hi)) continue;  // NaN, or outside the bins (np.histogram drops it)
    int i = width > 0 ? static_cast<int>((a - lo) / width * static_cast<float>(bins)) : 0;
    i = std::clamp(i, 0, bins - 1);
    // The edges decide, as in np.histogram's correction step.
    while (i > 0 && a < edges[static_cast<size_t>(i)]) --i;
    while (i < bins - 1 && a >= edges[static_cast<size_t>(i) + 1]) ++i;
    counts[static_cast<size_t>(i)] += 1.0;
  }
}

void AbsHistogramObserver::next_pass() {
  ++pass_;
  const ObservedRange r = seen_.range();
  if (r.empty() || r.inf_count > 0) return;
  const float lo = from_zero_ ? 0.0f : abs_min_;
  if (abs_max_ > lo) hist_ = std::make_unique<AbsHistogram>(lo, abs_max_, bins_);
}

void AbsHistogramObserver::update(std::span<const float> values) {
  if (pass_ == 0) {
    const bool first = seen_.range().count == 0;
    seen_.update(values);
    float amin = first ? std::numeric_limits<float>::infinity() : abs_min_;
    float amax = first ? 0.0f : abs_max_;
    for (float v : values) {
      if (std::isnan(v)) continue;
      const float a = std::fabs(v);
      amin = std::min(amin, a);
      amax = std::max(amax, a);
    }
    if (seen_.range().count > 0) {
      abs_min_ = amin;
      abs_max_ = amax;
    }
  } else if (hist_) {
    hist_->add(values);
  }
}

ObservedRange AbsHistogramObserver::range() const {
  ObservedRange r = seen_.range();
  if (r.empty() || r.inf_count > 0) return r;
  if (!hist_) {
    r.note = "every |value| is " + std::to_string(abs_max_) + ", no histogram to cut; the min-max range is used";
    return r;
  }
  const float t = threshold(*hist_);
  r.min = std::max(-t, r.seen_min);
  r.max = std::min(t, r.seen_max);
  return r;
}

float PercentileObserver::threshold(const AbsHistogram& h) const {
  double total = 0;
  for (double c : h.counts) total += c;
  // searchsorted(cumsum(hist / total), p / 100), side left: the first bin whose cdf reaches p.
  const double p = percentile_ / 100.0;
  double cdf = 0;
  size_t i = 0;
  for (; i < h.counts.size(); ++i) {
    cdf += h.counts[i] / total;
    if (cdf >= p) break;
  }
  return h.edges[i];
}

float KlObserver::threshold(const AbsHistogram& h) const {
  std::vector<double> bins = h.counts;
  bins[0] = bins[1];  // the reference overwrites the zero bin (ReLU's spike at 0)
  const int nb = static_cast<int>(bins.size());
  const int nq = 1 << (bits_ - 1);
  const int start = std::min(128, nb);
  std::vector<double> tail(static_cast<size_t>(nb) + 1, 0.0);
  for (int j = nb - 1; j >= 0; --j) tail[static_cast<size_t>(j)] = tail[static_cast<size_t>(j) + 1] + bins[static_cast<size_t>(j)];
  std::vector<double> group_sum(static_cast<size_t>(nq)), q(static_cast<size_t>(nb));
  std::vector<int> group_nonzero(static_cast<size_t>(nq));
  double best = std::numeric_limits<double>::infinity();
  int best_i = nb;
  bool any = false;
  for (int i = start; i <= nb; ++i) {
    // Bin j of the first i goes to quantized bin floor(j * nq / i) (np.digitize on
    // linspace(0, i, nq + 1)); Q spreads each group's mass evenly over its nonzero bins.
    std::fill(group_sum.begin(), group_sum.end(), 0.0);
    std::fill(group_nonzero.begin(), group_nonzero.end(), 0);
    for (int j = 0; j < i; ++j) {
      if (bins[static_cast<size_t>(j)] == 0) continue;
      const size_t g = static_cast<size_t>(static_cast<int64_t>(j) * nq / i);
      group_sum[g] += bins[static_cast<size_t>(j)];
      ++group_nonzero[g];
    }
    double sum_p = 0, sum_q = 0;
    for (int j = 0; j < i; ++j) {
      const double b = bins[static_cast<size_t>(j)];
      const size_t g = static_cast<size_t>(static_cast<int64_t>(j) * nq / i);
      q[static_cast<size_t>(j)] = b != 0 ? group_sum[g] / group_nonzero[g] : 0.0;
      sum_q += q[static_cast<size_t>(j)];
      sum_p += b;
    }
    sum_p += tail[static_cast<size_t>(i)];  // the clipped tail joins the last kept bin
    double kl = 0;
    for (int j = 0; j < i && kl != std::numeric_limits<double>::infinity(); ++j) {
      double p = bins[static_cast<size_t>(j)];
      if (j == i - 1) p += tail[static_cast<size_t>(i)];
      if (p == 0) continue;
      if (q[static_cast<size_t>(j)] == 0) {
        kl = std::numeric_limits<double>::infinity();
        break;
      }
      const double pn = p / sum_p, qn = q[static_cast<size_t>(j)] / sum_q;
      kl += pn * std::log(pn / qn);
    }
    // The last index of the minimum (the reference reverses before argmin).
    if (!any || kl <= best) {
      best = kl;
      best_i = i;
      any = true;
    }
  }
  return h.edges[static_cast<size_t>(best_i)];
}

float MseObserver::threshold(const AbsHistogram& h) const {
  const size_t nb = h.counts.size();
  std::vector<float> centers(nb);
  for (size_t k = 0; k < nb; ++k) centers[k] = (h.edges[k] + h.edges[k + 1]) / 2.0f;
  const float bound = static_cast<float>((1 << (bits_ - 1)) - 1);
  double best = std::numeric_limits<double>::infinity();
  size_t best_i = nb - 1;
  for (size_t i = std::min<size_t>(128, nb - 1); i < nb; ++i) {
    // fake_tensor_quant(narrow_range): clamp(round_half_even(c * s), -bound, bound) / s.
    const float s = bound / centers[i];
    double err = 0;
    for (size_t k = 0; k < nb; ++k) {
      if (h.counts[k] == 0) continue;
      const float qc = std::clamp(std::nearbyint(centers[k] * s), -bound, bound) / s;
      const double d = static_cast<double>(qc) - centers[k];
      err += d * d * h.counts[k];
    }
    if (err < best) {  // the first minimum (np.argmin)
      best = err;
      best_i = i;
    }
  }
  return centers[best_i];
}

const std::vector<CalibrationMethod>& calibration_methods() {
  static const std::vector<CalibrationMethod> methods = {
      {"minmax", "global min/max (TFLite converter, ORT MinMaxCalibrater)"},
      {"ema", "moving-average min/max, constant 0.01 per batch (PyTorch MovingAverageMinMaxObserver)"},
      {"percentile", "2048-bin |x| histogram, symmetric cut at --percentile (ORT PercentileCalibrater)"},
      {"mse", "clip minimising the histogram's quantization MSE (NVIDIA pytorch_quantization 'mse')"},
      {"kl", "KL-divergence entropy calibration (TensorRT via NVIDIA pytorch_quantization 'entropy')"},
  };
  return methods;
}

std::string calibration_method_list() {
  std::string s;
  for (const CalibrationMethod& m : calibration_methods()) s += (s.empty() ? "" : ", ") + std::string(m.name);
  return s;
}

bool is_calibration_method(const std::string& name) {
  for (const CalibrationMethod& m : calibration_methods())
    if (name == m.name) return true;
  return false;
}

Result<std::unique_ptr<Observer>> make_observer(const std::string& method, const ObserverOptions& o) {
  if (!(o.percentile > 0.0 && o.percentile <= 100.0)) {
    return Status::Error("the percentile must be in (0, 100], got " + std::to_string(o.percentile));
  }
  if (o.bits < 2 || o.bits > 8) return Status::Error("activation bits must be in 2..8, got " + std::to_string(o.bits));
  std::unique_ptr<Observer> p;
  if (method == "minmax") p = std::make_unique<MinMaxObserver>();
  if (method == "ema") p = std::make_unique<EmaObserver>();
  if (method == "percentile") p = std::make_unique<PercentileObserver>(o.percentile);
  if (method == "mse") p = std::make_unique<MseObserver>(o.bits);
  if (method == "kl") p = std::make_unique<KlObserver>(o.bits);
  if (!p) return Status::Error("unknown calibration method '" + method + "' (available: " + calibration_method_list() + ")");
  return p;
}

}  // namespace octet::quant
