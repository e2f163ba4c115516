#include "nn/layers/conv2d.h"

#include <algorithm>
#include <cstring>

#include "runtime/kernels/conv_geometry.h"
#include "runtime/kernels/f32_gemm.h"

namespace octet::nn {
namespace {

// About this many im2col rows per GEMM: enough for OpenBLAS to reach its speed, small enough
// for the column buffer to stay in L2 for typical patch sizes. Groups never depend on threads.
constexpr int64_t kTargetRows = 1024;
constexpr int kMinGroups = 8;

// kernels::f32_im2col with the per-tap memcpy replaced by straight copies of a compile-time
// channel count: for the first layer (C = 1 or 3) a library call per 4-12 bytes costs more
// than the GEMM. Produces exactly the same matrix.
template <int C>
void im2col_few_channels(const float* __restrict image, const kernels::Im2ColGeometry g, float* __restrict cols) {
  const int k = g.kernel_h * g.kernel_w * C;
  for (int oy = 0; oy < g.out_h; ++oy) {
    float* __restrict rows = cols + static_cast<int64_t>(oy) * g.out_w * k;
    for (int ky = 0; ky < g.kernel_h; ++ky) {
      const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
      const bool row_in = iy >= 0 && iy < g.in_h;
      const float* src_row = image + static_cast<int64_t>(iy) * g.in_w * C;
      for (int kx = 0; kx < g.kernel_w; ++kx) {
        // Output columns ox whose tap (ky, kx) lands inside the image: [lo, hi).
        const int off = kx * g.dilation_w - g.pad_left;
        int lo = 0, hi = 0;
        if (row_in) {
          lo = off >= 0 ? 0 : (-off + g.stride_w - 1) / g.stride_w;
          hi = std::min(g.out_w, (g.in_w - 1 - off) / g.stride_w + 1);
          lo = std::min(lo, hi);
        }
        float* __restrict dst = rows + (ky * g.kernel_w + kx) * C;
        for (int ox = 0; ox < lo; ++ox)
          for (int c = 0; c < C; ++c) dst[ox * k + c] = 0.0f;
        for (int ox = lo; ox < hi; ++ox) {
          const float* src = src_row + (ox * g.stride_w + off) * C;
          for (int c = 0; c < C; ++c) dst[ox * k + c] = src[c];
        }
        for (int ox = hi; ox < g.out_w; ++ox)
          for (int c = 0; c < C; ++c) dst[ox * k + c] = 0.0f;
      }
    }
  }
}

// Copies row [0, n) to every row of rows x n, doubling the copied block each time (a few large
// memcpy calls instead of one small call per row).
void broadcast_rows(const float* row, int n, int64_t rows, float* dst) {
  if (rows <= 0) return;
  std::memcpy(dst, row, sizeof(float) * n);
  for (int64_t done = 1; done < rows;) {
    const int64_t step = std::min(done, rows - done);
    std::memcpy(dst + done * n, dst, sizeof(float) * n * step);
    done += step;
  }
}

void im2col(const float* image, const kernels::Im2ColGeometry& g, float* cols) {
  switch (g.channels) {
    case 1: return im2col_few_channels<1>(image, g, cols);
    case 2: return im2col_few_channels<2>(image, g, cols);
    case 3: return im2col_few_channels<3>(image, g, cols);
    case 4: return im2col_few_channels<4>(image, g, cols);
    default: return kernels::f32_im2col(image, g, cols);
  }
}

}  // namespace

Conv2D::Conv2D(int filters, int kernel_h, int kernel_w, int stride_h, int stride_w, runtime::Padding padding,
               bool use_bias)
    : filters_(filters),
      kernel_h_(kernel_h),
      kernel_w_(kernel_w),
      stride_h_(stride_h),
      stride_w_(stride_w),
      padding_(padding),
      use_bias_(use_bias) {}

Result<Shape> Conv2D::build(const Shape& input_shape, Rng& rng) {
  if (input_shape.size() != 3)
    return Status::Error("conv2d: input must be [H, W, C] (got " + shape_to_string(input_shape) + ")");
  if (filters_ < 1 || kernel_h_ < 1 || kernel_w_ < 1 || stride_h_ < 1 || stride_w_ < 1)
    return Status::Error("conv2d: filters, kernel and strides must be positive");
  const int h = input_shape[0], w = input_shape[1], c = input_shape[2];
  if (h < 1 || w < 1 || c < 1) return Status::Error("conv2d: empty input " + shape_to_string(input_shape));
  kernels::Window1D wy = kernels::window_1d(h, kernel_h_, stride_h_, 1, padding_);
  kernels::Window1D wx = kernels::window_1d(w, kernel_w_, stride_w_, 1, padding_);
  if (wy.out < 1 || wx.out < 1)
    return Status::Error("conv2d: kernel " + std::to_string(kernel_h_) + "x" + std::to_string(kernel_w_) +
                         " does not fit input " + shape_to_string(input_shape) + " with VALID padding");
  geom_ = {h, w, c, kernel_h_, kernel_w_, stride_h_, stride_w_, 1, 1, wy.pad_before, wx.pad_before, wy.out, wx.out};
  input_shape_ = input_shape;
  output_shape_ = {wy.out, wx.out, filters_};

  const int64_t taps = static_cast<int64_t>(kernel_h_) * kernel_w_;
  kernel_.value = Tensor({kernel_h_, kernel_w_, c, filters_});
  glorot_uniform(kernel_.value, taps * c, taps * filters_, rng);
  kernel_.grad = Tensor(kernel_.value.shape);
  if (use_bias_) {
    bias_.value = Tensor({filters_});
    bias_.grad = Tensor({filters_});
  }
  return output_shape_;
}

std::vector<Param*> Conv2D::params() {
  if (use_bias_) return {&kernel_, &bias_};
  return {&kernel_};
}

bool Conv2D::pointwise() const {
  return kernel_h_ == 1 && kernel_w_ == 1 && stride_h_ == 1 && stride_w_ == 1 && geom_.pad_top == 0 &&
         geom_.pad_left == 0;
}

void Conv2D::forward(const Tensor& in, Tensor& out, Context& ctx) {
  const int n = in.dim(0);
  OCTET_CHECK(in.shape.size() == 4 && in.dim(1) == geom_.in_h && in.dim(2) == geom_.in_w &&
              in.dim(3) == geom_.channels);
  out.reshape({n, geom_.out_h, geom_.out_w, filters_});
  const int64_t rows = static_cast<int64_t>(geom_.out_h) * geom_.out_w;  // GEMM rows per image
  const int k = geom_.patch_size();
  const int64_t in_image = static_cast<int64_t>(geom_.in_h) * geom_.in_w * geom_.channels;
  const bool direct = pointwise();
  BatchGroups groups = split_batch(n, rows, kTargetRows, kMinGroups);
  if (!direct) cols_.reserve(ctx.pool->num_threads(), groups.size * rows * k);

  const float* x = in.ptr();
  const float* kern = kernel_.value.ptr();
  const float* bias = use_bias_ ? bias_.value.ptr() : nullptr;
  float* y = out.ptr();
  ctx.pool->parallel_for(groups.count, [&](int chunk, int gb, int ge) {
    for (int g = gb; g < ge; ++g) {
      const int i0 = groups.begin(g), i1 = groups.end(g);
      const int m = static_cast<int>((i1 - i0) * rows);
      const float* a = x + i0 * in_image;
      if (!direct) {
        float* cols = cols_.get(chunk);
        for (int i = i0; i < i1; ++i) im2col(x + i * in_image, geom_, cols + (i - i0) * rows * k);
        a = cols;
      }
      float* c = y + static_cast<int64_t>(i0) * rows * filters_;
      if (bias) broadcast_rows(bias, filters_, m, c);
      kernels::f32_gemm(false, false, m, filters_, k, 1.0f, a, k, kern, filters_, bias ? 1.0f : 0.0f, c, filters_);
    }
  });
}

void Conv2D::backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                      Context& ctx) {
  const int n = in.dim(0);
  OCTET_CHECK(grad_out.shape == out.shape && out.dim(0) == n);
  const int64_t rows = static_cast<int64_t>(geom_.out_h) * geom_.out_w;
  const int k = geom_.patch_size();
  const int64_t in_image = static_cast<int64_t>(geom_.in_h) * geom_.in_w * geom_.channels;
  const int64_t ksize = static_cast<int64_t>(k) * filters_;
  const bool direct = pointwise();
  BatchGroups groups = split_batch(n, rows, kTargetRows, kMinGroups);
  if (!direct) cols_.reserve(ctx.pool->num_threads(), groups.size * rows * k);
  dkernel_parts_.resize(groups.count * ksize);
  if (use_bias_) dbias_parts_.resize(static_cast<size_t>(groups.count) * filters_);
  if (grad_in) grad_in->reshape(in.shape);

  const float* x = in.ptr();
  const float* gy = grad_out.ptr();
  const float* kern = kernel_.value.ptr();
  float* gx = grad_in ? grad_in->ptr() : nullptr;
  ctx.pool->parallel_for(groups.count, [&](int chunk, int gb, int ge) {
    for (int g = gb; g < ge; ++g) {
      const int i0 = groups.begin(g), i1 = groups.end(g);
      const int m = static_cast<int>((i1 - i0) * rows);
      const float* go = gy + static_cast<int64_t>(i0) * rows * filters_;
      float* cols = direct ? nullptr : cols_.get(chunk);
      const float* a = x + i0 * in_image;
      if (!direct) {
        for (int i = i0; i < i1; ++i) im2col(x + i * in_image, geom_, cols + (i - i0) * rows * k);
        a = cols;
      }
      // dKernel_g [K, Cout] = cols^T [K, M] * grad_out [M, Cout]
      kernels::f32_gemm(true, false, k, filters_, m, 1.0f, a, k, go, filters_, 0.0f,
                        dkernel_parts_.data() + g * ksize, filters_);
      if (use_bias_) {
        float* db = dbias_parts_.data() + static_cast<int64_t>(g) * filters_;
        std::fill(db, db + filters_, 0.0f);
        for (int r = 0; r < m; ++r) {
          const float* row = go + static_cast<int64_t>(r) * filters_;
          for (int c = 0; c < filters_; ++c) db[c] += row[c];
        }
      }
      if (!gx) continue;
      // dcols [M, K] = grad_out [M, Cout] * kernel^T [Cout, K], then scattered back by col2im.
      float* gxi = gx + i0 * in_image;
      if (direct) {
        kernels::f32_gemm(false, true, m, k, filters_, 1.0f, go, filters_, kern, filters_, 0.0f, gxi, k);
        continue;
      }
      kernels::f32_gemm(false, true, m, k, filters_, 1.0f, go, filters_, kern, filters_, 0.0f, cols, k);
      std::memset(gxi, 0, sizeof(float) * (i1 - i0) * in_image);
      for (int i = i0; i < i1; ++i)
        kernels::f32_col2im_add(cols + (i - i0) * rows * k, geom_, gx + i * in_image);
    }
  });
  add_partials(dkernel_parts_.data(), groups.count, ksize, kernel_.grad.ptr(), *ctx.pool);
  if (use_bias_) add_partials(dbias_parts_.data(), groups.count, filters_, bias_.grad.ptr(), *ctx.pool);
}

}  // namespace octet::nn
