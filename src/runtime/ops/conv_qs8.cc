// CONV_2D and DEPTHWISE_CONV_2D, int8 (quantization.md §4.1, §4.2): int8 input/output with per-tensor
// quantization, int8 filter (OHWI, or 1HWC for depthwise) quantized per channel (axis 0 / 3) or per
// tensor with zero points 0, optional int32 bias [Cout]. Multipliers are computed here, in double.
// Output rows (batch, y) are split over the pool's threads; the integer result does not depend on it.
#include "runtime/kernels/reference/qs8_depthwise_conv2d_ref.h"
#include "runtime/kernels/x86/qs8_depthwise_conv2d_avx2.h"
#include "runtime/kernels/x86/qs8_conv2d_avx2.h"
#include "runtime/kernels/x86/qs8_conv2d_direct_avx2.h"
#include "runtime/ops/common.h"
#include "runtime/ops/ops.h"
#include "runtime/ops/qs8_common.h"

namespace octet::runtime::ops {
namespace {

struct Qs8ConvData : OpData {
  kernels::Qs8Conv2DParams conv;
  kernels::Qs8DepthwiseConv2DParams depthwise;
  std::vector<kernels::QuantizedMultiplier> multipliers;
  int rows = 0;
  bool has_bias = false;
};

// Input/output quantization, filter scales, bias, clamp and multipliers common to both ops.
Status prepare_output_stage(PrepareContext& ctx, int channels, int filter_axis, Qs8ConvData* d,
                            kernels::Qs8OutputStage* stage) {
  TensorQuant in, out;
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.input(0), "input", &in));
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.output(0), "output", &out));
  std::vector<float> filter_scales;
  bool per_channel = false;
  OCTET_RETURN_IF_ERROR(
      get_filter_scales(ctx, ctx.input(1), channels, filter_axis, &filter_scales, &per_channel));
  OCTET_RETURN_IF_ERROR(check_bias(ctx, 2, DataType::kInt32, channels, &d->has_bias));
  kernels::QuantizedActivationRange range;
  OCTET_RETURN_IF_ERROR(get_qs8_activation_range(ctx, out, &range));
  d->multipliers = conv_multipliers(in.scale, filter_scales, out.scale);
  stage->input_offset = -in.zero_point;
  stage->output_offset = out.zero_point;
  stage->act_min = range.min;
  stage->act_max = range.max;
  stage->multipliers = d->multipliers.data();
  return Status::Ok();
}

template <typename Params,
          void (*kKernel)(const Params&, const int8_t*, const int8_t*, const int32_t*, int8_t*, int,
                          int)>
void eval_rows(const EvalContext& ctx, const Params& params) {
  struct Args {
    const Params* p;
    const int8_t *in, *filter;
    const int32_t* bias;
    int8_t* out;
  } a;
  const Qs8ConvData& d = ctx.data<Qs8ConvData>();
  a.p = &params;
  a.in = ctx.input<int8_t>(0);
  a.filter = ctx.input<int8_t>(1);
  a.bias = d.has_bias ? ctx.input<int32_t>(2) : nullptr;
  a.out = ctx.output<int8_t>(0);
  const Args* args = &a;
  ctx.pool().parallel_for(d.rows, [args](int, int begin, int end) {
    kKernel(*args->p, args->in, args->filter, args->bias, args->out, begin, end);
  });
}

// Everything the reference and the AVX2 CONV_2D share: checks, output stage, geometry, shape.
Status prepare_conv2d_common(PrepareContext& ctx, Qs8ConvData* d) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 3, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kInt8, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "filter", DataType::kInt8, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kInt8));
  const RuntimeTensor& in = ctx.input(0);
  int cout, kh, kw;
  OCTET_RETURN_IF_ERROR(conv_filter_dims(ctx, &cout, &kh, &kw));
  OCTET_RETURN_IF_ERROR(prepare_output_stage(ctx, cout, 0, d, &d->conv.output));
  OCTET_RETURN_IF_ERROR(conv_geometry(ctx, in, kh, kw, cout, &d->conv.geometry));
  const kernels::ConvGeometry& g = d->conv.geometry;
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, {in.dim(0), g.out_h, g.out_w, cout}));
  d->rows = in.dim(0) * g.out_h;
  return Status::Ok();
}

struct Qs8ConvAvx2Data : Qs8ConvData {
  kernels::Qs8Conv2DAvx2Params avx2;
  kernels::Qs8Conv2DDirectAvx2Params direct;  // used instead of avx2 for small K
  Qs8GemmTiles tiles;
};

void eval_conv2d_qs8_direct_avx2(const EvalContext& ctx) {
  const Qs8ConvAvx2Data& d = ctx.data<Qs8ConvAvx2Data>();
  eval_qs8_gemm_tiles<kernels::Qs8Conv2DDirectAvx2Params, kernels::qs8_conv2d_direct_avx2>(
      ctx, d.direct, d.tiles);
}

}  // namespace

Status prepare_conv2d_qs8(PrepareContext& ctx) {
  auto d = std::make_unique<Qs8ConvData>();
  OCTET_RETURN_IF_ERROR(prepare_conv2d_common(ctx, d.get()));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_conv2d_qs8(const EvalContext& ctx) {
  eval_rows<kernels::Qs8Conv2DParams, kernels::qs8_conv2d_ref>(ctx, ctx.data<Qs8ConvData>().conv);
}

Status prepare_depthwise_conv2d_qs8(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 3, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kInt8, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "filter", DataType::kInt8, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kInt8));
  const RuntimeTensor& in = ctx.input(0);
  const int cin = in.dim(3);
  int cout, kh, kw;
  OCTET_RETURN_IF_ERROR(depthwise_filter_dims(ctx, &cout, &kh, &kw));
  auto d = std::make_unique<Qs8ConvData>();
  OCTET_RETURN_IF_ERROR(prepare_output_stage(ctx, cout, 3, d.get(), &d->depthwise.output));
  OCTET_RETURN_IF_ERROR(conv_geometry(ctx, in, kh, kw, cout, &d->depthwise.geometry));
  d->depthwise.depth_multiplier = cout / cin;  // from the shapes, as TFLite's int8 kernel does
  const kernels::ConvGeometry& g = d->depthwise.geometry;
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, {in.dim(0), g.out_h, g.out_w, cout}));
  d->rows = in.dim(0) * g.out_h;
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_depthwise_conv2d_qs8(const EvalContext& ctx) {
  eval_rows<kernels::Qs8DepthwiseConv2DParams, kernels::qs8_depthwise_conv2d_ref>(
      ctx, ctx.data<Qs8ConvData>().depthwise);
}

void eval_depthwise_conv2d_qs8_avx2(const EvalContext& ctx) {
  eval_rows<kernels::Qs8DepthwiseConv2DParams, kernels::qs8_depthwise_conv2d_avx2>(
      ctx, ctx.data<Qs8ConvData>().depthwise);
}

// AVX2: weights packed and the input zero point folded into the bias once here. A filter or bias
// that is not constant cannot be packed at prepare; such a graph runs the reference kernel.
Status prepare_conv2d_qs8_avx2(PrepareContext& ctx) {
  auto d = std::make_unique<Qs8ConvAvx2Data>();
  OCTET_RETURN_IF_ERROR(prepare_conv2d_common(ctx, d.get()));
  if (!ctx.input(1).is_static || (d->has_bias && !ctx.input(2).is_static)) {
    ctx.set_eval(eval_conv2d_qs8);
    ctx.set_kernel_name("qs8_conv2d_ref");
    ctx.set_data(std::move(d));
    return Status::Ok();
  }
  const kernels::ConvGeometry& g = d->conv.geometry;
  const int k = g.kernel_h * g.kernel_w * g.in_channels;
  if (kernels::qs8_conv2d_direct_avx2_supports(g)) {
    // Small K (first layers): taps read in place, no im2col rows (qs8_conv2d_direct_avx2.h).
    kernels::Qs8Conv2DDirectAvx2Params& p = d->direct;
    void* stage = ctx.allocate_persistent(kernels::qs8_packed_gemm_bytes(g.out_channels, k, false));
    kernels::qs8_pack_gemm(ctx.input(1).as<int8_t>(), d->has_bias ? ctx.input(2).as<int32_t>() : nullptr,
                           g.out_channels, k, d->conv.output, nullptr, stage, &p.stage);
    kernels::qs8_conv2d_direct_avx2_prepare(
        g, ctx.input(1).as<int8_t>(),
        ctx.allocate_persistent(kernels::qs8_conv2d_direct_avx2_weight_bytes(g)), &p);
    p.input_zero_point = static_cast<int8_t>(-d->conv.output.input_offset);
    p.batch = ctx.input(0).dim(0);
    d->tiles.tiles = kernels::qs8_conv2d_direct_avx2_num_rows(p);
    request_tile_scratch(ctx, kernels::qs8_conv2d_direct_avx2_scratch_bytes(p), &d->tiles);
    ctx.set_eval(eval_conv2d_qs8_direct_avx2);
    ctx.set_kernel_name("qs8_conv2d_direct_avx2");
    ctx.set_data(std::move(d));
    return Status::Ok();
  }
  kernels::Qs8Conv2DAvx2Params& p = d->avx2;
  p.geometry = g;
  p.input_zero_point = static_cast<int8_t>(-d->conv.output.input_offset);
  p.batch = ctx.input(0).dim(0);
  void* storage = ctx.allocate_persistent(kernels::qs8_packed_gemm_bytes(g.out_channels, k, false));
  kernels::qs8_pack_gemm(ctx.input(1).as<int8_t>(), d->has_bias ? ctx.input(2).as<int32_t>() : nullptr,
                         g.out_channels, k, d->conv.output, nullptr, storage, &p.gemm);
  p.tile = kernels::qs8_gemm_tile_rows(p.batch * g.out_h * g.out_w, k, ctx.num_threads());
  d->tiles.tiles = kernels::qs8_conv2d_avx2_num_tiles(p);
  request_tile_scratch(ctx, kernels::qs8_conv2d_avx2_scratch_bytes(p), &d->tiles);
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_conv2d_qs8_avx2(const EvalContext& ctx) {
  const Qs8ConvAvx2Data& d = ctx.data<Qs8ConvAvx2Data>();
  eval_qs8_gemm_tiles<kernels::Qs8Conv2DAvx2Params, kernels::qs8_conv2d_avx2>(ctx, d.avx2, d.tiles);
}

}  // namespace octet::runtime::ops
