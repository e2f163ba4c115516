// MAX_POOL_2D, AVERAGE_POOL_2D, MEAN and SOFTMAX, int8 (quantization.md §4.4-4.6, §4.10).
// Pools require equal input/output scale and zero point (TFLite assumes it); SOFTMAX requires the
// output S = 1/256 (within 0.001/256) and Z = -128, as TFLite's Prepare checks.
#include <cmath>

#include "runtime/kernels/reference/qs8_mean_ref.h"
#include "runtime/kernels/reference/qs8_pool2d_ref.h"
#include "runtime/kernels/reference/qs8_softmax_ref.h"
#include "runtime/kernels/x86/mean_avx2.h"
#include "runtime/kernels/x86/qs8_pool2d_avx2.h"
#include "runtime/ops/common.h"
#include "runtime/ops/ops.h"
#include "runtime/ops/qs8_common.h"

namespace octet::runtime::ops {
namespace {

struct Qs8PoolData : OpData {
  kernels::Qs8Pool2DParams params;
  int rows = 0;
};

struct Qs8MeanData : OpData {
  kernels::Qs8MeanParams params;
  int scratch = -1;
  kernels::MeanRun run;  // AVX2: the [outer, reduce, inner] view
};

struct Qs8SoftmaxData : OpData {
  kernels::Qs8SoftmaxParams params;
  long rows = 0;
  int depth = 0;
};

Status prepare_pool2d_qs8(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(1, 1, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kInt8, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kInt8));
  OCTET_RETURN_IF_ERROR(check_padding(ctx));
  OCTET_RETURN_IF_ERROR(check_strides(ctx, false));
  TensorQuant in, out;
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.input(0), "input", &in));
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.output(0), "output", &out));
  if (in.scale != out.scale || in.zero_point != out.zero_point) {
    return ctx.error("input and output quantization differ (scale " + std::to_string(in.scale) +
                     " / " + std::to_string(out.scale) + ", zero point " +
                     std::to_string(in.zero_point) + " / " + std::to_string(out.zero_point) +
                     "); int8 pooling does not requantize");
  }
  auto d = std::make_unique<Qs8PoolData>();
  kernels::QuantizedActivationRange range;
  OCTET_RETURN_IF_ERROR(get_qs8_activation_range(ctx, out, &range));
  d->params.act_min = range.min;
  d->params.act_max = range.max;
  OCTET_RETURN_IF_ERROR(prepare_pool_geometry(ctx, &d->params, &d->rows));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

template <void (*kKernel)(const kernels::Qs8Pool2DParams&, const int8_t*, int8_t*, int, int)>
void eval_pool2d_qs8(const EvalContext& ctx) {
  struct Args {
    const Qs8PoolData* d;
    const int8_t* in;
    int8_t* out;
  } a{&ctx.data<Qs8PoolData>(), ctx.input<int8_t>(0), ctx.output<int8_t>(0)};
  const Args* args = &a;
  ctx.pool().parallel_for(a.d->rows, [args](int, int begin, int end) {
    kKernel(args->d->params, args->in, args->out, begin, end);
  });
}

}  // namespace

Status prepare_max_pool2d_qs8(PrepareContext& ctx) { return prepare_pool2d_qs8(ctx); }
Status prepare_average_pool2d_qs8(PrepareContext& ctx) { return prepare_pool2d_qs8(ctx); }
void eval_max_pool2d_qs8(const EvalContext& ctx) {
  eval_pool2d_qs8<kernels::qs8_max_pool2d_ref>(ctx);
}
void eval_average_pool2d_qs8(const EvalContext& ctx) {
  eval_pool2d_qs8<kernels::qs8_average_pool2d_ref>(ctx);
}
void eval_max_pool2d_qs8_avx2(const EvalContext& ctx) {
  eval_pool2d_qs8<kernels::qs8_max_pool2d_avx2>(ctx);
}
void eval_average_pool2d_qs8_avx2(const EvalContext& ctx) {
  eval_pool2d_qs8<kernels::qs8_average_pool2d_avx2>(ctx);
}

namespace {

Status prepare_mean_qs8_common(PrepareContext& ctx, Qs8MeanData* d) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 2, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kInt8));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "axes", DataType::kInt32));
  OCTET_RETURN_IF_ERROR(ctx.check_static(1, "axes"));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kInt8));
  TensorQuant in, out;
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.input(0), "input", &in));
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.output(0), "output", &out));
  OCTET_RETURN_IF_ERROR(prepare_mean_shape(ctx, &d->params.shape));
  const kernels::F32MeanParams& s = d->params.shape;
  const kernels::QuantizedMultiplier m = kernels::quantize_multiplier(
      static_cast<double>(in.scale) / static_cast<double>(out.scale));
  d->params.multiplier = kernels::qs8_mean_multiplier(m, s.count);
  d->params.input_zero_point = in.zero_point;
  d->params.output_zero_point = out.zero_point;
  return Status::Ok();
}

}  // namespace

Status prepare_mean_qs8(PrepareContext& ctx) {
  auto d = std::make_unique<Qs8MeanData>();
  OCTET_RETURN_IF_ERROR(prepare_mean_qs8_common(ctx, d.get()));
  d->scratch = ctx.request_scratch(sizeof(int32_t) * static_cast<size_t>(d->params.shape.out_elements));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

Status prepare_mean_qs8_avx2(PrepareContext& ctx) {
  auto d = std::make_unique<Qs8MeanData>();
  OCTET_RETURN_IF_ERROR(prepare_mean_qs8_common(ctx, d.get()));
  if (!kernels::mean_contiguous_run(d->params.shape, &d->run)) {
    // Reduced axes with kept ones between them: the reference's general walk.
    ctx.set_eval(eval_mean_qs8);
    ctx.set_kernel_name("qs8_mean_ref");
    d->scratch =
        ctx.request_scratch(sizeof(int32_t) * static_cast<size_t>(d->params.shape.out_elements));
  }
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_mean_qs8_avx2(const EvalContext& ctx) {
  const Qs8MeanData& d = ctx.data<Qs8MeanData>();
  kernels::qs8_mean_avx2(d.params, d.run, ctx.input<int8_t>(0), ctx.output<int8_t>(0));
}

void eval_mean_qs8(const EvalContext& ctx) {
  const Qs8MeanData& d = ctx.data<Qs8MeanData>();
  kernels::qs8_mean_ref(d.params, ctx.input<int8_t>(0), ctx.output<int8_t>(0),
                        static_cast<int32_t*>(ctx.scratch(d.scratch)));
}

Status prepare_softmax_qs8(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(1, 1, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kInt8));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kInt8));
  const RuntimeTensor& x = ctx.input(0);
  if (x.rank() < 1) return ctx.error("input must have rank >= 1");
  TensorQuant in, out;
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, x, "input", &in));
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.output(0), "output", &out));
  if (out.zero_point != -128 ||
      std::fabs(out.scale - 1.0f / 256) > 0.001f * 1.0f / 256) {
    return ctx.error("int8 output '" + ctx.output(0).info->name +
                     "' must have scale 1/256 and zero point -128, has scale " +
                     std::to_string(out.scale) + " and zero point " + std::to_string(out.zero_point));
  }
  auto d = std::make_unique<Qs8SoftmaxData>();
  if (!kernels::qs8_softmax_params(static_cast<double>(ctx.options().beta),
                                   static_cast<double>(in.scale), &d->params)) {
    return ctx.error("beta * input scale * 2^26 must exceed 1 (beta " +
                     std::to_string(ctx.options().beta) + ", scale " + std::to_string(in.scale) + ")");
  }
  d->depth = x.shape.back();
  d->rows = d->depth > 0 ? static_cast<long>(x.num_elements() / d->depth) : 0;
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, x.shape));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_softmax_qs8(const EvalContext& ctx) {
  const Qs8SoftmaxData& d = ctx.data<Qs8SoftmaxData>();
  kernels::qs8_softmax_ref(d.params, ctx.input<int8_t>(0), ctx.output<int8_t>(0), d.depth, 0,
                           d.rows);
}

}  // namespace octet::runtime::ops
