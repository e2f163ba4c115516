// 2-D convolution, NHWC, as im2col + one GEMM per group of images (runtime/kernels/f32_*).
// Kernel [KH, KW, Cin, Cout] (so an im2col row times the kernel is one output pixel), bias
// [Cout]. Output size and padding follow TFLite (kernels::window_1d): SAME pads odd totals at
// the end. Forward, weight gradient and input gradient are bit-identical for any thread count.
#pragma once

#include "nn/layer.h"
#include "nn/layers/layer_util.h"
#include "runtime/graph.h"
#include "runtime/kernels/f32_im2col.h"

namespace octet::nn {

class Conv2D : public Layer {
 public:
  Conv2D(int filters, int kernel_h, int kernel_w, int stride_h, int stride_w, runtime::Padding padding,
         bool use_bias = true);

  std::string kind() const override { return "conv2d"; }
  // input_shape = [H, W, Cin]; returns [OH, OW, filters]. Draws the kernel (Glorot-uniform,
  // fan_in = KH*KW*Cin, fan_out = KH*KW*Cout) from rng in storage order; bias = 0.
  Result<Shape> build(const Shape& input_shape, Rng& rng) override;
  // in [N, H, W, Cin] -> out [N, OH, OW, Cout].
  void forward(const Tensor& in, Tensor& out, Context& ctx) override;
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                Context& ctx) override;
  std::vector<Param*> params() override;  // {kernel, bias} or {kernel}

  int filters() const { return filters_; }
  int kernel_h() const { return kernel_h_; }
  int kernel_w() const { return kernel_w_; }
  int stride_h() const { return stride_h_; }
  int stride_w() const { return stride_w_; }
  runtime::Padding padding() const { return padding_; }
  bool use_bias() const { return use_bias_; }
  // Valid after build: [H, W, Cin] and [OH, OW, Cout]; leading padding (TFLite's).
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return output_shape_; }
  int pad_top() const { return geom_.pad_top; }
  int pad_left() const { return geom_.pad_left; }

  Tensor& kernel() { return kernel_.value; }  // [KH, KW, Cin, Cout]
  const Tensor& kernel() const { return kernel_.value; }
  Tensor& bias() { return bias_.value; }  // [Cout]; empty when !use_bias()
  const Tensor& bias() const { return bias_.value; }
  Param& kernel_param() { return kernel_; }
  Param& bias_param() { return bias_; }

 private:
  // True for 1x1, stride 1, no padding: the NHWC input already is the im2col matrix.
  bool pointwise() const;

  int filters_, kernel_h_, kernel_w_, stride_h_, stride_w_;
  runtime::Padding padding_;
  bool use_bias_;
  Shape input_shape_, output_shape_;
  kernels::Im2ColGeometry geom_{};
  Param kernel_{"kernel", {}, {}}, bias_{"bias", {}, {}};
  ThreadScratch cols_;                       // per chunk: im2col (and its gradient) for one group
  std::vector<float> dkernel_parts_, dbias_parts_;  // per group partial gradients
};

}  // namespace octet::nn
