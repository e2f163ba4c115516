// SOFTMAX, float32, over the last axis with options.beta.
#include "runtime/kernels/reference/f32_softmax_ref.h"
#include "runtime/ops/ops.h"

namespace octet::runtime::ops {
namespace {

struct SoftmaxData : OpData {
  long rows = 0;
  int depth = 0;
  float beta = 1.0f;
};

}  // namespace

Status prepare_softmax_f32(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(1, 1, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kFloat32));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  const RuntimeTensor& in = ctx.input(0);
  if (in.rank() < 1) return ctx.error("input must have rank >= 1");
  auto d = std::make_unique<SoftmaxData>();
  d->depth = in.shape.back();
  d->rows = static_cast<long>(in.num_elements() / d->depth);
  d->beta = ctx.options().beta;
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, in.shape));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_softmax_f32(const EvalContext& ctx) {
  const SoftmaxData& d = ctx.data<SoftmaxData>();
  kernels::f32_softmax_ref(ctx.input<float>(0), ctx.output<float>(0), d.rows, d.depth, d.beta);
}

}  // namespace octet::runtime::ops
