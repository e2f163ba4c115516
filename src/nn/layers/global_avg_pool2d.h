// Global average pooling: [N, H, W, C] -> [N, C] (the mean over all H*W pixels; TFLite MEAN
// over axes 1 and 2 without keep_dims). Backward spreads g / (H*W) to every pixel.
#pragma once

#include "nn/layer.h"

namespace octet::nn {

class GlobalAvgPool2D : public Layer {
 public:
  GlobalAvgPool2D() = default;

  std::string kind() const override { return "global_avg_pool2d"; }
  Result<Shape> build(const Shape& input_shape, Rng& rng) override;  // [H, W, C] -> [C]
  void forward(const Tensor& in, Tensor& out, Context& ctx) override;
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                Context& ctx) override;

 private:
  int h_ = 0, w_ = 0, c_ = 0;
};

}  // namespace octet::nn
