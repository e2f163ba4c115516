// FULLY_CONNECTED, float32: inputs (input of any rank viewed as [batches, depth], filter
// [units, depth], bias [units] or -1). Rows are cut into fixed blocks of kRowBlock whatever the thread
// count, so each row goes through the same GEMM call shape for 1 or N threads (bit-identical output).
// AVX2: the filter is packed once at prepare; each output's sum order is fixed by the microkernel.
#include <cstring>

#include "runtime/kernels/reference/f32_fully_connected_ref.h"
#include "runtime/kernels/x86/f32_gemm_6x16_avx2.h"
#include "runtime/ops/common.h"
#include "runtime/ops/ops.h"

namespace octet::runtime::ops {
namespace {

constexpr int kRowBlock = 16;

struct FullyConnectedData : OpData {
  kernels::F32FullyConnectedParams params;
  int rows = 0;
  bool has_bias = false;
};

struct FullyConnectedAvx2Data : FullyConnectedData {
  kernels::F32PackedGemmParams gemm;
};

Status prepare_fully_connected_common(PrepareContext& ctx, FullyConnectedData* d) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 3, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kFloat32));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "filter", DataType::kFloat32, 2));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  const RuntimeTensor& in = ctx.input(0);
  const RuntimeTensor& filter = ctx.input(1);
  const int units = filter.dim(0), depth = filter.dim(1);
  if (units < 1 || depth < 1 || in.rank() < 1 || in.num_elements() % depth != 0) {
    return ctx.error("input shape " + shape_to_string(in.shape) + " cannot be viewed as [batches, " +
                     std::to_string(depth) + "] for filter " + shape_to_string(filter.shape));
  }
  d->has_bias = ctx.has_input(2);
  if (d->has_bias) {
    OCTET_RETURN_IF_ERROR(ctx.check_input(2, "bias", DataType::kFloat32, 1));
    if (ctx.input(2).dim(0) != units) {
      return ctx.error("bias shape " + shape_to_string(ctx.input(2).shape) + " does not match " +
                       std::to_string(units) + " units");
    }
  }
  OCTET_RETURN_IF_ERROR(get_f32_clamp(ctx, &d->params.clamp));
  d->params.units = units;
  d->params.depth = depth;
  d->rows = static_cast<int>(in.num_elements() / depth);
  std::vector<int32_t> out_shape;
  if (ctx.options().keep_num_dims) {
    if (in.shape.back() != depth) {
      return ctx.error("keep_num_dims needs the input's last dimension (" +
                       std::to_string(in.shape.back()) + ") to equal the depth " +
                       std::to_string(depth));
    }
    out_shape = in.shape;
    out_shape.back() = units;
  } else {
    out_shape = {d->rows, units};
  }
  return ctx.set_output_shape(0, std::move(out_shape));
}

}  // namespace

Status prepare_fully_connected_f32(PrepareContext& ctx) {
  auto d = std::make_unique<FullyConnectedData>();
  OCTET_RETURN_IF_ERROR(prepare_fully_connected_common(ctx, d.get()));
  ctx.set_batch_dependent();  // OpenBLAS picks its kernels (and summation order) by the row count
  ctx.set_data(std::move(d));
  return Status::Ok();
}

Status prepare_fully_connected_f32_avx2(PrepareContext& ctx) {
  auto d = std::make_unique<FullyConnectedAvx2Data>();
  OCTET_RETURN_IF_ERROR(prepare_fully_connected_common(ctx, d.get()));
  if (!ctx.input(1).is_static || (d->has_bias && !ctx.input(2).is_static)) {
    // Weights computed at run time cannot be packed once: the reference handles them.
    ctx.set_eval(eval_fully_connected_f32);
    ctx.set_kernel_name("f32_fully_connected_ref");
    return prepare_fully_connected_f32(ctx);
  }
  const int units = d->params.units, depth = d->params.depth;
  kernels::F32PackedGemmParams& gemm = d->gemm;
  gemm.segments.seg_len = depth;
  gemm.clamp = d->params.clamp;
  kernels::f32_pack_gemm(ctx.input(1).as<float>(), d->has_bias ? ctx.input(2).as<float>() : nullptr,
                         units, depth,
                         ctx.allocate_persistent(kernels::f32_packed_gemm_bytes(units, depth)), &gemm);
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_fully_connected_f32(const EvalContext& ctx) {
  struct Args {
    const FullyConnectedData* d;
    const float *in, *filter, *bias;
    float* out;
  } a;
  a.d = &ctx.data<FullyConnectedData>();
  a.in = ctx.input<float>(0);
  a.filter = ctx.input<float>(1);
  a.bias = a.d->has_bias ? ctx.input<float>(2) : nullptr;
  a.out = ctx.output<float>(0);
  const Args* args = &a;
  const int blocks = (a.d->rows + kRowBlock - 1) / kRowBlock;
  ctx.pool().parallel_for(blocks, [args](int, int begin, int end) {
    const FullyConnectedData& d = *args->d;
    for (int block = begin; block < end; ++block) {
      const int r0 = block * kRowBlock;
      const int rows = std::min(kRowBlock, d.rows - r0);
      kernels::f32_fully_connected_ref(d.params, args->in + static_cast<long>(r0) * d.params.depth,
                                       args->filter, args->bias,
                                       args->out + static_cast<long>(r0) * d.params.units, rows);
    }
  });
}

void eval_fully_connected_f32_avx2(const EvalContext& ctx) {
  struct Args {
    const FullyConnectedAvx2Data* d;
    const float* in;
    float* out;
  } a{&ctx.data<FullyConnectedAvx2Data>(), ctx.input<float>(0), ctx.output<float>(0)};
  const Args* args = &a;
  const int blocks = (a.d->rows + kRowBlock - 1) / kRowBlock;
  ctx.pool().parallel_for(blocks, [args](int, int begin, int end) {
    const FullyConnectedAvx2Data& d = *args->d;
    for (int block = begin; block < end; ++block) {
      const int r0 = block * kRowBlock;
      const int rows = std::min(kRowBlock, d.rows - r0);
      kernels::f32_gemm_6x16_avx2(d.gemm, rows, args->in + static_cast<long>(r0) * d.params.depth,
                                  d.params.depth,
                                  args->out + static_cast<long>(r0) * d.params.units,
                                  d.params.units);
    }
  });
}

}  // namespace octet::runtime::ops
