// Inverted dropout: in training, each element is kept with probability 1 - rate and scaled by
// 1 / (1 - rate); at inference it is the identity. The mask is drawn from ctx.rng, one
// rng.uniform() per element in row-major order (element kept when u >= rate), serially, so a
// given rng state always gives the same mask. rate = 0 draws nothing.
#pragma once

#include "nn/layer.h"

namespace octet::nn {

class Dropout : public Layer {
 public:
  explicit Dropout(float rate);
  std::string kind() const override { return "dropout"; }
  Result<Shape> build(const Shape& input_shape, Rng& rng) override;
  void forward(const Tensor& in, Tensor& out, Context& ctx) override;
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                Context& ctx) override;

  float rate() const { return rate_; }
  // The last training mask: 0 or 1 / (1 - rate) per element (empty before a training forward).
  const std::vector<float>& mask() const { return mask_; }

 private:
  float rate_;
  bool masked_ = false;  // whether the last forward applied mask_
  std::vector<float> mask_;
};

}  // namespace octet::nn
