// 2-D average pooling, NHWC. As TFLite: the window is clipped to the image and the divisor is
// the number of in-image taps (padding is not counted). Backward spreads g / count evenly.
#pragma once

#include "nn/layers/pool2d.h"

namespace octet::nn {

class AvgPool2D : public Pool2D {
 public:
  using Pool2D::Pool2D;

  std::string kind() const override { return "avg_pool2d"; }
  void forward(const Tensor& in, Tensor& out, Context& ctx) override;
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                Context& ctx) override;
};

}  // namespace octet::nn
