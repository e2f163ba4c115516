// TFLite's 16x8 ops (quantization.md, int16 paths): int16 activations quantized per tensor with
// zero point 0, int8 symmetric weights (per channel or per tensor), optional int64 biases.
// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED requantize int64 accumulators (qs16_ref.h);
// FULLY_CONNECTED follows InterpreterOptions::fc_requant as the int8 one does. Pools keep the
// input's quantization; MEAN requantizes. There are no optimized int16 kernels: `--kernels auto`
// selects these reference entries.
#include <string>

#include "runtime/kernels/reference/qs16_ref.h"
#include "runtime/ops/common.h"
#include "runtime/ops/ops.h"
#include "runtime/ops/qs8_common.h"

namespace octet::runtime::ops {
namespace {

// One scale > 0 and zero point 0 (TFLite requires symmetric int16 activations).
Status get_qs16_scale(const PrepareContext& ctx, const RuntimeTensor& t, const char* what, float* scale) {
  TensorQuant q;
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, t, what, &q));
  if (q.zero_point != 0) {
    return ctx.error(std::string(what) + " '" + t.info->name + "' is int16 with zero point " +
                     std::to_string(q.zero_point) + "; int16 activations must have zero point 0");
  }
  *scale = q.scale;
  return Status::Ok();
}

Status get_qs16_activation_range(const PrepareContext& ctx, float out_scale, int32_t* lo, int32_t* hi) {
  const Activation a = ctx.options().activation;
  if (a != Activation::kNone && a != Activation::kRelu && a != Activation::kRelu6) {
    return ctx.error("unsupported fused activation " + std::to_string(static_cast<int>(a)));
  }
  const kernels::QuantizedActivationRange r =
      kernels::quantized_activation_range(a, out_scale, 0, -32768, 32767);
  if (r.min > r.max) return ctx.error("fused activation range is empty for output scale " + std::to_string(out_scale));
  *lo = r.min;
  *hi = r.max;
  return Status::Ok();
}

struct Qs16WeightedData : OpData {
  kernels::Qs16ConvParams conv;  // conv.output is also the FULLY_CONNECTED output stage
  std::vector<kernels::QuantizedMultiplier> multipliers;
  std::vector<double> real_multipliers;
  int rows = 0;
  int depth = 0, units = 0;  // FULLY_CONNECTED
  bool has_bias = false;
};

// Scales, bias, clamp and multipliers of the three weighted ops.
Status prepare_weighted_output(PrepareContext& ctx, int channels, int filter_axis, bool float_requant,
                               Qs16WeightedData* d) {
  float in_scale = 0, out_scale = 0;
  OCTET_RETURN_IF_ERROR(get_qs16_scale(ctx, ctx.input(0), "input", &in_scale));
  OCTET_RETURN_IF_ERROR(get_qs16_scale(ctx, ctx.output(0), "output", &out_scale));
  std::vector<float> filter_scales;
  bool per_channel = false;
  OCTET_RETURN_IF_ERROR(
      get_filter_scales(ctx, ctx.input(1), channels, filter_axis, &filter_scales, &per_channel));
  OCTET_RETURN_IF_ERROR(check_bias(ctx, 2, DataType::kInt64, channels, &d->has_bias));
  kernels::Qs16OutputStage& s = d->conv.output;
  OCTET_RETURN_IF_ERROR(get_qs16_activation_range(ctx, out_scale, &s.act_min, &s.act_max));
  d->multipliers = conv_multipliers(in_scale, filter_scales, out_scale);
  for (const kernels::QuantizedMultiplier& m : d->multipliers) {
    // The int64 MultiplyByQuantizedMultiplier handles shifts in [-31, 7] only.
    if (m.multiplier != 0 && (m.shift < -31 || m.shift > 7)) {
      return ctx.error("requantization multiplier out of range (shift " + std::to_string(m.shift) +
                       "); input, filter and output scales are inconsistent");
    }
  }
  s.multipliers = d->multipliers.data();
  if (float_requant) {
    for (float f : filter_scales) {
      d->real_multipliers.push_back(static_cast<double>(in_scale) * static_cast<double>(f) /
                                    static_cast<double>(out_scale));
    }
    s.real_multipliers = d->real_multipliers.data();
  }
  return Status::Ok();
}

// Runs `rows` of a weighted op (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED) over the pool.
template <void (*kRows)(const Qs16WeightedData&, const int16_t*, const int8_t*, const int64_t*, int16_t*,
                        int, int)>
void eval_weighted_rows(const EvalContext& ctx) {
  struct Args {
    const Qs16WeightedData* d;
    const int16_t* in;
    const int8_t* filter;
    const int64_t* bias;
    int16_t* out;
  } a{&ctx.data<Qs16WeightedData>(), ctx.input<int16_t>(0), ctx.input<int8_t>(1), nullptr,
      ctx.output<int16_t>(0)};
  if (a.d->has_bias) a.bias = ctx.input<int64_t>(2);
  const Args* args = &a;
  ctx.pool().parallel_for(a.d->rows, [args](int, int begin, int end) {
    kRows(*args->d, args->in, args->filter, args->bias, args->out, begin, end);
  });
}

template <void (*kKernel)(const kernels::Qs16ConvParams&, const int16_t*, const int8_t*, const int64_t*,
                          int16_t*, int, int)>
void conv_rows(const Qs16WeightedData& d, const int16_t* in, const int8_t* filter, const int64_t* bias,
               int16_t* out, int begin, int end) {
  kKernel(d.conv, in, filter, bias, out, begin, end);
}

void fully_connected_rows(const Qs16WeightedData& d, const int16_t* in, const int8_t* filter,
                          const int64_t* bias, int16_t* out, int begin, int end) {
  kernels::qs16_fully_connected_ref(d.conv.output, d.depth, d.units, in, filter, bias, out, begin, end);
}

struct Qs16PoolData : OpData {
  kernels::Qs8Pool2DParams params;
  int rows = 0;
};

Status prepare_pool2d_qs16(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(1, 1, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kInt16, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kInt16));
  OCTET_RETURN_IF_ERROR(check_padding(ctx));
  OCTET_RETURN_IF_ERROR(check_strides(ctx, false));
  float in_scale = 0, out_scale = 0;
  OCTET_RETURN_IF_ERROR(get_qs16_scale(ctx, ctx.input(0), "input", &in_scale));
  OCTET_RETURN_IF_ERROR(get_qs16_scale(ctx, ctx.output(0), "output", &out_scale));
  if (in_scale != out_scale) {
    return ctx.error("input and output scales differ (" + std::to_string(in_scale) + " / " +
                     std::to_string(out_scale) + "); int16 pooling does not requantize");
  }
  auto d = std::make_unique<Qs16PoolData>();
  OCTET_RETURN_IF_ERROR(get_qs16_activation_range(ctx, out_scale, &d->params.act_min, &d->params.act_max));
  OCTET_RETURN_IF_ERROR(prepare_pool_geometry(ctx, &d->params, &d->rows));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

template <void (*kKernel)(const kernels::Qs8Pool2DParams&, const int16_t*, int16_t*, int, int)>
void eval_pool2d_qs16(const EvalContext& ctx) {
  struct Args {
    const Qs16PoolData* d;
    const int16_t* in;
    int16_t* out;
  } a{&ctx.data<Qs16PoolData>(), ctx.input<int16_t>(0), ctx.output<int16_t>(0)};
  const Args* args = &a;
  ctx.pool().parallel_for(a.d->rows, [args](int, int begin, int end) {
    kKernel(args->d->params, args->in, args->out, begin, end);
  });
}

struct Qs16MeanData : OpData {
  kernels::F32MeanParams shape;
  kernels::QuantizedMultiplier multiplier;
  int scratch = -1;
};

struct Qs16ConvertData : OpData {
  long n = 0;
  float scale = 1.0f;
};

}  // namespace

Status prepare_conv2d_qs16(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 3, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kInt16, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "filter", DataType::kInt8, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kInt16));
  const RuntimeTensor& in = ctx.input(0);
  int cout, kh, kw;
  OCTET_RETURN_IF_ERROR(conv_filter_dims(ctx, &cout, &kh, &kw));
  auto d = std::make_unique<Qs16WeightedData>();
  OCTET_RETURN_IF_ERROR(prepare_weighted_output(ctx, cout, 0, false, d.get()));
  OCTET_RETURN_IF_ERROR(conv_geometry(ctx, in, kh, kw, cout, &d->conv.geometry));
  const kernels::ConvGeometry& g = d->conv.geometry;
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, {in.dim(0), g.out_h, g.out_w, cout}));
  d->rows = in.dim(0) * g.out_h;
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_conv2d_qs16(const EvalContext& ctx) { eval_weighted_rows<conv_rows<kernels::qs16_conv2d_ref>>(ctx); }

Status prepare_depthwise_conv2d_qs16(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 3, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kInt16, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "filter", DataType::kInt8, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kInt16));
  const RuntimeTensor& in = ctx.input(0);
  const RuntimeTensor& filter = ctx.input(1);
  const int cin = in.dim(3);
  int cout, kh, kw;
  OCTET_RETURN_IF_ERROR(depthwise_filter_dims(ctx, &cout, &kh, &kw));
  // TFLite's int16 kernel reads depth_multiplier from the options: it must match the shapes.
  if (ctx.options().depth_multiplier != cout / cin) {
    return ctx.error("depth_multiplier " + std::to_string(ctx.options().depth_multiplier) +
                     " does not match filter " + shape_to_string(filter.shape) + " and " +
                     std::to_string(cin) + " input channels");
  }
  auto d = std::make_unique<Qs16WeightedData>();
  OCTET_RETURN_IF_ERROR(prepare_weighted_output(ctx, cout, 3, false, d.get()));
  OCTET_RETURN_IF_ERROR(conv_geometry(ctx, in, kh, kw, cout, &d->conv.geometry));
  d->conv.depth_multiplier = cout / cin;
  const kernels::ConvGeometry& g = d->conv.geometry;
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, {in.dim(0), g.out_h, g.out_w, cout}));
  d->rows = in.dim(0) * g.out_h;
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_depthwise_conv2d_qs16(const EvalContext& ctx) {
  eval_weighted_rows<conv_rows<kernels::qs16_depthwise_conv2d_ref>>(ctx);
}

Status prepare_fully_connected_qs16(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 3, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kInt16));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "filter", DataType::kInt8, 2));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kInt16));
  const RuntimeTensor& in = ctx.input(0);
  const RuntimeTensor& filter = ctx.input(1);
  const int units = filter.dim(0), depth = filter.dim(1);
  if (units < 1 || depth < 1 || in.rank() < 1 || in.num_elements() % depth != 0) {
    return ctx.error("input shape " + shape_to_string(in.shape) + " cannot be viewed as [batches, " +
                     std::to_string(depth) + "] for filter " + shape_to_string(filter.shape));
  }
  auto d = std::make_unique<Qs16WeightedData>();
  const bool float_requant = ctx.fc_requant() == FcRequant::kFloatDouble;
  OCTET_RETURN_IF_ERROR(prepare_weighted_output(ctx, units, 0, float_requant, d.get()));
  if (float_requant) ctx.set_kernel_name("qs16_fully_connected_fp64req_ref");
  d->rows = static_cast<int>(in.num_elements() / depth);
  d->depth = depth;
  d->units = units;
  std::vector<int32_t> out_shape{d->rows, units};
  if (ctx.options().keep_num_dims) {
    if (in.shape.back() != depth) {
      return ctx.error("keep_num_dims needs the input's last dimension (" +
                       std::to_string(in.shape.back()) + ") to equal the depth " + std::to_string(depth));
    }
    out_shape = in.shape;
    out_shape.back() = units;
  }
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, std::move(out_shape)));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_fully_connected_qs16(const EvalContext& ctx) { eval_weighted_rows<fully_connected_rows>(ctx); }

Status prepare_max_pool2d_qs16(PrepareContext& ctx) { return prepare_pool2d_qs16(ctx); }
Status prepare_average_pool2d_qs16(PrepareContext& ctx) { return prepare_pool2d_qs16(ctx); }
void eval_max_pool2d_qs16(const EvalContext& ctx) {
  eval_pool2d_qs16<kernels::qs16_max_pool2d_ref>(ctx);
}
void eval_average_pool2d_qs16(const EvalContext& ctx) {
  eval_pool2d_qs16<kernels::qs16_average_pool2d_ref>(ctx);
}

Status prepare_mean_qs16(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 2, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kInt16));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "axes", DataType::kInt32));
  OCTET_RETURN_IF_ERROR(ctx.check_static(1, "axes"));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kInt16));
  float in_scale = 0, out_scale = 0;
  OCTET_RETURN_IF_ERROR(get_qs16_scale(ctx, ctx.input(0), "input", &in_scale));
  OCTET_RETURN_IF_ERROR(get_qs16_scale(ctx, ctx.output(0), "output", &out_scale));
  // With equal scales TFLite takes another path (an integer mean without requantization).
  if (in_scale == out_scale) {
    return ctx.error("int16 MEAN with equal input and output scales (" + std::to_string(in_scale) +
                     ") is not supported; the quantizer gives MEAN its own calibrated scale");
  }
  auto d = std::make_unique<Qs16MeanData>();
  OCTET_RETURN_IF_ERROR(prepare_mean_shape(ctx, &d->shape));
  if (d->shape.count > 65536) {  // int32 sums of int16 values stay exact below 2^16 terms
    return ctx.error("int16 MEAN over " + std::to_string(d->shape.count) +
                     " elements would overflow TFLite's int32 sums (at most 65536)");
  }
  d->multiplier = kernels::qs8_mean_multiplier(
      kernels::quantize_multiplier(static_cast<double>(in_scale) / static_cast<double>(out_scale)),
      d->shape.count);
  d->scratch = ctx.request_scratch(sizeof(int32_t) * static_cast<size_t>(d->shape.out_elements));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_mean_qs16(const EvalContext& ctx) {
  const Qs16MeanData& d = ctx.data<Qs16MeanData>();
  kernels::qs16_mean_ref(d.shape, d.multiplier, ctx.input<int16_t>(0), ctx.output<int16_t>(0),
                         static_cast<int32_t*>(ctx.scratch(d.scratch)));
}

Status prepare_dequantize_qs16(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(1, 1, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kInt16));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  auto d = std::make_unique<Qs16ConvertData>();
  OCTET_RETURN_IF_ERROR(get_qs16_scale(ctx, ctx.input(0), "input", &d->scale));
  d->n = static_cast<long>(ctx.input(0).num_elements());
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, ctx.input(0).shape));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_dequantize_qs16(const EvalContext& ctx) {
  const Qs16ConvertData& d = ctx.data<Qs16ConvertData>();
  kernels::f32_dequantize_qs16_ref(ctx.input<int16_t>(0), ctx.output<float>(0), d.n, d.scale);
}

Status prepare_quantize_f32_to_qs16(PrepareContext& ctx) {
  auto d = std::make_unique<Qs16ConvertData>();
  OCTET_RETURN_IF_ERROR(get_qs16_scale(ctx, ctx.output(0), "output", &d->scale));
  d->n = static_cast<long>(ctx.input(0).num_elements());
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, ctx.input(0).shape));
  ctx.set_data(std::move(d));
  ctx.set_eval(eval_quantize_f32_to_qs16);
  ctx.set_kernel_name("qs16_quantize_f32_ref");
  return Status::Ok();
}

void eval_quantize_f32_to_qs16(const EvalContext& ctx) {
  const Qs16ConvertData& d = ctx.data<Qs16ConvertData>();
  kernels::qs16_quantize_f32_ref(ctx.input<float>(0), ctx.output<int16_t>(0), d.n, d.scale);
}

}  // namespace octet::runtime::ops
