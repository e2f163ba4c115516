// MAX_POOL_2D and AVERAGE_POOL_2D, float32: input [N,H,W,C], options filter/stride/padding/activation.
// Output rows (batch, y) are split over the pool's threads.
#include "runtime/kernels/reference/f32_pool2d_ref.h"
#include "runtime/kernels/x86/f32_pool2d_avx2.h"
#include "runtime/ops/common.h"
#include "runtime/ops/ops.h"

namespace octet::runtime::ops {
namespace {

struct Pool2DData : OpData {
  kernels::F32Pool2DParams params;
  int rows = 0;
};

Status prepare_pool2d_f32(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(1, 1, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kFloat32, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  OCTET_RETURN_IF_ERROR(check_padding(ctx));
  OCTET_RETURN_IF_ERROR(check_strides(ctx, false));
  auto d = std::make_unique<Pool2DData>();
  OCTET_RETURN_IF_ERROR(get_f32_clamp(ctx, &d->params.clamp));
  OCTET_RETURN_IF_ERROR(prepare_pool_geometry(ctx, &d->params, &d->rows));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

template <void (*kKernel)(const kernels::F32Pool2DParams&, const float*, float*, int, int)>
void eval_pool2d_f32(const EvalContext& ctx) {
  struct Args {
    const Pool2DData* d;
    const float* in;
    float* out;
  } a{&ctx.data<Pool2DData>(), ctx.input<float>(0), ctx.output<float>(0)};
  const Args* args = &a;
  ctx.pool().parallel_for(a.d->rows, [args](int, int begin, int end) {
    kKernel(args->d->params, args->in, args->out, begin, end);
  });
}

}  // namespace

Status pool_windows(PrepareContext& ctx, kernels::Window1D* wy, kernels::Window1D* wx) {
  const OpOptions& o = ctx.options();
  if (o.filter_h < 1 || o.filter_w < 1) {
    return ctx.error("filter size must be >= 1, is " + std::to_string(o.filter_h) + "x" +
                     std::to_string(o.filter_w));
  }
  const RuntimeTensor& in = ctx.input(0);
  OCTET_RETURN_IF_ERROR(window(ctx, "height", in.dim(1), o.filter_h, o.stride_h, 1, wy));
  OCTET_RETURN_IF_ERROR(window(ctx, "width", in.dim(2), o.filter_w, o.stride_w, 1, wx));
  // Every clipped window must keep at least one tap (the average divides by their count).
  auto all_windows_hit = [](const kernels::Window1D& w, int in_size, int filter, int stride) {
    for (int i = 0; i < w.out; ++i) {
      int start = i * stride - w.pad_before;
      if (start + filter <= 0 || start >= in_size) return false;
    }
    return true;
  };
  if (!all_windows_hit(*wy, in.dim(1), o.filter_h, o.stride_h) ||
      !all_windows_hit(*wx, in.dim(2), o.filter_w, o.stride_w)) {
    return ctx.error("a pooling window lies entirely in the padding");
  }
  return ctx.set_output_shape(0, {in.dim(0), wy->out, wx->out, in.dim(3)});
}

Status prepare_max_pool2d_f32(PrepareContext& ctx) { return prepare_pool2d_f32(ctx); }
Status prepare_average_pool2d_f32(PrepareContext& ctx) { return prepare_pool2d_f32(ctx); }

void eval_max_pool2d_f32(const EvalContext& ctx) {
  eval_pool2d_f32<kernels::f32_max_pool2d_ref>(ctx);
}
void eval_average_pool2d_f32(const EvalContext& ctx) {
  eval_pool2d_f32<kernels::f32_average_pool2d_ref>(ctx);
}
void eval_max_pool2d_f32_avx2(const EvalContext& ctx) {
  eval_pool2d_f32<kernels::f32_max_pool2d_avx2>(ctx);
}
void eval_average_pool2d_f32_avx2(const EvalContext& ctx) {
  eval_pool2d_f32<kernels::f32_average_pool2d_avx2>(ctx);
}

}  // namespace octet::runtime::ops
