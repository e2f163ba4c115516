#include "nn/layers/avg_pool2d.h"

#include <cstring>

namespace octet::nn {

void AvgPool2D::forward(const Tensor& in, Tensor& out, Context& ctx) {
  const PoolGeometry& g = geom_;
  OCTET_CHECK(in.shape.size() == 4 && in.dim(1) == g.in_h && in.dim(2) == g.in_w && in.dim(3) == g.channels);
  const int n = in.dim(0), c_n = g.channels;
  out.reshape({n, g.out_h, g.out_w, c_n});
  const int64_t in_image = static_cast<int64_t>(g.in_h) * g.in_w * c_n;
  const int64_t out_image = static_cast<int64_t>(g.out_h) * g.out_w * c_n;
  const float* xall = in.ptr();
  float* yall = out.ptr();
  ctx.pool->parallel_for(n, [&](int, int i0, int i1) {
    for (int i = i0; i < i1; ++i) {
      const float* x = xall + i * in_image;
      for (int oy = 0; oy < g.out_h; ++oy) {
        const int y0 = std::max(0, oy * stride_h_ - g.pad_top);
        const int y1 = std::min(g.in_h, oy * stride_h_ - g.pad_top + pool_h_);
        for (int ox = 0; ox < g.out_w; ++ox) {
          const int x0 = std::max(0, ox * stride_w_ - g.pad_left);
          const int x1 = std::min(g.in_w, ox * stride_w_ - g.pad_left + pool_w_);
          float* o = yall + i * out_image + (static_cast<int64_t>(oy) * g.out_w + ox) * c_n;
          std::fill(o, o + c_n, 0.0f);
          for (int iy = y0; iy < y1; ++iy)
            for (int ix = x0; ix < x1; ++ix) {
              const float* v = x + (static_cast<int64_t>(iy) * g.in_w + ix) * c_n;
              for (int c = 0; c < c_n; ++c) o[c] += v[c];
            }
          const int count = std::max(0, y1 - y0) * std::max(0, x1 - x0);
          if (count > 0) {
            const float inv = 1.0f / static_cast<float>(count);
            for (int c = 0; c < c_n; ++c) o[c] *= inv;
          }
        }
      }
    }
  });
}

void AvgPool2D::backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                         Context& ctx) {
  if (!grad_in) return;
  const PoolGeometry& g = geom_;
  OCTET_CHECK(grad_out.shape == out.shape);
  const int n = in.dim(0), c_n = g.channels;
  grad_in->reshape(in.shape);
  const int64_t in_image = static_cast<int64_t>(g.in_h) * g.in_w * c_n;
  const int64_t out_image = static_cast<int64_t>(g.out_h) * g.out_w * c_n;
  const float* gyall = grad_out.ptr();
  float* gxall = grad_in->ptr();
  ctx.pool->parallel_for(n, [&](int, int i0, int i1) {
    std::memset(gxall + i0 * in_image, 0, sizeof(float) * (i1 - i0) * in_image);
    for (int i = i0; i < i1; ++i) {
      float* gx = gxall + i * in_image;
      for (int oy = 0; oy < g.out_h; ++oy) {
        const int y0 = std::max(0, oy * stride_h_ - g.pad_top);
        const int y1 = std::min(g.in_h, oy * stride_h_ - g.pad_top + pool_h_);
        for (int ox = 0; ox < g.out_w; ++ox) {
          const int x0 = std::max(0, ox * stride_w_ - g.pad_left);
          const int x1 = std::min(g.in_w, ox * stride_w_ - g.pad_left + pool_w_);
          const int count = std::max(0, y1 - y0) * std::max(0, x1 - x0);
          if (count == 0) continue;
          const float inv = 1.0f / static_cast<float>(count);
          const float* go = gyall + i * out_image + (static_cast<int64_t>(oy) * g.out_w + ox) * c_n;
          for (int iy = y0; iy < y1; ++iy)
            for (int ix = x0; ix < x1; ++ix) {
              float* d = gx + (static_cast<int64_t>(iy) * g.in_w + ix) * c_n;
              for (int c = 0; c < c_n; ++c) d[c] += go[c] * inv;
            }
        }
      }
    }
  });
}

}  // namespace octet::nn
