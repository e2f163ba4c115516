#include "runtime/ops/common.h"

#include <string>

namespace octet::runtime::ops {

Status get_f32_clamp(const PrepareContext& ctx, kernels::F32Clamp* clamp) {
  Activation a = ctx.options().activation;
  if (a != Activation::kNone && a != Activation::kRelu && a != Activation::kRelu6) {
    return ctx.error("unsupported fused activation " + std::to_string(static_cast<int>(a)));
  }
  *clamp = kernels::f32_clamp_for(a);
  return Status::Ok();
}

Status check_padding(const PrepareContext& ctx) {
  Padding p = ctx.options().padding;
  if (p != Padding::kSame && p != Padding::kValid) {
    return ctx.error("unsupported padding " + std::to_string(static_cast<int>(p)));
  }
  return Status::Ok();
}

Status check_strides(const PrepareContext& ctx, bool dilation) {
  const OpOptions& o = ctx.options();
  if (o.stride_h < 1 || o.stride_w < 1) {
    return ctx.error("strides must be >= 1, are " + std::to_string(o.stride_h) + "x" +
                     std::to_string(o.stride_w));
  }
  if (dilation && (o.dilation_h < 1 || o.dilation_w < 1)) {
    return ctx.error("dilations must be >= 1, are " + std::to_string(o.dilation_h) + "x" +
                     std::to_string(o.dilation_w));
  }
  return Status::Ok();
}

Status window(const PrepareContext& ctx, const char* axis, int in, int kernel, int stride,
              int dilation, kernels::Window1D* w) {
  *w = kernels::window_1d(in, kernel, stride, dilation, ctx.options().padding);
  if (w->out <= 0) {
    return ctx.error(std::string("window of size ") + std::to_string(kernel) + " (dilation " +
                     std::to_string(dilation) + ") does not fit the input " + axis + " of " +
                     std::to_string(in));
  }
  return Status::Ok();
}

Status conv_filter_dims(PrepareContext& ctx, int* cout, int* kh, int* kw) {
  const RuntimeTensor& in = ctx.input(0);
  const RuntimeTensor& filter = ctx.input(1);
  if (filter.dim(3) != in.dim(3)) {
    return ctx.error("filter shape " + shape_to_string(filter.shape) + " does not match the " +
                     std::to_string(in.dim(3)) + " input channels (grouped convolution is unsupported)");
  }
  *cout = filter.dim(0);
  *kh = filter.dim(1);
  *kw = filter.dim(2);
  if (*cout < 1 || *kh < 1 || *kw < 1) return ctx.error("empty filter " + shape_to_string(filter.shape));
  return Status::Ok();
}

Status depthwise_filter_dims(PrepareContext& ctx, int* cout, int* kh, int* kw) {
  const RuntimeTensor& filter = ctx.input(1);
  const int cin = ctx.input(0).dim(3);
  *kh = filter.dim(1);
  *kw = filter.dim(2);
  *cout = filter.dim(3);
  if (filter.dim(0) != 1 || *kh < 1 || *kw < 1 || *cout < 1 || cin < 1 || *cout % cin != 0) {
    return ctx.error("filter shape " + shape_to_string(filter.shape) +
                     " must be [1, KH, KW, Cin*M] with Cin = " + std::to_string(cin));
  }
  return Status::Ok();
}

}  // namespace octet::runtime::ops
