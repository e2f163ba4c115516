// Calibration observers: each watches the values one activation tensor takes over the
// calibration set and reports the range to quantize it with. Only min-max (what the TFLite
// converter uses, quantization.md §2.2) exists today; percentile, KL and MSE (§6) fit the same
// interface.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/status.h"

namespace octet::quant {

struct ObservedRange {
  float min = 0.0f, max = 0.0f;
  int64_t count = 0;      // finite or infinite values seen (NaN excluded)
  int64_t nan_count = 0;  // NaNs skipped
  int64_t inf_count = 0;  // +-Inf seen (they make the range unusable)
  bool empty() const { return count == 0; }
};

class Observer {
 public:
  virtual ~Observer() = default;
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

// The calibration methods known by name; "minmax" only for now.
bool is_calibration_method(const std::string& name);
Result<std::unique_ptr<Observer>> make_observer(const std::string& method);

}  // namespace octet::quant
