#include "quant/observer.h"

#include <cmath>

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
  r_.min = mn;
  r_.max = mx;
  r_.count += count;
  r_.nan_count += nans;
  r_.inf_count += infs;
}

bool is_calibration_method(const std::string& name) { return name == "minmax"; }

Result<std::unique_ptr<Observer>> make_observer(const std::string& method) {
  if (method == "minmax") return std::unique_ptr<Observer>(std::make_unique<MinMaxObserver>());
  return Status::Error("unknown calibration method '" + method + "' (available: minmax)");
}

}  // namespace octet::quant
