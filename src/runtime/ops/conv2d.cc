// CONV_2D, float32: inputs (input [N,H,W,Cin], filter OHWI [Cout,KH,KW,Cin], bias [Cout] optional).
// Images are split over the pool's threads; each thread has its own im2col scratch.
#include <algorithm>

#include "runtime/kernels/reference/f32_conv2d_ref.h"
#include "runtime/ops/common.h"
#include "runtime/ops/ops.h"

namespace octet::runtime::ops {
namespace {

struct Conv2DData : OpData {
  kernels::F32Conv2DParams params;
  int batch = 0;
  long in_image = 0, out_image = 0;  // floats per image
  bool has_bias = false;
  int scratch = -1;                  // num_threads * cols_floats, or -1 when pointwise
};

}  // namespace

Status prepare_conv2d_f32(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 3, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kFloat32, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "filter", DataType::kFloat32, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  OCTET_RETURN_IF_ERROR(check_padding(ctx));
  OCTET_RETURN_IF_ERROR(check_strides(ctx, true));
  const RuntimeTensor& in = ctx.input(0);
  int cout, kh, kw;
  OCTET_RETURN_IF_ERROR(conv_filter_dims(ctx, &cout, &kh, &kw));
  auto d = std::make_unique<Conv2DData>();
  d->has_bias = ctx.has_input(2);
  if (d->has_bias) {
    OCTET_RETURN_IF_ERROR(ctx.check_input(2, "bias", DataType::kFloat32, 1));
    if (ctx.input(2).dim(0) != cout) {
      return ctx.error("bias shape " + shape_to_string(ctx.input(2).shape) + " does not match " +
                       std::to_string(cout) + " output channels");
    }
  }
  OCTET_RETURN_IF_ERROR(get_f32_clamp(ctx, &d->params.clamp));
  const OpOptions& o = ctx.options();
  kernels::Window1D wy, wx;
  OCTET_RETURN_IF_ERROR(window(ctx, "height", in.dim(1), kh, o.stride_h, o.dilation_h, &wy));
  OCTET_RETURN_IF_ERROR(window(ctx, "width", in.dim(2), kw, o.stride_w, o.dilation_w, &wx));
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, {in.dim(0), wy.out, wx.out, cout}));

  kernels::Im2ColGeometry& g = d->params.geometry;
  g = {in.dim(1), in.dim(2), in.dim(3), kh, kw, o.stride_h, o.stride_w, o.dilation_h, o.dilation_w,
       wy.pad_before, wx.pad_before, wy.out, wx.out};
  d->params.out_channels = cout;
  d->params.pointwise = kh == 1 && kw == 1 && o.stride_h == 1 && o.stride_w == 1 &&
                        wy.pad_before == 0 && wx.pad_before == 0 && wy.out == g.in_h &&
                        wx.out == g.in_w;
  d->batch = in.dim(0);
  d->in_image = static_cast<long>(g.in_h) * g.in_w * g.channels;
  d->out_image = static_cast<long>(wy.out) * wx.out * cout;
  if (!d->params.pointwise) {
    const int chunks = std::min(ctx.num_threads(), d->batch);
    d->scratch = ctx.request_scratch(sizeof(float) * chunks * d->params.cols_floats());
  }
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_conv2d_f32(const EvalContext& ctx) {
  struct Args {
    const Conv2DData* d;
    const float *in, *filter, *bias;
    float *out, *cols;
  } a;
  a.d = &ctx.data<Conv2DData>();
  a.in = ctx.input<float>(0);
  a.filter = ctx.input<float>(1);
  a.bias = a.d->has_bias ? ctx.input<float>(2) : nullptr;
  a.out = ctx.output<float>(0);
  a.cols = a.d->scratch >= 0 ? static_cast<float*>(ctx.scratch(a.d->scratch)) : nullptr;
  // One pointer capture keeps std::function from allocating.
  const Args* args = &a;
  ctx.pool().parallel_for(a.d->batch, [args](int chunk, int begin, int end) {
    const Conv2DData& d = *args->d;
    float* cols = args->cols ? args->cols + chunk * d.params.cols_floats() : nullptr;
    for (int b = begin; b < end; ++b) {
      kernels::f32_conv2d_ref(d.params, args->in + b * d.in_image, args->filter, args->bias,
                              args->out + b * d.out_image, cols);
    }
  });
}

}  // namespace octet::runtime::ops
