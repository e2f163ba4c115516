#include "runtime/ops/qs8_common.h"

#include <cmath>
#include <string>

#include "runtime/ops/common.h"

namespace octet::runtime::ops {

Status get_tensor_quant(const PrepareContext& ctx, const RuntimeTensor& t, const char* what,
                        TensorQuant* q) {
  const QuantParams& p = t.info->quant;
  const std::string label = std::string(what) + " '" + t.info->name + "'";
  if (p.scale.size() != 1 || p.zero_point.size() != 1) {
    return ctx.error(label + " needs per-tensor quantization (one scale and one zero point), has " +
                     std::to_string(p.scale.size()) + " scales and " +
                     std::to_string(p.zero_point.size()) + " zero points");
  }
  const int64_t lo = t.type == DataType::kUInt8 ? 0 : -128;
  const int64_t hi = t.type == DataType::kUInt8 ? 255 : 127;
  if (!(p.scale[0] > 0.0f) || !std::isfinite(p.scale[0])) {
    return ctx.error(label + " has invalid scale " + std::to_string(p.scale[0]));
  }
  if (p.zero_point[0] < lo || p.zero_point[0] > hi) {
    return ctx.error(label + " has zero point " + std::to_string(p.zero_point[0]) +
                     " outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  q->scale = p.scale[0];
  q->zero_point = static_cast<int32_t>(p.zero_point[0]);
  return Status::Ok();
}

Status get_filter_scales(const PrepareContext& ctx, const RuntimeTensor& filter, int channels,
                         int axis, std::vector<float>* scales, bool* per_channel) {
  const QuantParams& p = filter.info->quant;
  const std::string label = "filter '" + filter.info->name + "'";
  if (p.scale.empty()) return ctx.error(label + " is int8 but has no quantization scale");
  if (p.zero_point.size() != p.scale.size()) {
    return ctx.error(label + " has " + std::to_string(p.scale.size()) + " scales but " +
                     std::to_string(p.zero_point.size()) + " zero points");
  }
  if (p.scale.size() != 1) {
    if (static_cast<int>(p.scale.size()) != channels) {
      return ctx.error(label + " has " + std::to_string(p.scale.size()) +
                       " scales; expected 1 or one per output channel (" +
                       std::to_string(channels) + ")");
    }
    if (p.axis < 0 || p.axis >= filter.rank() || filter.dim(p.axis) != channels) {
      return ctx.error(label + " is quantized along axis " + std::to_string(p.axis) +
                       " of shape " + shape_to_string(filter.shape) + "; expected axis " +
                       std::to_string(axis) + " with " + std::to_string(channels) + " channels");
    }
  }
  for (size_t c = 0; c < p.scale.size(); ++c) {
    if (p.zero_point[c] != 0) {
      return ctx.error(label + " has zero point " + std::to_string(p.zero_point[c]) +
                       " at channel " + std::to_string(c) + "; int8 weights must be symmetric (0)");
    }
    if (!(p.scale[c] > 0.0f) || !std::isfinite(p.scale[c])) {
      return ctx.error(label + " has invalid scale " + std::to_string(p.scale[c]) +
                       " at channel " + std::to_string(c));
    }
  }
  *per_channel = p.scale.size() > 1;
  scales->assign(channels, p.scale[0]);
  if (*per_channel) scales->assign(p.scale.begin(), p.scale.end());
  return Status::Ok();
}

Status check_bias(PrepareContext& ctx, int index, DataType type, int channels, bool* present) {
  *present = ctx.has_input(index);
  if (!*present) return Status::Ok();
  OCTET_RETURN_IF_ERROR(ctx.check_input(index, "bias", type, 1));
  const RuntimeTensor& bias = ctx.input(index);
  if (bias.dim(0) != channels) {
    return ctx.error("bias shape " + shape_to_string(bias.shape) + " does not match " +
                     std::to_string(channels) + " output channels");
  }
  for (int64_t z : bias.info->quant.zero_point) {
    if (z != 0) return ctx.error("bias '" + bias.info->name + "' has non-zero zero point " + std::to_string(z));
  }
  return Status::Ok();
}

Status get_qs8_activation_range(const PrepareContext& ctx, const TensorQuant& out,
                                kernels::QuantizedActivationRange* range) {
  Activation a = ctx.options().activation;
  if (a != Activation::kNone && a != Activation::kRelu && a != Activation::kRelu6) {
    return ctx.error("unsupported fused activation " + std::to_string(static_cast<int>(a)));
  }
  *range = kernels::quantized_activation_range(a, out.scale, out.zero_point);
  if (range->min > range->max) {
    return ctx.error("fused activation range is empty for output scale " +
                     std::to_string(out.scale) + " and zero point " + std::to_string(out.zero_point));
  }
  return Status::Ok();
}

std::vector<kernels::QuantizedMultiplier> conv_multipliers(float input_scale,
                                                           const std::vector<float>& filter_scales,
                                                           float output_scale) {
  std::vector<kernels::QuantizedMultiplier> m;
  m.reserve(filter_scales.size());
  for (float s : filter_scales) {
    const double real = static_cast<double>(input_scale) * static_cast<double>(s) /
                        static_cast<double>(output_scale);
    m.push_back(kernels::quantize_multiplier(real));
  }
  return m;
}

Status conv_geometry(const PrepareContext& ctx, const RuntimeTensor& in, int kernel_h,
                     int kernel_w, int out_channels, kernels::ConvGeometry* g) {
  OCTET_RETURN_IF_ERROR(check_padding(ctx));
  OCTET_RETURN_IF_ERROR(check_strides(ctx, true));
  const OpOptions& o = ctx.options();
  kernels::Window1D wy, wx;
  OCTET_RETURN_IF_ERROR(window(ctx, "height", in.dim(1), kernel_h, o.stride_h, o.dilation_h, &wy));
  OCTET_RETURN_IF_ERROR(window(ctx, "width", in.dim(2), kernel_w, o.stride_w, o.dilation_w, &wx));
  g->in_h = in.dim(1);
  g->in_w = in.dim(2);
  g->in_channels = in.dim(3);
  g->out_h = wy.out;
  g->out_w = wx.out;
  g->out_channels = out_channels;
  g->kernel_h = kernel_h;
  g->kernel_w = kernel_w;
  g->stride_h = o.stride_h;
  g->stride_w = o.stride_w;
  g->dilation_h = o.dilation_h;
  g->dilation_w = o.dilation_w;
  g->pad_top = wy.pad_before;
  g->pad_left = wx.pad_before;
  return Status::Ok();
}

void request_tile_scratch(PrepareContext& ctx, size_t bytes_per_chunk, Qs8GemmTiles* t) {
  t->scratch_per_chunk = (bytes_per_chunk + 63) / 64 * 64;
  t->scratch = ctx.request_scratch(t->scratch_per_chunk * ctx.num_threads());
}

void request_hybrid_input_scratch(PrepareContext& ctx, long elements, int rows, HybridInputScratch* s) {
  s->quantized = ctx.request_scratch(static_cast<size_t>(elements));
  s->scales = ctx.request_scratch(sizeof(float) * rows);
  s->zero_points = ctx.request_scratch(sizeof(int32_t) * rows);
}

HybridInputBuffers hybrid_input_buffers(const EvalContext& ctx, const HybridInputScratch& s) {
  return {static_cast<int8_t*>(ctx.scratch(s.quantized)), static_cast<float*>(ctx.scratch(s.scales)),
          static_cast<int32_t*>(ctx.scratch(s.zero_points))};
}

std::vector<int32_t> weight_row_sums(const int8_t* w, int rows, int depth) {
  std::vector<int32_t> sums(rows, 0);
  for (int r = 0; r < rows; ++r) {
    for (int k = 0; k < depth; ++k) sums[r] += w[static_cast<long>(r) * depth + k];
  }
  return sums;
}

}  // namespace octet::runtime::ops
