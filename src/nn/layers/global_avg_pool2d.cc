#include "nn/layers/global_avg_pool2d.h"

namespace octet::nn {

Result<Shape> GlobalAvgPool2D::build(const Shape& input_shape, Rng&) {
  if (input_shape.size() != 3 || num_elements(input_shape) < 1)
    return Status::Error("global_avg_pool2d: input must be a non-empty [H, W, C] (got " +
                         shape_to_string(input_shape) + ")");
  h_ = input_shape[0], w_ = input_shape[1], c_ = input_shape[2];
  return Shape{c_};
}

void GlobalAvgPool2D::forward(const Tensor& in, Tensor& out, Context& ctx) {
  OCTET_CHECK(in.shape.size() == 4 && in.dim(1) == h_ && in.dim(2) == w_ && in.dim(3) == c_);
  const int n = in.dim(0);
  out.reshape({n, c_});
  const int64_t pixels = static_cast<int64_t>(h_) * w_;
  const float inv = 1.0f / static_cast<float>(pixels);
  const float* xall = in.ptr();
  float* yall = out.ptr();
  ctx.pool->parallel_for(n, [&](int, int i0, int i1) {
    for (int i = i0; i < i1; ++i) {
      const float* x = xall + i * pixels * c_;
      float* y = yall + static_cast<int64_t>(i) * c_;
      std::fill(y, y + c_, 0.0f);
      for (int64_t p = 0; p < pixels; ++p)
        for (int c = 0; c < c_; ++c) y[c] += x[p * c_ + c];
      for (int c = 0; c < c_; ++c) y[c] *= inv;
    }
  });
}

void GlobalAvgPool2D::backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                               Context& ctx) {
  if (!grad_in) return;
  OCTET_CHECK(grad_out.shape == out.shape);
  const int n = in.dim(0);
  grad_in->reshape(in.shape);
  const int64_t pixels = static_cast<int64_t>(h_) * w_;
  const float inv = 1.0f / static_cast<float>(pixels);
  const float* gyall = grad_out.ptr();
  float* gxall = grad_in->ptr();
  ctx.pool->parallel_for(n, [&](int, int i0, int i1) {
    for (int i = i0; i < i1; ++i) {
      const float* g = gyall + static_cast<int64_t>(i) * c_;
      float* gx = gxall + i * pixels * c_;
      for (int64_t p = 0; p < pixels; ++p)
        for (int c = 0; c < c_; ++c) gx[p * c_ + c] = g[c] * inv;
    }
  });
}

}  // namespace octet::nn
