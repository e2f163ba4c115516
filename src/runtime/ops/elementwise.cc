// RELU, RELU6 and ADD (same shapes, no broadcasting; fused activation), float32.
#include "runtime/ops/common.h"
#include "runtime/ops/ops.h"

namespace octet::runtime::ops {
namespace {

struct ElementwiseData : OpData {
  long n = 0;
  kernels::F32Clamp clamp;
};

Status prepare_clamp_f32(PrepareContext& ctx, Activation activation) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(1, 1, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kFloat32));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  auto d = std::make_unique<ElementwiseData>();
  d->n = static_cast<long>(ctx.input(0).num_elements());
  d->clamp = kernels::f32_clamp_for(activation);
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, ctx.input(0).shape));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

}  // namespace

Status prepare_relu_f32(PrepareContext& ctx) { return prepare_clamp_f32(ctx, Activation::kRelu); }
Status prepare_relu6_f32(PrepareContext& ctx) { return prepare_clamp_f32(ctx, Activation::kRelu6); }

void eval_clamp_f32(const EvalContext& ctx) {
  const ElementwiseData& d = ctx.data<ElementwiseData>();
  const float* in = ctx.input<float>(0);
  float* out = ctx.output<float>(0);
  for (long i = 0; i < d.n; ++i) out[i] = d.clamp(in[i]);
}

Status prepare_add_f32(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 2, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input 0", DataType::kFloat32));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "input 1", DataType::kFloat32));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  if (ctx.input(0).shape != ctx.input(1).shape) {
    return ctx.error("input shapes " + shape_to_string(ctx.input(0).shape) + " and " +
                     shape_to_string(ctx.input(1).shape) + " differ (broadcasting is unsupported)");
  }
  auto d = std::make_unique<ElementwiseData>();
  d->n = static_cast<long>(ctx.input(0).num_elements());
  OCTET_RETURN_IF_ERROR(get_f32_clamp(ctx, &d->clamp));
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, ctx.input(0).shape));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_add_f32(const EvalContext& ctx) {
  const ElementwiseData& d = ctx.data<ElementwiseData>();
  const float* a = ctx.input<float>(0);
  const float* b = ctx.input<float>(1);
  float* out = ctx.output<float>(0);
  for (long i = 0; i < d.n; ++i) out[i] = d.clamp(a[i] + b[i]);
}

}  // namespace octet::runtime::ops
