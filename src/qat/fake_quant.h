// Fake quantization for quantization-aware training: layers that round activations and weights
// to the grid the int8 model will use, in float, with straight-through-estimator gradients.
// The grids come from the converter's own arithmetic (quant/qparams.h), so a fake-quant model
// computes what the int8 file computes, up to the int8 kernels' requantization rounding.
#pragma once

#include <memory>
#include <vector>

#include "nn/layer.h"

namespace octet::qat {

// The int8 parameters of an activation range [min, max] at `bits` (quant::activation_params),
// and the real values the int8 container holds: [lo, hi] = [(-128 - Z) S, (127 - Z) S]. Below 8
// bits the int8 kernels still clamp to [-128, 127] only, so the fake quantization does too.
struct FakeQuantGrid {
  float scale = 1.0f;
  int32_t zero_point = 0;
  float lo = 0, hi = 0;
};
Result<FakeQuantGrid> activation_grid(float min, float max, int bits);
// clamp(round_half_away(x / S) + Z, -128, 127) - Z, times S: the rounding of a requantized
// CONV_2D, FULLY_CONNECTED, MEAN... output. With `round_stored`, the stored int8 value x / S + Z
// is what gets rounded (half away from zero), as AVERAGE_POOL_2D rounds its mean of int8 values:
// the two differ on ties when Z != 0.
float fake_quantize(float x, const FakeQuantGrid& g, bool round_stored = false);

// The range of one activation tensor, shared by the layer that tracks it and the layers whose
// int8 output reuses its parameters (average pooling).
struct ActivationRange {
  float min = 0, max = 0;
};

// Fake-quantizes its input with the grid of `range`. When `track` is set, each training batch
// first moves the range by `ema` towards the batch's min and max (PyTorch's moving-average
// observer). Backward is the straight-through estimator: dL/dx = dL/dy where lo <= x <= hi, else 0.
// `round_stored` as in fake_quantize (after an average pool).
class FakeQuantActivation : public nn::Layer {
 public:
  FakeQuantActivation(std::shared_ptr<ActivationRange> range, int bits, bool track, float ema = 0.01f,
                      bool round_stored = false)
      : range_(std::move(range)), bits_(bits), track_(track), ema_(ema), round_stored_(round_stored) {}
  std::string kind() const override { return "fake_quant"; }
  Result<Shape> build(const Shape& input_shape, Rng&) override { return input_shape; }
  void forward(const Tensor& in, Tensor& out, nn::Context& ctx) override;
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                nn::Context& ctx) override;

 private:
  std::shared_ptr<ActivationRange> range_;
  int bits_;
  bool track_;
  float ema_;
  bool round_stored_;
  FakeQuantGrid grid_;  // of the last forward, for backward
};

// Runs a conv2d, depthwise_conv2d or dense layer it does not own with its kernel replaced by the
// kernel's symmetric per-channel fake quantization (quant::quantize_weights_per_channel at `bits`,
// scales from the current weights every step). The gradient lands on the float kernel unchanged
// (straight-through: every weight lies inside its channel's range by construction), so the
// optimizer updates the float weights. The kernel's output channel is its last axis.
class FakeQuantWeights : public nn::Layer {
 public:
  FakeQuantWeights(nn::Layer* inner, Shape output_shape, int bits)
      : inner_(inner), output_shape_(std::move(output_shape)), bits_(bits) {}
  std::string kind() const override { return "fake_quant_" + inner_->kind(); }
  Result<Shape> build(const Shape&, Rng&) override { return output_shape_; }
  void forward(const Tensor& in, Tensor& out, nn::Context& ctx) override;
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                nn::Context& ctx) override;
  std::vector<nn::Param*> params() override { return inner_->params(); }
  // The fake-quantized kernel of the last forward.
  const std::vector<float>& quantized_kernel() const { return kernel_; }

 private:
  nn::Layer* inner_;
  Shape output_shape_;
  int bits_;
  std::vector<float> kernel_;  // swapped with the float kernel around the inner layer's calls
};

// Runs a layer it does not own unchanged (a fake-quant model borrows its float model's layers, so
// training updates the float model and export_graph exports it).
class BorrowedLayer : public nn::Layer {
 public:
  BorrowedLayer(nn::Layer* inner, Shape output_shape) : inner_(inner), output_shape_(std::move(output_shape)) {}
  std::string kind() const override { return inner_->kind(); }
  Result<Shape> build(const Shape&, Rng&) override { return output_shape_; }
  void forward(const Tensor& in, Tensor& out, nn::Context& ctx) override { inner_->forward(in, out, ctx); }
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                nn::Context& ctx) override {
    inner_->backward(in, out, grad_out, grad_in, ctx);
  }
  std::vector<nn::Param*> params() override { return inner_->params(); }
  std::vector<Tensor*> buffers() override { return inner_->buffers(); }

 private:
  nn::Layer* inner_;
  Shape output_shape_;
};

}  // namespace octet::qat
