// FULLY_CONNECTED, int8 (quantization.md §4.3) and dynamic range (§5): input of any rank viewed as
// [batches, depth], filter [units, depth] int8 quantized per unit (axis 0) or per tensor with zero
// points 0, optional bias [units] (int32 for int8, float32 for hybrid). The int8 requantization
// follows InterpreterOptions::fc_requant. Rows are split over the pool's threads. The AVX2 variants
// (int8: qs8_fully_connected_avx2.h, hybrid: hybrid_avx2.h) pack the weights once at prepare.
#include "runtime/kernels/reference/hybrid_fully_connected_ref.h"
#include "runtime/kernels/reference/hybrid_quantize_ref.h"
#include "runtime/kernels/reference/qs8_fully_connected_ref.h"
#include "runtime/kernels/x86/hybrid_avx2.h"
#include "runtime/kernels/x86/qs8_fully_connected_avx2.h"
#include "runtime/ops/common.h"
#include "runtime/ops/ops.h"
#include "runtime/ops/qs8_common.h"

namespace octet::runtime::ops {
namespace {

struct Qs8FullyConnectedData : OpData {
  kernels::Qs8FullyConnectedParams params;
  std::vector<kernels::QuantizedMultiplier> multipliers;
  std::vector<double> real_multipliers;
  int rows = 0;
  bool has_bias = false;
  bool float_requant = false;
};

struct HybridFullyConnectedData : OpData {
  kernels::HybridFullyConnectedParams params;
  std::vector<float> filter_scales;
  std::vector<int32_t> row_sums;
  int rows = 0;
  long input_elements = 0;
  bool has_bias = false;
  HybridInputScratch scratch;
};

// Shapes shared by both variants: checks the [batches, depth] view and sets the output shape.
Status prepare_shapes(PrepareContext& ctx, DataType type, int* rows, int* units, int* depth) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 3, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", type));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "filter", DataType::kInt8, 2));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, type));
  const RuntimeTensor& in = ctx.input(0);
  const RuntimeTensor& filter = ctx.input(1);
  *units = filter.dim(0);
  *depth = filter.dim(1);
  if (*units < 1 || *depth < 1 || in.rank() < 1 || in.num_elements() % *depth != 0) {
    return ctx.error("input shape " + shape_to_string(in.shape) + " cannot be viewed as [batches, " +
                     std::to_string(*depth) + "] for filter " + shape_to_string(filter.shape));
  }
  *rows = static_cast<int>(in.num_elements() / *depth);
  std::vector<int32_t> out_shape;
  if (ctx.options().keep_num_dims) {
    if (in.shape.back() != *depth) {
      return ctx.error("keep_num_dims needs the input's last dimension (" +
                       std::to_string(in.shape.back()) + ") to equal the depth " +
                       std::to_string(*depth));
    }
    out_shape = in.shape;
    out_shape.back() = *units;
  } else {
    out_shape = {*rows, *units};
  }
  return ctx.set_output_shape(0, std::move(out_shape));
}

// Everything the reference and the AVX2 int8 FULLY_CONNECTED share.
Status prepare_qs8_common(PrepareContext& ctx, Qs8FullyConnectedData* d) {
  int rows = 0, units = 0, depth = 0;
  OCTET_RETURN_IF_ERROR(prepare_shapes(ctx, DataType::kInt8, &rows, &units, &depth));
  TensorQuant in, out;
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.input(0), "input", &in));
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.output(0), "output", &out));
  std::vector<float> filter_scales;
  bool per_channel = false;
  OCTET_RETURN_IF_ERROR(get_filter_scales(ctx, ctx.input(1), units, 0, &filter_scales, &per_channel));
  OCTET_RETURN_IF_ERROR(check_bias(ctx, 2, DataType::kInt32, units, &d->has_bias));
  kernels::QuantizedActivationRange range;
  OCTET_RETURN_IF_ERROR(get_qs8_activation_range(ctx, out, &range));
  d->multipliers = conv_multipliers(in.scale, filter_scales, out.scale);
  for (float s : filter_scales) {
    d->real_multipliers.push_back(static_cast<double>(in.scale) * static_cast<double>(s) /
                                  static_cast<double>(out.scale));
  }
  kernels::Qs8FullyConnectedParams& p = d->params;
  p.depth = depth;
  p.units = units;
  p.output.input_offset = -in.zero_point;
  p.output.output_offset = out.zero_point;
  p.output.act_min = range.min;
  p.output.act_max = range.max;
  p.output.multipliers = d->multipliers.data();
  p.real_multipliers = d->real_multipliers.data();
  d->rows = rows;
  d->float_requant = ctx.fc_requant() == FcRequant::kFloatDouble;
  if (d->float_requant) ctx.set_kernel_name("qs8_fully_connected_fp64req_ref");
  return Status::Ok();
}

struct Qs8FullyConnectedAvx2Data : Qs8FullyConnectedData {
  kernels::Qs8FullyConnectedAvx2Params avx2;
  Qs8GemmTiles tiles;
};

// Everything the reference and the AVX2 hybrid FULLY_CONNECTED share.
Status prepare_hybrid_common(PrepareContext& ctx, HybridFullyConnectedData* d) {
  int rows = 0, units = 0, depth = 0;
  OCTET_RETURN_IF_ERROR(prepare_shapes(ctx, DataType::kFloat32, &rows, &units, &depth));
  OCTET_RETURN_IF_ERROR(ctx.check_static(1, "filter"));
  bool per_channel = false;
  OCTET_RETURN_IF_ERROR(
      get_filter_scales(ctx, ctx.input(1), units, 0, &d->filter_scales, &per_channel));
  OCTET_RETURN_IF_ERROR(check_bias(ctx, 2, DataType::kFloat32, units, &d->has_bias));
  kernels::HybridFullyConnectedParams& p = d->params;
  OCTET_RETURN_IF_ERROR(get_f32_clamp(ctx, &p.clamp));
  d->row_sums = weight_row_sums(ctx.input(1).as<int8_t>(), units, depth);
  p.depth = depth;
  p.units = units;
  p.asymmetric = ctx.options().asymmetric_quantize_inputs;
  p.filter_scales = d->filter_scales.data();
  p.row_sums = d->row_sums.data();
  d->rows = rows;
  d->input_elements = static_cast<long>(rows) * depth;
  request_hybrid_input_scratch(ctx, d->input_elements, rows, &d->scratch);
  return Status::Ok();
}

struct HybridFullyConnectedAvx2Data : HybridFullyConnectedData {
  kernels::HybridFullyConnectedAvx2Params avx2;
  Qs8GemmTiles tiles;
};

}  // namespace

Status prepare_fully_connected_qs8(PrepareContext& ctx) {
  auto d = std::make_unique<Qs8FullyConnectedData>();
  OCTET_RETURN_IF_ERROR(prepare_qs8_common(ctx, d.get()));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_fully_connected_qs8(const EvalContext& ctx) {
  struct Args {
    const Qs8FullyConnectedData* d;
    const int8_t *in, *filter;
    const int32_t* bias;
    int8_t* out;
  } a;
  a.d = &ctx.data<Qs8FullyConnectedData>();
  a.in = ctx.input<int8_t>(0);
  a.filter = ctx.input<int8_t>(1);
  a.bias = a.d->has_bias ? ctx.input<int32_t>(2) : nullptr;
  a.out = ctx.output<int8_t>(0);
  const Args* args = &a;
  ctx.pool().parallel_for(a.d->rows, [args](int, int begin, int end) {
    const Qs8FullyConnectedData& d = *args->d;
    if (d.float_requant) {
      kernels::qs8_fully_connected_fp64req_ref(d.params, args->in, args->filter, args->bias,
                                               args->out, begin, end);
    } else {
      kernels::qs8_fully_connected_ref(d.params, args->in, args->filter, args->bias, args->out,
                                       begin, end);
    }
  });
}

Status prepare_fully_connected_hybrid(PrepareContext& ctx) {
  auto d = std::make_unique<HybridFullyConnectedData>();
  OCTET_RETURN_IF_ERROR(prepare_hybrid_common(ctx, d.get()));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_fully_connected_hybrid(const EvalContext& ctx) {
  struct Args {
    const HybridFullyConnectedData* d;
    const float* in;
    const int8_t* filter;
    const float* bias;
    float* out;
    HybridInputBuffers q;
    bool zero_input;
  } a;
  a.d = &ctx.data<HybridFullyConnectedData>();
  a.in = ctx.input<float>(0);
  a.filter = ctx.input<int8_t>(1);
  a.bias = a.d->has_bias ? ctx.input<float>(2) : nullptr;
  a.out = ctx.output<float>(0);
  a.q = hybrid_input_buffers(ctx, a.d->scratch);
  // TFLite checks the whole input (all rows) before doing any work.
  a.zero_input = kernels::hybrid_is_zero_vector(a.in, a.d->input_elements);
  const Args* args = &a;
  ctx.pool().parallel_for(a.d->rows, [args](int, int begin, int end) {
    const HybridFullyConnectedData& d = *args->d;
    if (args->zero_input) {
      kernels::hybrid_fully_connected_zero_input_ref(d.params, args->bias, args->out, begin, end);
    } else {
      kernels::hybrid_fully_connected_ref(d.params, args->in, args->filter, args->bias, args->out,
                                          args->q.quantized, args->q.scales, args->q.zero_points,
                                          begin, end);
    }
  });
}

// AVX2: weights packed and the input zero point folded into the bias once here; both requantization
// modes. A filter or bias that is not constant cannot be packed; such a graph runs the reference.
Status prepare_fully_connected_qs8_avx2(PrepareContext& ctx) {
  auto d = std::make_unique<Qs8FullyConnectedAvx2Data>();
  OCTET_RETURN_IF_ERROR(prepare_qs8_common(ctx, d.get()));
  if (!ctx.input(1).is_static || (d->has_bias && !ctx.input(2).is_static)) {
    ctx.set_eval(eval_fully_connected_qs8);
    if (!d->float_requant) ctx.set_kernel_name("qs8_fully_connected_ref");
    ctx.set_data(std::move(d));
    return Status::Ok();
  }
  kernels::Qs8FullyConnectedAvx2Params& p = d->avx2;
  const int units = d->params.units, depth = d->params.depth;
  const double* real = d->float_requant ? d->real_multipliers.data() : nullptr;
  void* storage = ctx.allocate_persistent(kernels::qs8_packed_gemm_bytes(units, depth, real));
  kernels::qs8_pack_gemm(ctx.input(1).as<int8_t>(), d->has_bias ? ctx.input(2).as<int32_t>() : nullptr,
                         units, depth, d->params.output, real, storage, &p.gemm);
  p.rows = d->rows;
  p.tile = kernels::qs8_gemm_tile_rows(d->rows, depth, ctx.num_threads());
  d->tiles.tiles = kernels::qs8_fully_connected_avx2_num_tiles(p);
  request_tile_scratch(ctx, kernels::qs8_fully_connected_avx2_scratch_bytes(p), &d->tiles);
  ctx.set_kernel_name(real ? "qs8_fully_connected_fp64req_avx2" : "qs8_fully_connected_avx2");
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_fully_connected_qs8_avx2(const EvalContext& ctx) {
  const Qs8FullyConnectedAvx2Data& d = ctx.data<Qs8FullyConnectedAvx2Data>();
  eval_qs8_gemm_tiles<kernels::Qs8FullyConnectedAvx2Params, kernels::qs8_fully_connected_avx2>(ctx, d.avx2, d.tiles);
}

// AVX2 hybrid: weights packed once here (the filter is constant, prepare_hybrid_common checks it).
Status prepare_fully_connected_hybrid_avx2(PrepareContext& ctx) {
  auto d = std::make_unique<HybridFullyConnectedAvx2Data>();
  OCTET_RETURN_IF_ERROR(prepare_hybrid_common(ctx, d.get()));
  const int units = d->params.units, depth = d->params.depth;
  kernels::HybridFullyConnectedAvx2Params& p = d->avx2;
  kernels::qs8_pack_gemm_weights(ctx.input(1).as<int8_t>(), units, depth,
                                 ctx.allocate_persistent(kernels::qs8_packed_weights_bytes(units, depth)),
                                 &p.fc.gemm);
  p.fc.rows = d->rows;
  p.fc.tile = kernels::qs8_gemm_tile_rows(d->rows, depth, ctx.num_threads());
  p.asymmetric = d->params.asymmetric;
  p.filter_scales = d->filter_scales.data();
  p.row_sums = d->row_sums.data();
  p.clamp = d->params.clamp;
  d->tiles.tiles = kernels::qs8_fully_connected_avx2_num_tiles(p.fc);
  request_tile_scratch(ctx, kernels::qs8_fully_connected_avx2_scratch_bytes(p.fc), &d->tiles);
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_fully_connected_hybrid_avx2(const EvalContext& ctx) {
  const HybridFullyConnectedAvx2Data& d = ctx.data<HybridFullyConnectedAvx2Data>();
  const float* bias = d.has_bias ? ctx.input<float>(2) : nullptr;
  float* out = ctx.output<float>(0);
  // TFLite checks the whole input (all rows) before doing any work.
  if (kernels::hybrid_is_zero_vector(ctx.input<float>(0), d.input_elements)) {
    kernels::hybrid_fully_connected_zero_input_ref(d.params, bias, out, 0, d.rows);
    return;
  }
  struct Args {
    const HybridFullyConnectedAvx2Data* d;
    const float* in;
    const float* bias;
    float* out;
    HybridInputBuffers q;
    uint8_t* tile_scratch;
  } a{&d, ctx.input<float>(0), bias, out, hybrid_input_buffers(ctx, d.scratch),
      static_cast<uint8_t*>(ctx.scratch(d.tiles.scratch))};
  const Args* args = &a;
  ctx.pool().parallel_for(d.tiles.tiles, [args](int chunk, int begin, int end) {
    const HybridFullyConnectedAvx2Data& d = *args->d;
    int16_t* scratch = reinterpret_cast<int16_t*>(args->tile_scratch + chunk * d.tiles.scratch_per_chunk);
    kernels::hybrid_fully_connected_avx2(d.avx2, args->in, args->bias, args->out, args->q.quantized,
                                         args->q.scales, args->q.zero_points, scratch, begin, end);
  });
}

}  // namespace octet::runtime::ops
