// Element-wise activations. Gradient convention (TensorFlow's ReluGrad / Relu6Grad): the
// gradient passes only where the input is strictly inside the linear range, i.e. x > 0 for
// ReLU and 0 < x < 6 for ReLU6; it is 0 at exactly x = 0 and x = 6.
#pragma once

#include "nn/layer.h"

namespace octet::nn {

class ReLU : public Layer {
 public:
  ReLU() = default;
  std::string kind() const override { return "relu"; }
  Result<Shape> build(const Shape& input_shape, Rng& rng) override { return input_shape; }
  void forward(const Tensor& in, Tensor& out, Context& ctx) override;
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                Context& ctx) override;
};

class ReLU6 : public Layer {
 public:
  ReLU6() = default;
  std::string kind() const override { return "relu6"; }
  Result<Shape> build(const Shape& input_shape, Rng& rng) override { return input_shape; }
  void forward(const Tensor& in, Tensor& out, Context& ctx) override;
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                Context& ctx) override;
};

}  // namespace octet::nn
