#include "nn/layers/flatten.h"

#include <cstring>

namespace octet::nn {

Result<Shape> Flatten::build(const Shape& input_shape, Rng&) {
  if (input_shape.empty() || num_elements(input_shape) < 1 || num_elements(input_shape) > (1ll << 31) - 1)
    return Status::Error("flatten: bad input shape " + shape_to_string(input_shape));
  features_ = static_cast<int>(num_elements(input_shape));
  return Shape{features_};
}

void Flatten::forward(const Tensor& in, Tensor& out, Context&) {
  const int n = in.dim(0);
  OCTET_CHECK(in.size() == static_cast<int64_t>(n) * features_);
  out.reshape({n, features_});
  std::memcpy(out.ptr(), in.ptr(), sizeof(float) * in.size());
}

void Flatten::backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                       Context&) {
  if (!grad_in) return;
  OCTET_CHECK(grad_out.size() == in.size());
  grad_in->reshape(in.shape);
  std::memcpy(grad_in->ptr(), grad_out.ptr(), sizeof(float) * in.size());
}

}  // namespace octet::nn
