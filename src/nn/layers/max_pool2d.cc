#include "nn/layers/max_pool2d.h"

#include <cstring>

namespace octet::nn {

namespace {

// One image; all sizes by value so the stores through y/arg cannot alias them (keeps the
// channel loop vectorized).
void max_pool_image(const float* __restrict x, float* __restrict y, int32_t* __restrict arg, const PoolGeometry g,
                    const int pool_h, const int pool_w, const int stride_h, const int stride_w) {
  const int c_n = g.channels;
  for (int oy = 0; oy < g.out_h; ++oy) {
    const int y0 = std::max(0, oy * stride_h - g.pad_top);
    const int y1 = std::min(g.in_h, oy * stride_h - g.pad_top + pool_h);
    for (int ox = 0; ox < g.out_w; ++ox) {
      const int x0 = std::max(0, ox * stride_w - g.pad_left);
      const int x1 = std::min(g.in_w, ox * stride_w - g.pad_left + pool_w);
      float* __restrict best = y + (static_cast<int64_t>(oy) * g.out_w + ox) * c_n;
      int32_t* __restrict idx = arg + (static_cast<int64_t>(oy) * g.out_w + ox) * c_n;
      if (y0 >= y1 || x0 >= x1) {  // cannot happen with TFLite geometry; kept total
        for (int c = 0; c < c_n; ++c) best[c] = 0.0f, idx[c] = -1;
        continue;
      }
      const int32_t first = static_cast<int32_t>((static_cast<int64_t>(y0) * g.in_w + x0) * c_n);
      for (int c = 0; c < c_n; ++c) best[c] = x[first + c], idx[c] = first + c;
      for (int iy = y0; iy < y1; ++iy) {
        for (int ix = (iy == y0 ? x0 + 1 : x0); ix < x1; ++ix) {
          const int32_t off = static_cast<int32_t>((static_cast<int64_t>(iy) * g.in_w + ix) * c_n);
          const float* __restrict v = x + off;
          for (int c = 0; c < c_n; ++c) {  // strictly greater: the first maximum wins ties
            // Select by bit mask: GCC keeps a ?: with two stores as a branch and won't vectorize.
            const float b = best[c], vc = v[c];
            const int32_t take = -static_cast<int32_t>(vc > b);
            best[c] = vc > b ? vc : b;
            idx[c] = (idx[c] & ~take) | ((off + c) & take);
          }
        }
      }
    }
  }
}

}  // namespace

void MaxPool2D::forward(const Tensor& in, Tensor& out, Context& ctx) {
  const PoolGeometry& g = geom_;
  OCTET_CHECK(in.shape.size() == 4 && in.dim(1) == g.in_h && in.dim(2) == g.in_w && in.dim(3) == g.channels);
  const int n = in.dim(0), c_n = g.channels;
  out.reshape({n, g.out_h, g.out_w, c_n});
  argmax_.resize(out.size());
  const int64_t in_image = static_cast<int64_t>(g.in_h) * g.in_w * c_n;
  const int64_t out_image = static_cast<int64_t>(g.out_h) * g.out_w * c_n;
  const float* xall = in.ptr();
  float* yall = out.ptr();
  int32_t* argall = argmax_.data();
  ctx.pool->parallel_for(n, [&](int, int i0, int i1) {
    for (int i = i0; i < i1; ++i)
      max_pool_image(xall + i * in_image, yall + i * out_image, argall + i * out_image, g, pool_h_, pool_w_,
                     stride_h_, stride_w_);
  });
}

void MaxPool2D::backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                         Context& ctx) {
  if (!grad_in) return;
  OCTET_CHECK(grad_out.shape == out.shape && static_cast<int64_t>(argmax_.size()) == out.size());
  const PoolGeometry g = geom_;
  const int n = in.dim(0), c_n = g.channels;
  grad_in->reshape(in.shape);
  const int64_t in_image = static_cast<int64_t>(g.in_h) * g.in_w * c_n;
  const int64_t out_image = static_cast<int64_t>(g.out_h) * g.out_w * c_n;
  // Non-overlapping windows that tile the image exactly (the usual 2x2/2 VALID on even sizes):
  // zero each window and drop its gradients in one pass, instead of a memset of the whole
  // gradient followed by a scatter.
  const bool tiles = stride_h_ == pool_h_ && stride_w_ == pool_w_ && g.pad_top == 0 && g.pad_left == 0 &&
                     g.out_h * pool_h_ == g.in_h && g.out_w * pool_w_ == g.in_w;
  const int ph = pool_h_, pw = pool_w_;
  const float* gy = grad_out.ptr();
  const int32_t* argall = argmax_.data();
  float* gx = grad_in->ptr();
  ctx.pool->parallel_for(n, [&](int, int i0, int i1) {
    if (!tiles) std::memset(gx + i0 * in_image, 0, sizeof(float) * (i1 - i0) * in_image);
    for (int i = i0; i < i1; ++i) {
      float* __restrict gxi = gx + i * in_image;
      const int32_t* __restrict arg = argall + i * out_image;
      const float* __restrict gi = gy + i * out_image;
      if (!tiles) {
        for (int64_t e = 0; e < out_image; ++e)
          if (arg[e] >= 0) gxi[arg[e]] += gi[e];
        continue;
      }
      for (int oy = 0; oy < g.out_h; ++oy)
        for (int ox = 0; ox < g.out_w; ++ox) {
          for (int ky = 0; ky < ph; ++ky) {
            float* d = gxi + (static_cast<int64_t>(oy * ph + ky) * g.in_w + ox * pw) * c_n;
            std::fill(d, d + pw * c_n, 0.0f);
          }
          const int64_t o = (static_cast<int64_t>(oy) * g.out_w + ox) * c_n;
          for (int c = 0; c < c_n; ++c) gxi[arg[o + c]] = gi[o + c];
        }
    }
  });
}

}  // namespace octet::nn
