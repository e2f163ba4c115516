// Shape and a float tensor (NHWC, row-major), the unit of data in the training engine.
#pragma once

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "core/status.h"

namespace octet {

using Shape = std::vector<int>;

inline int64_t num_elements(const Shape& s) {
  int64_t n = 1;
  for (int d : s) n *= d;
  return n;
}

std::string shape_to_string(const Shape& s);

struct Tensor {
  Shape shape;
  std::vector<float> data;

  Tensor() = default;
  explicit Tensor(Shape s, float fill = 0.0f) : shape(std::move(s)), data(num_elements(shape), fill) {}

  int64_t size() const { return static_cast<int64_t>(data.size()); }
  int dim(int i) const { return shape[i]; }
  float* ptr() { return data.data(); }
  const float* ptr() const { return data.data(); }
  // Resizes (reusing capacity) and keeps values unspecified; callers overwrite.
  void reshape(const Shape& s) {
    shape = s;
    data.resize(num_elements(s));
  }
  void fill(float v) { std::fill(data.begin(), data.end(), v); }
};

}  // namespace octet
