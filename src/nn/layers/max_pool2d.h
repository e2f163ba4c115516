// 2-D max pooling, NHWC. As TFLite: the window is clipped to the image (padding never wins).
// Backward routes each output gradient to the input element that won the forward max; on ties
// the first tap in (ky, kx) row-major order wins, so exactly one input receives it.
#pragma once

#include <cstdint>

#include "nn/layers/pool2d.h"

namespace octet::nn {

class MaxPool2D : public Pool2D {
 public:
  using Pool2D::Pool2D;

  std::string kind() const override { return "max_pool2d"; }
  void forward(const Tensor& in, Tensor& out, Context& ctx) override;
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                Context& ctx) override;

 private:
  std::vector<int32_t> argmax_;  // per output element: offset of the winner within its image, -1 if none
};

}  // namespace octet::nn
