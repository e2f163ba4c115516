// CONV_2D and DEPTHWISE_CONV_2D, dynamic range (quantization.md §5): float32 input [N,H,W,Cin] and
// output, constant int8 filter (OHWI / 1HWC) quantized per channel or per tensor with zero points 0,
// optional float32 bias. Each image is quantized at run time into planned scratch; images are split
// over the pool's threads (each image owns its slice of the scratch).
// AVX2 CONV_2D (hybrid_avx2.h): weights packed once here; images are quantized over the threads,
// then tiles of output pixels (im2col + int8 GEMM + float epilogue) are split over them.
#include "runtime/kernels/reference/hybrid_conv2d_ref.h"
#include "runtime/kernels/x86/hybrid_avx2.h"
#include "runtime/ops/common.h"
#include "runtime/ops/ops.h"
#include "runtime/ops/qs8_common.h"

namespace octet::runtime::ops {
namespace {

struct HybridConvData : OpData {
  kernels::HybridConvParams params;
  std::vector<float> filter_scales;
  int batch = 0;
  long in_image = 0;
  bool has_bias = false;
  HybridInputScratch scratch;  // one row per image
};

Status prepare_common(PrepareContext& ctx, int kh, int kw, int cout, int filter_axis,
                      HybridConvData* d) {
  const RuntimeTensor& in = ctx.input(0);
  OCTET_RETURN_IF_ERROR(ctx.check_static(1, "filter"));
  bool per_channel = false;
  OCTET_RETURN_IF_ERROR(
      get_filter_scales(ctx, ctx.input(1), cout, filter_axis, &d->filter_scales, &per_channel));
  OCTET_RETURN_IF_ERROR(check_bias(ctx, 2, DataType::kFloat32, cout, &d->has_bias));
  kernels::HybridConvParams& p = d->params;
  OCTET_RETURN_IF_ERROR(get_f32_clamp(ctx, &p.clamp));
  OCTET_RETURN_IF_ERROR(conv_geometry(ctx, in, kh, kw, cout, &p.geometry));
  OCTET_RETURN_IF_ERROR(
      ctx.set_output_shape(0, {in.dim(0), p.geometry.out_h, p.geometry.out_w, cout}));
  // TFLite's test for the per-channel conv variant: more than one scale and not all equal.
  for (float s : d->filter_scales) p.per_channel = p.per_channel || s != d->filter_scales[0];
  p.filter_scales = d->filter_scales.data();
  d->batch = in.dim(0);
  d->in_image = static_cast<long>(in.dim(1)) * in.dim(2) * in.dim(3);
  request_hybrid_input_scratch(ctx, d->batch * d->in_image, d->batch, &d->scratch);
  return Status::Ok();
}

template <void (*kKernel)(const kernels::HybridConvParams&, const float*, const int8_t*,
                          const float*, float*, int8_t*, int, float*, int32_t*)>
void eval_images(const EvalContext& ctx) {
  struct Args {
    const HybridConvData* d;
    const float* in;
    const int8_t* filter;
    const float* bias;
    float* out;
    HybridInputBuffers q;
  } a;
  a.d = &ctx.data<HybridConvData>();
  a.in = ctx.input<float>(0);
  a.filter = ctx.input<int8_t>(1);
  a.bias = a.d->has_bias ? ctx.input<float>(2) : nullptr;
  a.out = ctx.output<float>(0);
  a.q = hybrid_input_buffers(ctx, a.d->scratch);
  const Args* args = &a;
  ctx.pool().parallel_for(a.d->batch, [args](int, int begin, int end) {
    const HybridConvData& d = *args->d;
    const HybridInputBuffers& q = args->q;
    for (int b = begin; b < end; ++b) {
      kKernel(d.params, args->in, args->filter, args->bias, args->out, q.quantized + b * d.in_image, b,
              &q.scales[b], &q.zero_points[b]);
    }
  });
}

Status prepare_conv2d_checks(PrepareContext& ctx, HybridConvData* d) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 3, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kFloat32, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "filter", DataType::kInt8, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  int cout, kh, kw;
  OCTET_RETURN_IF_ERROR(conv_filter_dims(ctx, &cout, &kh, &kw));
  return prepare_common(ctx, kh, kw, cout, 0, d);
}

struct HybridConvAvx2Data : HybridConvData {
  kernels::HybridConv2DAvx2Params avx2;
  std::vector<int32_t> row_sums;
  Qs8GemmTiles tiles;
};

}  // namespace

Status prepare_conv2d_hybrid(PrepareContext& ctx) {
  auto d = std::make_unique<HybridConvData>();
  OCTET_RETURN_IF_ERROR(prepare_conv2d_checks(ctx, d.get()));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

Status prepare_conv2d_hybrid_avx2(PrepareContext& ctx) {
  auto d = std::make_unique<HybridConvAvx2Data>();
  OCTET_RETURN_IF_ERROR(prepare_conv2d_checks(ctx, d.get()));
  const kernels::ConvGeometry& g = d->params.geometry;
  const int n = g.out_channels, k = g.kernel_h * g.kernel_w * g.in_channels;
  const int8_t* w = ctx.input(1).as<int8_t>();
  kernels::HybridConv2DAvx2Params& p = d->avx2;
  p.conv.geometry = g;
  p.conv.batch = d->batch;
  kernels::qs8_pack_gemm_weights(w, n, k, ctx.allocate_persistent(kernels::qs8_packed_weights_bytes(n, k)),
                                 &p.conv.gemm);
  p.conv.tile = kernels::qs8_gemm_tile_rows(d->batch * g.out_h * g.out_w, k, ctx.num_threads());
  d->row_sums = weight_row_sums(w, n, k);
  p.per_channel = d->params.per_channel;
  p.filter_scales = d->filter_scales.data();
  p.row_sums = d->row_sums.data();
  p.clamp = d->params.clamp;
  d->tiles.tiles = kernels::qs8_conv2d_avx2_num_tiles(p.conv);
  request_tile_scratch(ctx, kernels::qs8_conv2d_avx2_scratch_bytes(p.conv), &d->tiles);
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_conv2d_hybrid_avx2(const EvalContext& ctx) {
  struct Args {
    const HybridConvAvx2Data* d;
    const float* in;
    const float* bias;
    float* out;
    HybridInputBuffers q;
    uint8_t* tile_scratch;
  } a;
  a.d = &ctx.data<HybridConvAvx2Data>();
  a.in = ctx.input<float>(0);
  a.bias = a.d->has_bias ? ctx.input<float>(2) : nullptr;
  a.out = ctx.output<float>(0);
  a.q = hybrid_input_buffers(ctx, a.d->scratch);
  a.tile_scratch = static_cast<uint8_t*>(ctx.scratch(a.d->tiles.scratch));
  const Args* args = &a;
  ctx.pool().parallel_for(a.d->batch, [args](int, int begin, int end) {
    const HybridConvAvx2Data& d = *args->d;
    const HybridInputBuffers& q = args->q;
    for (int b = begin; b < end; ++b) {
      const float* in = args->in + b * d.in_image;
      int8_t* image = q.quantized + b * d.in_image;
      if (d.avx2.per_channel) {
        kernels::hybrid_asymmetric_quantize_avx2(in, d.in_image, image, &q.scales[b], &q.zero_points[b]);
      } else {
        kernels::hybrid_symmetric_quantize_avx2(in, d.in_image, image, &q.scales[b]);
        q.zero_points[b] = 0;
      }
    }
  });
  ctx.pool().parallel_for(a.d->tiles.tiles, [args](int chunk, int begin, int end) {
    const HybridConvAvx2Data& d = *args->d;
    const HybridInputBuffers& q = args->q;
    int16_t* scratch = reinterpret_cast<int16_t*>(args->tile_scratch + chunk * d.tiles.scratch_per_chunk);
    kernels::hybrid_conv2d_avx2(d.avx2, q.quantized, q.scales, q.zero_points, args->bias, args->out, scratch,
                                begin, end);
  });
}

void eval_conv2d_hybrid(const EvalContext& ctx) { eval_images<kernels::hybrid_conv2d_ref>(ctx); }

Status prepare_depthwise_conv2d_hybrid(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 3, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kFloat32, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "filter", DataType::kInt8, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  int cout, kh, kw;
  OCTET_RETURN_IF_ERROR(depthwise_filter_dims(ctx, &cout, &kh, &kw));
  auto d = std::make_unique<HybridConvData>();
  OCTET_RETURN_IF_ERROR(prepare_common(ctx, kh, kw, cout, 3, d.get()));
  d->params.depth_multiplier = cout / ctx.input(0).dim(3);
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_depthwise_conv2d_hybrid(const EvalContext& ctx) {
  eval_images<kernels::hybrid_depthwise_conv2d_ref>(ctx);
}

}  // namespace octet::runtime::ops
