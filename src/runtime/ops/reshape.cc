// RESHAPE: a byte copy under a new shape. The shape comes from the 2nd input (constant int32 vector)
// when present, else from the options. Batch-aware: when the input carries the batch (its leading
// dimension is the runtime batch) and the requested leading dimension is the graph's batch (1 or -1),
// the output's leading dimension follows the runtime batch. One -1 is resolved from the element count.
#include <cstring>

#include "runtime/ops/ops.h"

namespace octet::runtime::ops {
namespace {

struct ReshapeData : OpData {
  size_t bytes = 0;
};

}  // namespace

Status prepare_reshape(PrepareContext& ctx) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(1, 2, 1));
  const RuntimeTensor& in = ctx.input(0);
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, in.type));
  if (in.info->quant.quantized() || ctx.output(0).info->quant.quantized()) {
    const QuantParams& a = in.info->quant;
    const QuantParams& b = ctx.output(0).info->quant;
    if (a.scale != b.scale || a.zero_point != b.zero_point) {
      return ctx.error("input and output quantization differ (RESHAPE does not requantize)");
    }
  }
  std::vector<int32_t> shape;
  if (ctx.has_input(1)) {
    OCTET_RETURN_IF_ERROR(ctx.check_input(1, "shape", DataType::kInt32));
    OCTET_RETURN_IF_ERROR(ctx.check_static(1, "shape"));
    const RuntimeTensor& s = ctx.input(1);
    if (s.rank() > 1) return ctx.error("shape input must be a vector");
    shape.assign(s.as<int32_t>(), s.as<int32_t>() + s.num_elements());
  } else {
    shape = ctx.options().new_shape;
  }
  const std::vector<int32_t> requested = shape;
  // A leading 1 follows the batch; a leading -1 resolves to it by itself, unless a second -1
  // needs resolving too, in which case the leading one is the batch.
  if (!shape.empty() && in.rank() >= 1 && in.dim(0) == ctx.batch()) {
    int minus_ones = 0;
    for (int32_t d : shape) minus_ones += d == -1;
    if (shape[0] == 1 || (shape[0] == -1 && minus_ones == 2)) shape[0] = ctx.batch();
  }
  int unknown = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && unknown < 0) {
      unknown = static_cast<int>(i);
    } else if (shape[i] < 1) {
      return ctx.error("invalid new shape " + shape_to_string(requested));
    } else {
      known *= shape[i];
    }
  }
  if (unknown >= 0 && known > 0 && in.num_elements() % known == 0) {
    shape[unknown] = static_cast<int32_t>(in.num_elements() / known);
    known *= shape[unknown];
  }
  if (known != in.num_elements() || (unknown >= 0 && shape[unknown] < 1)) {
    return ctx.error("cannot reshape " + shape_to_string(in.shape) + " to " +
                     shape_to_string(requested) + " at batch " + std::to_string(ctx.batch()));
  }
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, std::move(shape)));
  auto d = std::make_unique<ReshapeData>();
  d->bytes = in.byte_size();
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_reshape(const EvalContext& ctx) {
  const void* in = ctx.input<void>(0);
  void* out = ctx.output<void>(0);
  if (in != out) std::memcpy(out, in, ctx.data<ReshapeData>().bytes);
}

}  // namespace octet::runtime::ops
