#include "nn/layers/depthwise_conv2d.h"

#include <cstring>

#include "runtime/kernels/conv_geometry.h"

namespace octet::nn {
namespace {

constexpr int64_t kTargetRows = 256;  // output pixels per group
constexpr int kMinGroups = 8;

}  // namespace

DepthwiseConv2D::DepthwiseConv2D(int kernel_h, int kernel_w, int stride_h, int stride_w, runtime::Padding padding,
                                 int depth_multiplier, bool use_bias)
    : kernel_h_(kernel_h),
      kernel_w_(kernel_w),
      stride_h_(stride_h),
      stride_w_(stride_w),
      padding_(padding),
      multiplier_(depth_multiplier),
      use_bias_(use_bias) {}

Result<Shape> DepthwiseConv2D::build(const Shape& input_shape, Rng& rng) {
  if (input_shape.size() != 3)
    return Status::Error("depthwise_conv2d: input must be [H, W, C] (got " + shape_to_string(input_shape) + ")");
  if (kernel_h_ < 1 || kernel_w_ < 1 || stride_h_ < 1 || stride_w_ < 1 || multiplier_ < 1)
    return Status::Error("depthwise_conv2d: kernel, strides and depth_multiplier must be positive");
  in_h_ = input_shape[0], in_w_ = input_shape[1], in_c_ = input_shape[2];
  if (in_h_ < 1 || in_w_ < 1 || in_c_ < 1)
    return Status::Error("depthwise_conv2d: empty input " + shape_to_string(input_shape));
  kernels::Window1D wy = kernels::window_1d(in_h_, kernel_h_, stride_h_, 1, padding_);
  kernels::Window1D wx = kernels::window_1d(in_w_, kernel_w_, stride_w_, 1, padding_);
  if (wy.out < 1 || wx.out < 1)
    return Status::Error("depthwise_conv2d: kernel does not fit input " + shape_to_string(input_shape) +
                         " with VALID padding");
  out_h_ = wy.out, out_w_ = wx.out, pad_top_ = wy.pad_before, pad_left_ = wx.pad_before;
  input_shape_ = input_shape;
  const int cm = in_c_ * multiplier_;
  output_shape_ = {out_h_, out_w_, cm};
  const int64_t taps = static_cast<int64_t>(kernel_h_) * kernel_w_;
  kernel_.value = Tensor({kernel_h_, kernel_w_, cm});
  glorot_uniform(kernel_.value, taps, taps * multiplier_, rng);
  kernel_.grad = Tensor(kernel_.value.shape);
  if (use_bias_) {
    bias_.value = Tensor({cm});
    bias_.grad = Tensor({cm});
  }
  return output_shape_;
}

std::vector<Param*> DepthwiseConv2D::params() {
  if (use_bias_) return {&kernel_, &bias_};
  return {&kernel_};
}

void DepthwiseConv2D::forward(const Tensor& in, Tensor& out, Context& ctx) {
  OCTET_CHECK(in.shape.size() == 4 && in.dim(1) == in_h_ && in.dim(2) == in_w_ && in.dim(3) == in_c_);
  const int n = in.dim(0), c_in = in_c_, mult = multiplier_, cm = in_c_ * multiplier_;
  out.reshape({n, out_h_, out_w_, cm});
  const int64_t in_image = static_cast<int64_t>(in_h_) * in_w_ * c_in;
  const int64_t out_image = static_cast<int64_t>(out_h_) * out_w_ * cm;
  const float* kern = kernel_.value.ptr();
  const float* bias = use_bias_ ? bias_.value.ptr() : nullptr;
  const float* xall = in.ptr();
  float* yall = out.ptr();
  ctx.pool->parallel_for(n, [&](int, int i0, int i1) {
    for (int i = i0; i < i1; ++i) {
      const float* x = xall + i * in_image;
      float* y = yall + i * out_image;
      for (int oy = 0; oy < out_h_; ++oy) {
        for (int ox = 0; ox < out_w_; ++ox) {
          float* o = y + (static_cast<int64_t>(oy) * out_w_ + ox) * cm;
          if (bias) {
            std::memcpy(o, bias, sizeof(float) * cm);
          } else {
            std::memset(o, 0, sizeof(float) * cm);
          }
          for (int ky = 0; ky < kernel_h_; ++ky) {
            const int iy = oy * stride_h_ - pad_top_ + ky;
            if (iy < 0 || iy >= in_h_) continue;
            for (int kx = 0; kx < kernel_w_; ++kx) {
              const int ix = ox * stride_w_ - pad_left_ + kx;
              if (ix < 0 || ix >= in_w_) continue;
              const float* xv = x + (static_cast<int64_t>(iy) * in_w_ + ix) * c_in;
              const float* kv = kern + (ky * kernel_w_ + kx) * cm;
              if (mult == 1) {
                for (int c = 0; c < c_in; ++c) o[c] += xv[c] * kv[c];
              } else {
                for (int c = 0; c < c_in; ++c)
                  for (int m = 0; m < mult; ++m) o[c * mult + m] += xv[c] * kv[c * mult + m];
              }
            }
          }
        }
      }
    }
  });
}

void DepthwiseConv2D::backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                               Context& ctx) {
  const int n = in.dim(0), c_in = in_c_, mult = multiplier_, cm = in_c_ * multiplier_;
  OCTET_CHECK(grad_out.shape == out.shape && out.dim(0) == n);
  const int64_t in_image = static_cast<int64_t>(in_h_) * in_w_ * c_in;
  const int64_t out_image = static_cast<int64_t>(out_h_) * out_w_ * cm;
  const int64_t ksize = static_cast<int64_t>(kernel_h_) * kernel_w_ * cm;
  BatchGroups groups = split_batch(n, static_cast<int64_t>(out_h_) * out_w_, kTargetRows, kMinGroups);
  dkernel_parts_.assign(groups.count * ksize, 0.0f);
  if (use_bias_) dbias_parts_.assign(static_cast<size_t>(groups.count) * cm, 0.0f);
  if (grad_in) grad_in->reshape(in.shape);
  const float* kern = kernel_.value.ptr();
  const float* xall = in.ptr();
  const float* gall = grad_out.ptr();
  float* gxall = grad_in ? grad_in->ptr() : nullptr;
  ctx.pool->parallel_for(groups.count, [&](int, int gb, int ge) {
    for (int g = gb; g < ge; ++g) {
      float* dk = dkernel_parts_.data() + g * ksize;
      float* db = use_bias_ ? dbias_parts_.data() + static_cast<int64_t>(g) * cm : nullptr;
      for (int i = groups.begin(g); i < groups.end(g); ++i) {
        const float* x = xall + i * in_image;
        const float* gyi = gall + i * out_image;
        float* gx = gxall ? gxall + i * in_image : nullptr;
        if (gx) std::memset(gx, 0, sizeof(float) * in_image);
        for (int oy = 0; oy < out_h_; ++oy) {
          for (int ox = 0; ox < out_w_; ++ox) {
            const float* go = gyi + (static_cast<int64_t>(oy) * out_w_ + ox) * cm;
            if (db)
              for (int c = 0; c < cm; ++c) db[c] += go[c];
            for (int ky = 0; ky < kernel_h_; ++ky) {
              const int iy = oy * stride_h_ - pad_top_ + ky;
              if (iy < 0 || iy >= in_h_) continue;
              for (int kx = 0; kx < kernel_w_; ++kx) {
                const int ix = ox * stride_w_ - pad_left_ + kx;
                if (ix < 0 || ix >= in_w_) continue;
                const int64_t xoff = (static_cast<int64_t>(iy) * in_w_ + ix) * c_in;
                const float* xv = x + xoff;
                const int koff = (ky * kernel_w_ + kx) * cm;
                const float* kv = kern + koff;
                float* dkv = dk + koff;
                if (mult == 1) {
                  for (int c = 0; c < c_in; ++c) dkv[c] += xv[c] * go[c];
                  if (gx)
                    for (int c = 0; c < c_in; ++c) gx[xoff + c] += kv[c] * go[c];
                } else {
                  for (int c = 0; c < c_in; ++c) {
                    float acc = 0.0f;
                    for (int m = 0; m < mult; ++m) {
                      dkv[c * mult + m] += xv[c] * go[c * mult + m];
                      acc += kv[c * mult + m] * go[c * mult + m];
                    }
                    if (gx) gx[xoff + c] += acc;
                  }
                }
              }
            }
          }
        }
      }
    }
  });
  add_partials(dkernel_parts_.data(), groups.count, ksize, kernel_.grad.ptr(), *ctx.pool);
  if (use_bias_) add_partials(dbias_parts_.data(), groups.count, cm, bias_.grad.ptr(), *ctx.pool);
}

}  // namespace octet::nn
