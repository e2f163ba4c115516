// Calibration observers: each watches the values one activation tensor takes over the
// calibration set and reports the range to quantize it with. Every method reproduces the
// algorithm of one peer (quantization.md §6); calibration_methods() names it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace octet::quant {

struct ObservedRange {
  float min = 0.0f, max = 0.0f;  // the range chosen by the method
  int64_t count = 0;      // finite or infinite values seen (NaN excluded)
  int64_t nan_count = 0;  // NaNs skipped
  int64_t inf_count = 0;  // +-Inf seen (they make the range unusable)
  float seen_min = 0.0f, seen_max = 0.0f;  // global min and max of the values
  std::string note;       // why a histogram method fell back to [seen_min, seen_max]
  bool empty() const { return count == 0; }
};

// Histogram methods need the global |x| range before they can bin, so they see the calibration
// set twice: pass 0 records min/max, next_pass() lays out the bins, pass 1 fills them. Feeding
// the same values in both passes gives exactly the histogram a single call over all values
// would (what ORT does with one collection chunk).
class Observer {
 public:
  virtual ~Observer() = default;
  virtual int passes() const { return 1; }
  virtual void next_pass() {}
  virtual void update(std::span<const float> values) = 0;
  virtual ObservedRange range() const = 0;
};

// Global min and max over every value, NaN skipped (calibration_logger.cc MinMax::Update).
class MinMaxObserver final : public Observer {
 public:
  void update(std::span<const float> values) override;
  ObservedRange range() const override { return r_; }

 private:
  ObservedRange r_;
};

// PyTorch MovingAverageMinMaxObserver: the first update sets min/max to its own min/max, each
// later one moves them by `c` towards its min/max (one update = one calibration batch).
class EmaObserver final : public Observer {
 public:
  explicit EmaObserver(double c = 0.01) : c_(c) {}
  void update(std::span<const float> values) override;
  ObservedRange range() const override;

 private:
  double c_;
  bool started_ = false;
  float min_ = 0, max_ = 0;  // float32, as the reference observer's tensors
  MinMaxObserver all_;
};

// A histogram of |x| with fixed bins: edges as numpy's float32 linspace(lo, hi, bins + 1) and a
// value v in bin i when edges[i] <= v < edges[i+1] (the last bin closed), like np.histogram.
struct AbsHistogram {
  std::vector<float> edges;
  std::vector<double> counts;
  AbsHistogram(float lo, float hi, int bins);
  void add(std::span<const float> values);
};

// Base of the methods that cut a threshold t from a histogram of |x| and clip the observed range
// to [-t, t] (ORT clips its percentile result to [min, max] the same way).
class AbsHistogramObserver : public Observer {
 public:
  int passes() const override { return 2; }
  void next_pass() override;
  void update(std::span<const float> values) override;
  ObservedRange range() const override;

 protected:
  // `from_zero`: bins over [0, max|x|] (NVIDIA) instead of [min|x|, max|x|] (np.histogram in ORT).
  AbsHistogramObserver(int bins, bool from_zero) : bins_(bins), from_zero_(from_zero) {}
  virtual float threshold(const AbsHistogram& h) const = 0;

 private:
  int bins_;
  bool from_zero_;
  int pass_ = 0;
  float abs_min_ = 0, abs_max_ = 0;
  MinMaxObserver seen_;
  std::unique_ptr<AbsHistogram> hist_;
};

// ORT PercentileCalibrater (symmetric=True, num_bins=2048): t = edges[searchsorted(cdf, p/100)].
class PercentileObserver final : public AbsHistogramObserver {
 public:
  explicit PercentileObserver(double percentile = 99.999, int bins = 2048)
      : AbsHistogramObserver(bins, false), percentile_(percentile) {}
  float threshold(const AbsHistogram& h) const override;

 private:
  double percentile_;
};

// NVIDIA pytorch_quantization _compute_amax_entropy (TensorRT's KL calibration): 2048 bins on
// [0, max|x|], candidates i = 128..bins, 2^(bits-1) quantized bins, last argmin of KL(P||Q).
class KlObserver final : public AbsHistogramObserver {
 public:
  explicit KlObserver(int bits = 8, int bins = 2048) : AbsHistogramObserver(bins, true), bits_(bits) {}
  float threshold(const AbsHistogram& h) const override;

 private:
  int bits_;
};

// NVIDIA pytorch_quantization _compute_amax_mse: candidates amax = bin centre i (i >= 128),
// bin centres fake-quantized symmetric narrow-range with `bits`, first argmin of
// sum(count * (q(c) - c)^2).
class MseObserver final : public AbsHistogramObserver {
 public:
  explicit MseObserver(int bits = 8, int bins = 2048) : AbsHistogramObserver(bins, true), bits_(bits) {}
  float threshold(const AbsHistogram& h) const override;

 private:
  int bits_;
};

// The calibration methods known by name, with the peer each reproduces (for --help).
struct CalibrationMethod {
  const char* name;
  const char* peer;
};
const std::vector<CalibrationMethod>& calibration_methods();
std::string calibration_method_list();  // "minmax, ema, percentile, mse, kl"
bool is_calibration_method(const std::string& name);

struct ObserverOptions {
  double percentile = 99.999;  // percentile method (ORT's default)
  int bits = 8;                // activation bits: quantized bins of kl, levels of mse
};
Result<std::unique_ptr<Observer>> make_observer(const std::string& method, const ObserverOptions& options = {});

}  // namespace octet::quant
