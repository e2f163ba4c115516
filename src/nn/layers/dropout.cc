#include "nn/layers/dropout.h"

#include <cstring>

#include "nn/layers/layer_util.h"

namespace octet::nn {

Dropout::Dropout(float rate) : rate_(rate) {}

Result<Shape> Dropout::build(const Shape& input_shape, Rng&) {
  if (!(rate_ >= 0.0f && rate_ < 1.0f)) return Status::Error("dropout: rate must be in [0, 1)");
  return input_shape;
}

void Dropout::forward(const Tensor& in, Tensor& out, Context& ctx) {
  out.reshape(in.shape);
  masked_ = ctx.training && rate_ > 0.0f;
  if (!masked_) {
    std::memcpy(out.ptr(), in.ptr(), sizeof(float) * in.size());
    return;
  }
  OCTET_CHECK_MSG(ctx.rng != nullptr, "dropout needs ctx.rng in training");
  const float scale = 1.0f / (1.0f - rate_);
  mask_.resize(in.size());
  Rng& rng = *ctx.rng;
  for (float& m : mask_) m = rng.uniform() >= rate_ ? scale : 0.0f;
  const float* x = in.ptr();
  const float* m = mask_.data();
  float* y = out.ptr();
  parallel_elementwise(*ctx.pool, in.size(), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = x[i] * m[i];
  });
}

void Dropout::backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                       Context& ctx) {
  if (!grad_in) return;
  OCTET_CHECK(grad_out.size() == in.size());
  grad_in->reshape(in.shape);
  if (!masked_) {
    std::memcpy(grad_in->ptr(), grad_out.ptr(), sizeof(float) * in.size());
    return;
  }
  OCTET_CHECK(static_cast<int64_t>(mask_.size()) == in.size());
  const float* g = grad_out.ptr();
  const float* m = mask_.data();
  float* d = grad_in->ptr();
  parallel_elementwise(*ctx.pool, in.size(), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) d[i] = g[i] * m[i];
  });
}

}  // namespace octet::nn
