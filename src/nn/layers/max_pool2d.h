// 2-D max pooling, NHWC. As TFLite: the window is clipped to the image (padding never wins).
// Backward routes each output gradient to the input element that won the forward max; on ties
// the first tap in (ky, kx) row-major order wins, so exactly one input receives it.
#pragma once

#include <cstdint>

#include "nn/layer.h"
#include "nn/layers/layer_util.h"
#include "runtime/graph.h"

namespace octet::nn {

class MaxPool2D : public Layer {
 public:
  MaxPool2D(int pool_h, int pool_w, int stride_h, int stride_w, runtime::Padding padding);

  std::string kind() const override { return "max_pool2d"; }
  Result<Shape> build(const Shape& input_shape, Rng& rng) override;  // [H, W, C] -> [OH, OW, C]
  void forward(const Tensor& in, Tensor& out, Context& ctx) override;
  void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                Context& ctx) override;

  int pool_h() const { return pool_h_; }
  int pool_w() const { return pool_w_; }
  int stride_h() const { return stride_h_; }
  int stride_w() const { return stride_w_; }
  runtime::Padding padding() const { return padding_; }
  const PoolGeometry& geometry() const { return geom_; }

 private:
  int pool_h_, pool_w_, stride_h_, stride_w_;
  runtime::Padding padding_;
  PoolGeometry geom_;
  std::vector<int32_t> argmax_;  // per output element: offset of the winner within its image, -1 if none
};

}  // namespace octet::nn
