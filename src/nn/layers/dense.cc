#include "nn/layers/dense.h"

#include <cstring>

#include "runtime/kernels/f32_gemm.h"

namespace octet::nn {
namespace {

constexpr int kMinRowGroups = 4;     // batch 64 -> 4 GEMMs of 16 rows
constexpr int64_t kTargetRows = 64;
constexpr int kKernelRowBlock = 64;  // rows of dKernel per task in the weight-gradient GEMMs

}  // namespace

Dense::Dense(int units, bool use_bias) : units_(units), use_bias_(use_bias) {}

Result<Shape> Dense::build(const Shape& input_shape, Rng& rng) {
  if (input_shape.size() != 1)
    return Status::Error("dense: input must be 1-D [features] (got " + shape_to_string(input_shape) +
                         "); add a flatten layer before it");
  if (units_ < 1) return Status::Error("dense: units must be positive");
  if (input_shape[0] < 1) return Status::Error("dense: empty input");
  in_ = input_shape[0];
  kernel_.value = Tensor({in_, units_});
  glorot_uniform(kernel_.value, in_, units_, rng);
  kernel_.grad = Tensor(kernel_.value.shape);
  if (use_bias_) {
    bias_.value = Tensor({units_});
    bias_.grad = Tensor({units_});
  }
  return Shape{units_};
}

std::vector<Param*> Dense::params() {
  if (use_bias_) return {&kernel_, &bias_};
  return {&kernel_};
}

void Dense::forward(const Tensor& in, Tensor& out, Context& ctx) {
  OCTET_CHECK(in.shape.size() == 2 && in.dim(1) == in_);
  const int n = in.dim(0);
  out.reshape({n, units_});
  BatchGroups groups = split_batch(n, 1, kTargetRows, kMinRowGroups);
  const float* x = in.ptr();
  const float* w = kernel_.value.ptr();
  const float* b = use_bias_ ? bias_.value.ptr() : nullptr;
  float* y = out.ptr();
  ctx.pool->parallel_for(groups.count, [&](int, int gb, int ge) {
    for (int g = gb; g < ge; ++g) {
      const int r0 = groups.begin(g), r1 = groups.end(g);
      float* c = y + static_cast<int64_t>(r0) * units_;
      if (b) {
        for (int r = r0; r < r1; ++r) std::memcpy(y + static_cast<int64_t>(r) * units_, b, sizeof(float) * units_);
      }
      kernels::f32_gemm(false, false, r1 - r0, units_, in_, 1.0f, x + static_cast<int64_t>(r0) * in_, in_, w,
                        units_, b ? 1.0f : 0.0f, c, units_);
    }
  });
}

void Dense::backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                     Context& ctx) {
  const int n = in.dim(0);
  OCTET_CHECK(grad_out.shape.size() == 2 && grad_out.dim(0) == n && grad_out.dim(1) == units_);
  const float* x = in.ptr();
  const float* gy = grad_out.ptr();
  const float* w = kernel_.value.ptr();
  float* gw = kernel_.grad.ptr();

  // dKernel [In, Units] += in^T [In, N] * grad_out [N, Units], one task per block of In rows.
  const int blocks = (in_ + kKernelRowBlock - 1) / kKernelRowBlock;
  ctx.pool->parallel_for(blocks, [&](int, int bb, int be) {
    for (int blk = bb; blk < be; ++blk) {
      const int i0 = blk * kKernelRowBlock, i1 = std::min(in_, i0 + kKernelRowBlock);
      kernels::f32_gemm(true, false, i1 - i0, units_, n, 1.0f, x + i0, in_, gy, units_, 1.0f,
                        gw + static_cast<int64_t>(i0) * units_, units_);
    }
  });
  if (use_bias_) {
    float* gb = bias_.grad.ptr();
    for (int r = 0; r < n; ++r) {
      const float* row = gy + static_cast<int64_t>(r) * units_;
      for (int u = 0; u < units_; ++u) gb[u] += row[u];
    }
  }
  if (!grad_in) return;
  // dIn [N, In] = grad_out [N, Units] * kernel^T [Units, In]
  grad_in->reshape(in.shape);
  float* gx = grad_in->ptr();
  BatchGroups groups = split_batch(n, 1, kTargetRows, kMinRowGroups);
  ctx.pool->parallel_for(groups.count, [&](int, int gb, int ge) {
    for (int g = gb; g < ge; ++g) {
      const int r0 = groups.begin(g), r1 = groups.end(g);
      kernels::f32_gemm(false, true, r1 - r0, in_, units_, 1.0f, gy + static_cast<int64_t>(r0) * units_, units_, w,
                        units_, 0.0f, gx + static_cast<int64_t>(r0) * in_, in_);
    }
  });
}

}  // namespace octet::nn
