// DEQUANTIZE (float16 -> float32; int8 -> float32, per tensor or per channel) and QUANTIZE
// (float32 -> int8, per tensor; float32 -> int16 is ops_qs16.cc's). A DEQUANTIZE of a constant is
// computed once at prepare and its output becomes a static tensor (the op is skipped by invoke).
#include <cmath>

#include "runtime/kernels/reference/quantize_ref.h"
#include "runtime/kernels/x86/quantize_avx2.h"
#include "runtime/ops/ops.h"

namespace octet::runtime::ops {
namespace {

struct DequantizeData : OpData {
  long n = 0;
  std::vector<float> scales;
  std::vector<int32_t> zero_points;
  int channels = 1;
  long inner = 1;
};

struct QuantizeData : OpData {
  long n = 0;
  float scale = 1.0f;
  int32_t zero_point = 0;
};

Status prepare_dequantize_common(PrepareContext& ctx, DataType in_type) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(1, 1, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", in_type));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  return ctx.set_output_shape(0, ctx.input(0).shape);
}

}  // namespace

Status prepare_dequantize_f16(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(prepare_dequantize_common(ctx, DataType::kFloat16));
  auto d = std::make_unique<DequantizeData>();
  d->n = static_cast<long>(ctx.input(0).num_elements());
  if (ctx.input(0).is_static) {
    float* out = static_cast<float*>(ctx.make_output_static(0));
    kernels::f32_from_f16_ref(ctx.input(0).as<uint16_t>(), out, d->n);
    ctx.set_eval(nullptr);
  }
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_dequantize_f16(const EvalContext& ctx) {
  kernels::f32_from_f16_ref(ctx.input<uint16_t>(0), ctx.output<float>(0),
                            ctx.data<DequantizeData>().n);
}

Status prepare_dequantize_qs8(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(prepare_dequantize_common(ctx, DataType::kInt8));
  const RuntimeTensor& in = ctx.input(0);
  const QuantParams& q = in.info->quant;
  auto d = std::make_unique<DequantizeData>();
  d->n = static_cast<long>(in.num_elements());
  if (q.scale.empty() || q.zero_point.size() != q.scale.size()) {
    return ctx.error("int8 input '" + in.info->name + "' needs one zero point per scale");
  }
  if (q.scale.size() > 1) {
    if (q.axis < 0 || q.axis >= in.rank() || in.dim(q.axis) != static_cast<int>(q.scale.size())) {
      return ctx.error("per-channel quantization of '" + in.info->name + "' has " +
                       std::to_string(q.scale.size()) + " scales for axis " +
                       std::to_string(q.axis) + " of shape " + shape_to_string(in.shape));
    }
    d->channels = static_cast<int>(q.scale.size());
    for (int i = q.axis + 1; i < in.rank(); ++i) d->inner *= in.dim(i);
  } else {
    d->inner = d->n;
  }
  for (size_t c = 0; c < q.scale.size(); ++c) {
    if (!(q.scale[c] > 0.0f) || !std::isfinite(q.scale[c]) || q.zero_point[c] < -128 ||
        q.zero_point[c] > 127) {
      return ctx.error("invalid quantization (scale " + std::to_string(q.scale[c]) +
                       ", zero point " + std::to_string(q.zero_point[c]) + ") on '" +
                       in.info->name + "'");
    }
    d->scales.push_back(q.scale[c]);
    d->zero_points.push_back(static_cast<int32_t>(q.zero_point[c]));
  }
  if (in.is_static) {
    float* out = static_cast<float*>(ctx.make_output_static(0));
    kernels::f32_dequantize_qs8_ref(in.as<int8_t>(), out, d->n, d->scales.data(),
                                    d->zero_points.data(), d->channels, d->inner);
    ctx.set_eval(nullptr);
  }
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_dequantize_qs8(const EvalContext& ctx) {
  const DequantizeData& d = ctx.data<DequantizeData>();
  kernels::f32_dequantize_qs8_ref(ctx.input<int8_t>(0), ctx.output<float>(0), d.n, d.scales.data(),
                                  d.zero_points.data(), d.channels, d.inner);
}

Status prepare_quantize_f32(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(1, 1, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kFloat32));
  if (ctx.output(0).type == DataType::kInt16) return prepare_quantize_f32_to_qs16(ctx);
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kInt8));
  const RuntimeTensor& out = ctx.output(0);
  const QuantParams& q = out.info->quant;
  if (q.scale.size() != 1 || q.zero_point.size() != 1) {
    return ctx.error("output '" + out.info->name + "' needs one scale and one zero point, has " +
                     std::to_string(q.scale.size()) + " and " + std::to_string(q.zero_point.size()));
  }
  if (!(q.scale[0] > 0.0f) || !std::isfinite(q.scale[0]) || q.zero_point[0] < -128 ||
      q.zero_point[0] > 127) {
    return ctx.error("invalid output quantization (scale " + std::to_string(q.scale[0]) +
                     ", zero point " + std::to_string(q.zero_point[0]) + ")");
  }
  auto d = std::make_unique<QuantizeData>();
  d->n = static_cast<long>(ctx.input(0).num_elements());
  d->scale = q.scale[0];
  d->zero_point = static_cast<int32_t>(q.zero_point[0]);
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, ctx.input(0).shape));
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_dequantize_qs8_avx2(const EvalContext& ctx) {
  const DequantizeData& d = ctx.data<DequantizeData>();
  if (d.channels != 1) {
    eval_dequantize_qs8(ctx);
    return;
  }
  kernels::f32_dequantize_qs8_avx2(ctx.input<int8_t>(0), ctx.output<float>(0), d.n, d.scales[0],
                                   d.zero_points[0]);
}

void eval_quantize_f32_avx2(const EvalContext& ctx) {
  const QuantizeData& d = ctx.data<QuantizeData>();
  kernels::qs8_quantize_f32_avx2(ctx.input<float>(0), ctx.output<int8_t>(0), d.n, d.scale,
                                 d.zero_point);
}

void eval_quantize_f32(const EvalContext& ctx) {
  const QuantizeData& d = ctx.data<QuantizeData>();
  kernels::qs8_quantize_f32_ref(ctx.input<float>(0), ctx.output<int8_t>(0), d.n, d.scale,
                                d.zero_point);
}

}  // namespace octet::runtime::ops
