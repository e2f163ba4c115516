// ADD, RELU, RELU6 (int8), QUANTIZE between int8 and uint8 and DEQUANTIZE uint8 -> float32
// (quantization.md §4.8, §4.9, §4.11). ADD needs equal input shapes (no broadcasting, as the float op).
#include <cmath>

#include "runtime/kernels/reference/qs8_elementwise_ref.h"
#include "runtime/kernels/x86/qs8_requantize_avx2.h"
#include "runtime/ops/ops.h"
#include "runtime/ops/qs8_common.h"

namespace octet::runtime::ops {
namespace {

struct Qs8AddData : OpData {
  kernels::Qs8AddParams params;
  long n = 0;
};

struct Qs8ClampData : OpData {
  kernels::Qs8ClampParams params;
  long n = 0;
};

struct RequantizeData : OpData {
  kernels::Qs8RequantizeParams params;
  bool in_uint8 = false, out_uint8 = false;
  long n = 0;
};

struct DequantizeQu8Data : OpData {
  float scale = 1.0f;
  int32_t zero_point = 0;
  long n = 0;
};

Status prepare_clamp_qs8(PrepareContext& ctx, Activation activation) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(1, 1, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kInt8));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kInt8));
  TensorQuant in, out;
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.input(0), "input", &in));
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.output(0), "output", &out));
  auto d = std::make_unique<Qs8ClampData>();
  kernels::Qs8ClampParams& p = d->params;
  p.input_zero_point = in.zero_point;
  p.output_zero_point = out.zero_point;
  // TFLite's ReluPrepare divides the float32 scales in float32, then widens to double.
  p.multiplier = kernels::quantize_multiplier(static_cast<double>(in.scale / out.scale));
  // QuantizedReluX: [max(-128, Z + roundf(0 / S)), RELU6: min(127, Z + roundf(6 / S))].
  p.act_min = std::max<int32_t>(-128, out.zero_point + static_cast<int32_t>(std::round(0.0f / out.scale)));
  p.act_max = activation == Activation::kRelu6
                  ? std::min<int32_t>(127, out.zero_point + static_cast<int32_t>(std::round(6.0f / out.scale)))
                  : 127;
  d->n = static_cast<long>(ctx.input(0).num_elements());
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, ctx.input(0).shape));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

}  // namespace

Status prepare_relu_qs8(PrepareContext& ctx) { return prepare_clamp_qs8(ctx, Activation::kRelu); }
Status prepare_relu6_qs8(PrepareContext& ctx) { return prepare_clamp_qs8(ctx, Activation::kRelu6); }

void eval_clamp_qs8(const EvalContext& ctx) {
  const Qs8ClampData& d = ctx.data<Qs8ClampData>();
  kernels::qs8_clamp_ref(d.params, ctx.input<int8_t>(0), ctx.output<int8_t>(0), d.n);
}

Status prepare_add_qs8(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 2, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input 0", DataType::kInt8));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "input 1", DataType::kInt8));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kInt8));
  if (ctx.input(0).shape != ctx.input(1).shape) {
    return ctx.error("input shapes " + shape_to_string(ctx.input(0).shape) + " and " +
                     shape_to_string(ctx.input(1).shape) + " differ (broadcasting is unsupported)");
  }
  TensorQuant a, b, out;
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.input(0), "input 0", &a));
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.input(1), "input 1", &b));
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.output(0), "output", &out));
  auto d = std::make_unique<Qs8AddData>();
  kernels::Qs8AddParams& p = d->params;
  p.left_shift = 20;
  // As add.cc: 2 * max(S1, S2) in float32 (exact), the ratios in double.
  const double twice_max_input_scale = 2 * std::max(a.scale, b.scale);
  const double real_input1 = a.scale / twice_max_input_scale;
  const double real_input2 = b.scale / twice_max_input_scale;
  const double real_output = twice_max_input_scale / ((1 << p.left_shift) * out.scale);
  if (!(real_output > 0.0 && real_output < 1.0)) {
    return ctx.error("output scale " + std::to_string(out.scale) +
                     " is too small for the int8 ADD rescaling (2 * max input scale / (2^20 * "
                     "output scale) must be < 1)");
  }
  p.input1 = kernels::quantize_multiplier_smaller_than_one_exp(real_input1);
  p.input2 = kernels::quantize_multiplier_smaller_than_one_exp(real_input2);
  p.output = kernels::quantize_multiplier_smaller_than_one_exp(real_output);
  p.input1_offset = -a.zero_point;
  p.input2_offset = -b.zero_point;
  p.output_offset = out.zero_point;
  kernels::QuantizedActivationRange range;
  OCTET_RETURN_IF_ERROR(get_qs8_activation_range(ctx, out, &range));
  p.act_min = range.min;
  p.act_max = range.max;
  d->n = static_cast<long>(ctx.input(0).num_elements());
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, ctx.input(0).shape));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_add_qs8(const EvalContext& ctx) {
  const Qs8AddData& d = ctx.data<Qs8AddData>();
  kernels::qs8_add_ref(d.params, ctx.input<int8_t>(0), ctx.input<int8_t>(1), ctx.output<int8_t>(0),
                       d.n);
}

Status prepare_requantize(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(1, 1, 1));
  const RuntimeTensor& x = ctx.input(0);
  const RuntimeTensor& y = ctx.output(0);
  if (y.type != DataType::kInt8 && y.type != DataType::kUInt8) {
    return ctx.error(std::string("output must be int8 or uint8 for a ") + data_type_name(x.type) +
                     " input, is " + data_type_name(y.type));
  }
  TensorQuant in, out;
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, x, "input", &in));
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, y, "output", &out));
  auto d = std::make_unique<RequantizeData>();
  d->params.input_zero_point = in.zero_point;
  d->params.output_zero_point = out.zero_point;
  d->params.multiplier = kernels::quantize_multiplier(static_cast<double>(in.scale) /
                                                      static_cast<double>(out.scale));
  d->in_uint8 = x.type == DataType::kUInt8;
  d->out_uint8 = y.type == DataType::kUInt8;
  d->n = static_cast<long>(x.num_elements());
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, x.shape));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_requantize(const EvalContext& ctx) {
  const RequantizeData& d = ctx.data<RequantizeData>();
  kernels::qs8_requantize_ref(d.params, ctx.input<void>(0), d.in_uint8, ctx.output<void>(0),
                              d.out_uint8, d.n);
}

void eval_requantize_avx2(const EvalContext& ctx) {
  const RequantizeData& d = ctx.data<RequantizeData>();
  kernels::qs8_requantize_avx2(d.params, ctx.input<void>(0), d.in_uint8, ctx.output<void>(0),
                               d.out_uint8, d.n);
}

Status prepare_dequantize_qu8(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(1, 1, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kUInt8));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  TensorQuant in;
  OCTET_RETURN_IF_ERROR(get_tensor_quant(ctx, ctx.input(0), "input", &in));
  auto d = std::make_unique<DequantizeQu8Data>();
  d->scale = in.scale;
  d->zero_point = in.zero_point;
  d->n = static_cast<long>(ctx.input(0).num_elements());
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, ctx.input(0).shape));
  if (ctx.input(0).is_static) {
    float* out = static_cast<float*>(ctx.make_output_static(0));
    kernels::f32_dequantize_qu8_ref(ctx.input(0).as<uint8_t>(), out, d->n, d->scale, d->zero_point);
    ctx.set_eval(nullptr);
  }
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_dequantize_qu8(const EvalContext& ctx) {
  const DequantizeQu8Data& d = ctx.data<DequantizeQu8Data>();
  kernels::f32_dequantize_qu8_ref(ctx.input<uint8_t>(0), ctx.output<float>(0), d.n, d.scale,
                                  d.zero_point);
}

}  // namespace octet::runtime::ops
