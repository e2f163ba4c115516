// [N, d1, d2, ...] -> [N, d1*d2*...] keeping the row-major (NHWC) order, which is what TFLite
// RESHAPE does to an NHWC tensor, so exported dense kernels line up.
#pragma once

#include "nn/layer.h"

namespace octet::nn {

class Flatten : public Layer {
 public:
  Flatten() = default;
  std::string kind() const override { return "flatten"; }
  Result<Shape> build(const Shape& input_shape, Rng& rng) override;
  void forward(const Tensor& in, Tensor& out, Context& ctx) override;
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                Context& ctx) override;

 private:
  int features_ = 0;
};

}  // namespace octet::nn
