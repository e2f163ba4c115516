// MEAN, float32: inputs (data, axes as a constant int32 tensor of rank 0 or 1), option keep_dims.
// Negative axes count from the end; repeated axes count once.
#include "runtime/kernels/reference/f32_mean_ref.h"
#include "runtime/kernels/x86/mean_avx2.h"
#include "runtime/ops/common.h"
#include "runtime/ops/ops.h"

namespace octet::runtime::ops {
namespace {

struct MeanData : OpData {
  kernels::F32MeanParams params;
};

struct MeanAvx2Data : OpData {
  kernels::MeanRun run;
};

}  // namespace

Status prepare_mean_shape(PrepareContext& ctx, kernels::F32MeanParams* params) {
  const RuntimeTensor& in = ctx.input(0);
  const RuntimeTensor& axes = ctx.input(1);
  const int rank = in.rank();
  if (rank > kernels::kMaxMeanRank) {
    return ctx.error("input rank " + std::to_string(rank) + " exceeds " +
                     std::to_string(kernels::kMaxMeanRank));
  }
  if (axes.rank() > 1) return ctx.error("axes must be a scalar or a vector");
  bool reduced[kernels::kMaxMeanRank] = {};
  for (int64_t i = 0; i < axes.num_elements(); ++i) {
    int32_t a = axes.as<int32_t>()[i];
    if (a < -rank || a >= rank) {
      return ctx.error("axis " + std::to_string(a) + " out of range for input shape " +
                       shape_to_string(in.shape));
    }
    reduced[a < 0 ? a + rank : a] = true;
  }
  kernels::F32MeanParams& p = *params;
  p.rank = rank;
  std::vector<int32_t> out_shape;
  for (int i = 0; i < rank; ++i) {
    p.in_dims[i] = in.dim(i);
    if (reduced[i]) {
      p.count *= in.dim(i);
      if (ctx.options().keep_dims) out_shape.push_back(1);
    } else {
      out_shape.push_back(in.dim(i));
    }
  }
  int64_t stride = 1;
  for (int i = rank - 1; i >= 0; --i) {
    p.out_strides[i] = reduced[i] ? 0 : stride;
    if (!reduced[i]) stride *= in.dim(i);
  }
  p.out_elements = stride;
  return ctx.set_output_shape(0, std::move(out_shape));
}

Status prepare_mean_f32(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 2, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kFloat32));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "axes", DataType::kInt32));
  OCTET_RETURN_IF_ERROR(ctx.check_static(1, "axes"));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  auto d = std::make_unique<MeanData>();
  OCTET_RETURN_IF_ERROR(prepare_mean_shape(ctx, &d->params));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_mean_f32(const EvalContext& ctx) {
  kernels::f32_mean_ref(ctx.data<MeanData>().params, ctx.input<float>(0), ctx.output<float>(0));
}

Status prepare_mean_f32_avx2(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(prepare_mean_f32(ctx));
  std::unique_ptr<OpData> ref = ctx.take_data();
  auto d = std::make_unique<MeanAvx2Data>();
  if (!kernels::mean_contiguous_run(static_cast<const MeanData&>(*ref).params, &d->run)) {
    // Reduced axes with kept ones between them: the reference's general walk.
    ctx.set_data(std::move(ref));
    ctx.set_eval(eval_mean_f32);
    ctx.set_kernel_name("f32_mean_ref");
    return Status::Ok();
  }
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_mean_f32_avx2(const EvalContext& ctx) {
  kernels::f32_mean_avx2(ctx.data<MeanAvx2Data>().run, ctx.input<float>(0), ctx.output<float>(0));
}

}  // namespace octet::runtime::ops
