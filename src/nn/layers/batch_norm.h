// Batch normalisation over the last (channel) axis, Keras semantics.
//   training:  y = gamma * (x - mean_B) / sqrt(var_B + eps) + beta, with mean_B and var_B over
//              every axis but the last; then moving = momentum * moving + (1 - momentum) * batch.
//   inference: the same with moving_mean / moving_variance.
// var_B is the BIASED batch variance (divide by the count) both for normalising and for the
// moving update. (Keras' fused kernel feeds the unbiased variance to the moving average; with
// batch 64 x 100+ pixels per channel the difference is < 1%.) Statistics are accumulated in
// double per fixed group of batch items and summed in group order: thread-count independent.
#pragma once

#include "nn/layer.h"

namespace octet::nn {

class BatchNorm : public Layer {
 public:
  explicit BatchNorm(float momentum = 0.99f, float epsilon = 1e-3f);

  std::string kind() const override { return "batch_norm"; }
  // Any input rank >= 1; C = last dimension. gamma = 1, beta = 0, moving mean 0, variance 1.
  Result<Shape> build(const Shape& input_shape, Rng& rng) override;
  // Batch statistics (and the moving update) when ctx.training, moving statistics otherwise.
  void forward(const Tensor& in, Tensor& out, Context& ctx) override;
  // Differentiates the forward that ran last (through the batch statistics if it trained).
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                Context& ctx) override;
  std::vector<Param*> params() override { return {&gamma_, &beta_}; }
  std::vector<Tensor*> buffers() override { return {&moving_mean_, &moving_variance_}; }

  float momentum() const { return momentum_; }
  float epsilon() const { return epsilon_; }
  int channels() const { return channels_; }
  Tensor& gamma() { return gamma_.value; }  // [C]
  const Tensor& gamma() const { return gamma_.value; }
  Tensor& beta() { return beta_.value; }  // [C]
  const Tensor& beta() const { return beta_.value; }
  Tensor& moving_mean() { return moving_mean_; }  // [C]
  const Tensor& moving_mean() const { return moving_mean_; }
  Tensor& moving_variance() { return moving_variance_; }  // [C]
  const Tensor& moving_variance() const { return moving_variance_; }
  Param& gamma_param() { return gamma_; }
  Param& beta_param() { return beta_; }
  // Mean and biased variance of the last training batch, [C] each.
  const std::vector<float>& batch_mean() const { return batch_mean_; }
  const std::vector<float>& batch_variance() const { return batch_var_; }

 private:
  float momentum_, epsilon_;
  int channels_ = 0;
  Param gamma_{"gamma", {}, {}}, beta_{"beta", {}, {}};
  Tensor moving_mean_, moving_variance_;
  bool trained_ = false;  // whether the last forward used batch statistics
  std::vector<float> batch_mean_, batch_var_;
  std::vector<float> mean_, inv_std_;  // statistics used by the last forward
  std::vector<double> parts_;          // per group, per channel partial sums
  // Per-channel scratch reused across batches: sums, scale, backward coefficients.
  std::vector<double> sum_a_, sum_b_;
  std::vector<float> scale_, mean_g_, mean_gx_;
};

}  // namespace octet::nn
