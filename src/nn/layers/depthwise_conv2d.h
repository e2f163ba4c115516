// Depthwise 2-D convolution, NHWC, direct loops (no GEMM: each output channel sees one input
// channel). Kernel [KH, KW, Cin*M] where output channel c*M + m reads input channel c (TFLite's
// depthwise layout with the leading 1 dropped), bias [Cin*M]. TFLite SAME/VALID geometry.
//
// Initialisation: Glorot-uniform with fan_in = KH*KW and fan_out = KH*KW*M, i.e. the fans of
// one input channel's filter. NOTE: Keras' own DepthwiseConv2D computes the fans from its
// (KH, KW, Cin, M) kernel shape, giving fan_in = KH*KW*Cin, fan_out = KH*KW*M (a smaller limit).
#pragma once

#include "nn/layer.h"
#include "nn/layers/layer_util.h"
#include "runtime/graph.h"

namespace octet::nn {

class DepthwiseConv2D : public Layer {
 public:
  DepthwiseConv2D(int kernel_h, int kernel_w, int stride_h, int stride_w, runtime::Padding padding,
                  int depth_multiplier = 1, bool use_bias = true);

  std::string kind() const override { return "depthwise_conv2d"; }
  // input_shape = [H, W, Cin]; returns [OH, OW, Cin*M].
  Result<Shape> build(const Shape& input_shape, Rng& rng) override;
  void forward(const Tensor& in, Tensor& out, Context& ctx) override;
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                Context& ctx) override;
  std::vector<Param*> params() override;  // {kernel, bias} or {kernel}

  int kernel_h() const { return kernel_h_; }
  int kernel_w() const { return kernel_w_; }
  int stride_h() const { return stride_h_; }
  int stride_w() const { return stride_w_; }
  runtime::Padding padding() const { return padding_; }
  int depth_multiplier() const { return multiplier_; }
  bool use_bias() const { return use_bias_; }
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return output_shape_; }
  int pad_top() const { return pad_top_; }
  int pad_left() const { return pad_left_; }

  Tensor& kernel() { return kernel_.value; }  // [KH, KW, Cin*M]
  const Tensor& kernel() const { return kernel_.value; }
  Tensor& bias() { return bias_.value; }  // [Cin*M]; empty when !use_bias()
  const Tensor& bias() const { return bias_.value; }
  Param& kernel_param() { return kernel_; }
  Param& bias_param() { return bias_; }

 private:
  int kernel_h_, kernel_w_, stride_h_, stride_w_;
  runtime::Padding padding_;
  int multiplier_;
  bool use_bias_;
  Shape input_shape_, output_shape_;
  int in_h_ = 0, in_w_ = 0, in_c_ = 0, out_h_ = 0, out_w_ = 0, pad_top_ = 0, pad_left_ = 0;
  Param kernel_{"kernel", {}, {}}, bias_{"bias", {}, {}};
  std::vector<float> dkernel_parts_, dbias_parts_;  // per group partial gradients
};

}  // namespace octet::nn
