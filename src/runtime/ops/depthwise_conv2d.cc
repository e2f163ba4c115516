// DEPTHWISE_CONV_2D, float32: inputs (input [N,H,W,Cin], filter [1,KH,KW,Cin*M], bias [Cin*M]
// optional). M comes from the filter shape (the options' depth_multiplier is not relied on).
// Output rows (batch, y) are split over the pool's threads.
#include "runtime/kernels/reference/f32_depthwise_conv2d_ref.h"
#include "runtime/ops/common.h"
#include "runtime/ops/ops.h"

namespace octet::runtime::ops {
namespace {

struct DepthwiseData : OpData {
  kernels::F32DepthwiseConv2DParams params;
  int rows = 0;  // batch * out_h
  bool has_bias = false;
};

}  // namespace

Status prepare_depthwise_conv2d_f32(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 3, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kFloat32, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "filter", DataType::kFloat32, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  OCTET_RETURN_IF_ERROR(check_padding(ctx));
  OCTET_RETURN_IF_ERROR(check_strides(ctx, true));
  const RuntimeTensor& in = ctx.input(0);
  const int cin = in.dim(3);
  int cout, kh, kw;
  OCTET_RETURN_IF_ERROR(depthwise_filter_dims(ctx, &cout, &kh, &kw));
  auto d = std::make_unique<DepthwiseData>();
  d->has_bias = ctx.has_input(2);
  if (d->has_bias) {
    OCTET_RETURN_IF_ERROR(ctx.check_input(2, "bias", DataType::kFloat32, 1));
    if (ctx.input(2).dim(0) != cout) {
      return ctx.error("bias shape " + shape_to_string(ctx.input(2).shape) + " does not match " +
                       std::to_string(cout) + " output channels");
    }
  }
  kernels::F32DepthwiseConv2DParams& p = d->params;
  OCTET_RETURN_IF_ERROR(get_f32_clamp(ctx, &p.clamp));
  const OpOptions& o = ctx.options();
  kernels::Window1D wy, wx;
  OCTET_RETURN_IF_ERROR(window(ctx, "height", in.dim(1), kh, o.stride_h, o.dilation_h, &wy));
  OCTET_RETURN_IF_ERROR(window(ctx, "width", in.dim(2), kw, o.stride_w, o.dilation_w, &wx));
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, {in.dim(0), wy.out, wx.out, cout}));
  p.in_h = in.dim(1);
  p.in_w = in.dim(2);
  p.in_channels = cin;
  p.depth_multiplier = cout / cin;
  p.kernel_h = kh;
  p.kernel_w = kw;
  p.stride_h = o.stride_h;
  p.stride_w = o.stride_w;
  p.dilation_h = o.dilation_h;
  p.dilation_w = o.dilation_w;
  p.pad_top = wy.pad_before;
  p.pad_left = wx.pad_before;
  p.out_h = wy.out;
  p.out_w = wx.out;
  d->rows = in.dim(0) * wy.out;
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_depthwise_conv2d_f32(const EvalContext& ctx) {
  struct Args {
    const DepthwiseData* d;
    const float *in, *filter, *bias;
    float* out;
  } a;
  a.d = &ctx.data<DepthwiseData>();
  a.in = ctx.input<float>(0);
  a.filter = ctx.input<float>(1);
  a.bias = a.d->has_bias ? ctx.input<float>(2) : nullptr;
  a.out = ctx.output<float>(0);
  const Args* args = &a;
  ctx.pool().parallel_for(a.d->rows, [args](int, int begin, int end) {
    kernels::f32_depthwise_conv2d_ref(args->d->params, args->in, args->filter, args->bias, args->out,
                                      begin, end);
  });
}

}  // namespace octet::runtime::ops
