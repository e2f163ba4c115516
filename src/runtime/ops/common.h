// Checks shared by several ops' prepare functions.
#pragma once

#include "runtime/kernels/conv_geometry.h"
#include "runtime/kernels/reference/f32_activation.h"
#include "runtime/kernels/reference/f32_mean_ref.h"
#include "runtime/ops/op_context.h"

namespace octet::runtime::ops {

// Fused activation must be NONE, RELU or RELU6.
Status get_f32_clamp(const PrepareContext& ctx, kernels::F32Clamp* clamp);
Status check_padding(const PrepareContext& ctx);
// stride_h/w >= 1 and, when `dilation`, dilation_h/w >= 1.
Status check_strides(const PrepareContext& ctx, bool dilation);
// Output size and leading padding along one spatial axis; an error when the window does not fit.
Status window(const PrepareContext& ctx, const char* axis, int in, int kernel, int stride,
              int dilation, kernels::Window1D* w);

// CONV_2D's OHWI filter [Cout, KH, KW, Cin] against the input's channels (no grouped conv):
// returns Cout, KH, KW, or an error naming the shapes.
Status conv_filter_dims(PrepareContext& ctx, int* cout, int* kh, int* kw);

// DEPTHWISE_CONV_2D's filter [1, KH, KW, Cin*M] against the input's channels: returns Cout = Cin*M,
// KH, KW, or an error naming the shape.
Status depthwise_filter_dims(PrepareContext& ctx, int* cout, int* kh, int* kw);

// MEAN's reduced axes (a constant int32 input) and output shape, shared by float and int8 MEAN:
// fills the shape fields of *params and sets output 0's shape.
Status prepare_mean_shape(PrepareContext& ctx, kernels::F32MeanParams* params);

// Pooling geometry shared by the float and int8 pools: checks the window, sets the output shape
// [N, OH, OW, C] and fills the geometry fields every pool params struct has; *rows = N * OH (the
// unit of work split over threads).
Status pool_windows(PrepareContext& ctx, kernels::Window1D* wy, kernels::Window1D* wx);

template <typename PoolParams>
Status prepare_pool_geometry(PrepareContext& ctx, PoolParams* p, int* rows) {
  kernels::Window1D wy, wx;
  OCTET_RETURN_IF_ERROR(pool_windows(ctx, &wy, &wx));
  const RuntimeTensor& in = ctx.input(0);
  const OpOptions& o = ctx.options();
  p->in_h = in.dim(1);
  p->in_w = in.dim(2);
  p->channels = in.dim(3);
  p->filter_h = o.filter_h;
  p->filter_w = o.filter_w;
  p->stride_h = o.stride_h;
  p->stride_w = o.stride_w;
  p->pad_top = wy.pad_before;
  p->pad_left = wx.pad_before;
  p->out_h = wy.out;
  p->out_w = wx.out;
  *rows = in.dim(0) * wy.out;
  return Status::Ok();
}

}  // namespace octet::runtime::ops
