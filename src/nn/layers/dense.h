// Fully connected layer: out [N, Units] = in [N, In] * kernel [In, Units] + bias [Units].
// Rows of the batch are split into thread-count-independent groups (one GEMM each); the
// kernel gradient is split over fixed blocks of In rows, so no partial buffers are needed
// and every gradient is bit-identical for any thread count.
#pragma once

#include "nn/layer.h"
#include "nn/layers/layer_util.h"

namespace octet::nn {

class Dense : public Layer {
 public:
  explicit Dense(int units, bool use_bias = true);

  std::string kind() const override { return "dense"; }
  // input_shape = [In] (an error for any other rank: put a Flatten first); returns [Units].
  // Kernel Glorot-uniform with fan_in = In, fan_out = Units; bias = 0.
  Result<Shape> build(const Shape& input_shape, Rng& rng) override;
  void forward(const Tensor& in, Tensor& out, Context& ctx) override;
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                Context& ctx) override;
  std::vector<Param*> params() override;  // {kernel, bias} or {kernel}

  int units() const { return units_; }
  bool use_bias() const { return use_bias_; }
  int input_size() const { return in_; }  // valid after build

  Tensor& kernel() { return kernel_.value; }  // [In, Units]
  const Tensor& kernel() const { return kernel_.value; }
  Tensor& bias() { return bias_.value; }  // [Units]; empty when !use_bias()
  const Tensor& bias() const { return bias_.value; }
  Param& kernel_param() { return kernel_; }
  Param& bias_param() { return bias_; }

 private:
  int units_;
  bool use_bias_;
  int in_ = 0;
  Param kernel_{"kernel", {}, {}}, bias_{"bias", {}, {}};
};

}  // namespace octet::nn
