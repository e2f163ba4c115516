#include "nn/layers/relu.h"

#include "nn/layers/layer_util.h"

namespace octet::nn {

void ReLU::forward(const Tensor& in, Tensor& out, Context& ctx) {
  out.reshape(in.shape);
  const float* x = in.ptr();
  float* y = out.ptr();
  parallel_elementwise(*ctx.pool, in.size(), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
  });
}

void ReLU::backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                    Context& ctx) {
  if (!grad_in) return;
  OCTET_CHECK(grad_out.size() == in.size());
  grad_in->reshape(in.shape);
  const float* x = in.ptr();
  const float* g = grad_out.ptr();
  float* d = grad_in->ptr();
  parallel_elementwise(*ctx.pool, in.size(), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float gi = g[i];  // loaded unconditionally so the select vectorizes (no branch)
      d[i] = x[i] > 0.0f ? gi : 0.0f;
    }
  });
}

void ReLU6::forward(const Tensor& in, Tensor& out, Context& ctx) {
  out.reshape(in.shape);
  const float* x = in.ptr();
  float* y = out.ptr();
  parallel_elementwise(*ctx.pool, in.size(), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = x[i] > 0.0f ? (x[i] < 6.0f ? x[i] : 6.0f) : 0.0f;
  });
}

void ReLU6::backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                     Context& ctx) {
  if (!grad_in) return;
  OCTET_CHECK(grad_out.size() == in.size());
  grad_in->reshape(in.shape);
  const float* x = in.ptr();
  const float* g = grad_out.ptr();
  float* d = grad_in->ptr();
  parallel_elementwise(*ctx.pool, in.size(), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float gi = g[i], xi = x[i];
      d[i] = (xi > 0.0f) & (xi < 6.0f) ? gi : 0.0f;
    }
  });
}

}  // namespace octet::nn
