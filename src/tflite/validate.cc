#include "tflite/validate.h"

#include <cmath>
#include <string>

#include "tflite/op_codes.h"

namespace octet::tflite {

using runtime::Activation;
using runtime::DataType;
using runtime::Graph;
using runtime::Op;
using runtime::OpType;
using runtime::Padding;
using runtime::Tensor;

namespace {

bool known_type(DataType t) {
  switch (t) {
    case DataType::kFloat32:
    case DataType::kFloat16:
    case DataType::kInt32:
    case DataType::kUInt8:
    case DataType::kInt64:
    case DataType::kInt16:
    case DataType::kInt8:
      return true;
  }
  return false;
}

std::string shape_string(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(shape[i]);
  }
  s += ']';
  return s;
}

// Zero-point limits for the integer types the runtime quantizes to.
bool zero_point_in_range(DataType t, int64_t z) {
  switch (t) {
    case DataType::kInt8: return z >= -128 && z <= 127;
    case DataType::kUInt8: return z >= 0 && z <= 255;
    case DataType::kInt16: return z >= -32768 && z <= 32767;
    default: return z >= INT32_MIN && z <= INT32_MAX;
  }
}

Status validate_quant(const Tensor& t) {
  const runtime::QuantParams& q = t.quant;
  if (q.min.size() != q.max.size()) {
    return Status::Error("quantization min has " + std::to_string(q.min.size()) +
                         " entries but max has " + std::to_string(q.max.size()));
  }
  if (q.scale.empty() && q.zero_point.empty()) return Status::Ok();
  if (q.scale.size() != q.zero_point.size()) {
    return Status::Error("quantization has " + std::to_string(q.scale.size()) + " scales but " +
                         std::to_string(q.zero_point.size()) + " zero points");
  }
  const int rank = static_cast<int>(t.shape.size());
  if (q.axis < 0 || (q.axis >= rank && !(rank == 0 && q.axis == 0))) {
    return Status::Error("quantized_dimension " + std::to_string(q.axis) +
                         " is outside the tensor's rank " + std::to_string(rank));
  }
  if (q.scale.size() != 1) {
    const int64_t channels = q.axis < rank ? t.shape[static_cast<size_t>(q.axis)] : 1;
    if (static_cast<int64_t>(q.scale.size()) != channels) {
      return Status::Error("quantization has " + std::to_string(q.scale.size()) +
                           " scales, expected 1 or " + std::to_string(channels) +
                           " (shape" + shape_string(t.shape) + "[" + std::to_string(q.axis) + "])");
    }
  }
  for (size_t i = 0; i < q.scale.size(); ++i) {
    if (!std::isfinite(q.scale[i]) || !(q.scale[i] > 0.0f)) {
      return Status::Error("quantization scale[" + std::to_string(i) + "] = " +
                           std::to_string(q.scale[i]) + " is not a finite positive number");
    }
    if (!zero_point_in_range(t.type, q.zero_point[i])) {
      return Status::Error("quantization zero_point[" + std::to_string(i) + "] = " +
                           std::to_string(q.zero_point[i]) + " is out of range for " +
                           data_type_name(t.type));
    }
  }
  return Status::Ok();
}

Status check_tensor_index(const Graph& g, int32_t index, const std::string& what) {
  if (index < 0 || static_cast<size_t>(index) >= g.tensors.size()) {
    return Status::Error(what + " is tensor " + std::to_string(index) + ", out of range (" +
                         std::to_string(g.tensors.size()) + " tensors)");
  }
  return Status::Ok();
}

Status validate_options(const Op& op) {
  const runtime::OpOptions& o = op.options;
  auto at_least_one = [](int32_t v, const char* name) -> Status {
    if (v < 1) return Status::Error(std::string(name) + " is " + std::to_string(v) + ", must be >= 1");
    return Status::Ok();
  };
  if (o.padding != Padding::kSame && o.padding != Padding::kValid) {
    return Status::Error("unknown padding " + std::to_string(static_cast<int>(o.padding)));
  }
  if (o.activation != Activation::kNone && o.activation != Activation::kRelu &&
      o.activation != Activation::kRelu6) {
    return Status::Error("unknown fused activation " +
                         std::to_string(static_cast<int>(o.activation)));
  }
  if (o.activation != Activation::kNone && !op_has_fused_activation(op.type)) {
    return Status::Error("has a fused activation, which this op does not support");
  }
  switch (op.type) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D:
      OCTET_RETURN_IF_ERROR(at_least_one(o.stride_w, "stride_w"));
      OCTET_RETURN_IF_ERROR(at_least_one(o.stride_h, "stride_h"));
      OCTET_RETURN_IF_ERROR(at_least_one(o.dilation_w, "dilation_w"));
      OCTET_RETURN_IF_ERROR(at_least_one(o.dilation_h, "dilation_h"));
      if (op.type == OpType::kDepthwiseConv2D) {
        OCTET_RETURN_IF_ERROR(at_least_one(o.depth_multiplier, "depth_multiplier"));
      }
      break;
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
      OCTET_RETURN_IF_ERROR(at_least_one(o.stride_w, "stride_w"));
      OCTET_RETURN_IF_ERROR(at_least_one(o.stride_h, "stride_h"));
      OCTET_RETURN_IF_ERROR(at_least_one(o.filter_w, "filter_width"));
      OCTET_RETURN_IF_ERROR(at_least_one(o.filter_h, "filter_height"));
      break;
    case OpType::kReshape: {
      int unknown = 0;
      for (int32_t d : o.new_shape) {
        if (d < -1) return Status::Error("new_shape has dimension " + std::to_string(d));
        if (d == -1) ++unknown;
      }
      if (unknown > 1) return Status::Error("new_shape has more than one -1");
      break;
    }
    case OpType::kSoftmax:
      if (!std::isfinite(o.beta)) return Status::Error("softmax beta is not finite");
      break;
    default:
      break;
  }
  return Status::Ok();
}

}  // namespace

std::string describe_tensor(const Tensor& t, size_t index) {
  std::string s = "tensor " + std::to_string(index);
  if (!t.name.empty()) s += " '" + t.name + "'";
  return s;
}

Result<int64_t> checked_num_elements(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) {
    if (d < 0) return Status::Error("shape " + shape_string(shape) + " has a negative dimension");
    if (d != 0 && n > kMaxTensorBytes / d) {
      return Status::Error("shape " + shape_string(shape) + " is too large (over " +
                           std::to_string(kMaxTensorBytes) + " elements)");
    }
    n *= d;
  }
  return n;
}

Status validate_tensor(const Tensor& t, size_t index) {
  const std::string where = describe_tensor(t, index);
  if (!known_type(t.type)) {
    return Status::Error(where + ": unknown type " + std::to_string(static_cast<int>(t.type)));
  }
  auto elements = checked_num_elements(t.shape);
  if (!elements.ok()) return elements.status().with_context(where);
  const int64_t bytes = *elements * element_size(t.type);
  if (bytes > kMaxTensorBytes) {
    return Status::Error(where + ": " + std::to_string(bytes) + " bytes, over the limit of " +
                         std::to_string(kMaxTensorBytes));
  }
  if (t.is_constant && static_cast<int64_t>(t.data.size()) != bytes) {
    return Status::Error(where + ": constant data has " + std::to_string(t.data.size()) +
                         " bytes, shape " + shape_string(t.shape) + " of " +
                         data_type_name(t.type) + " needs " + std::to_string(bytes));
  }
  if (!t.is_constant && !t.data.empty()) {
    return Status::Error(where + ": has data but is not marked constant");
  }
  Status q = validate_quant(t);
  if (!q.ok()) return q.with_context(where);
  return Status::Ok();
}

Status validate_graph(const Graph& g) {
  if (g.tensors.size() > static_cast<size_t>(INT32_MAX)) return Status::Error("too many tensors");
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    OCTET_RETURN_IF_ERROR(validate_tensor(g.tensors[i], i));
  }
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    OCTET_RETURN_IF_ERROR(check_tensor_index(g, g.inputs[i], "graph input " + std::to_string(i)));
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    OCTET_RETURN_IF_ERROR(
        check_tensor_index(g, g.outputs[i], "graph output " + std::to_string(i)));
  }
  for (size_t k = 0; k < g.ops.size(); ++k) {
    const Op& op = g.ops[k];
    if (!is_supported_builtin(static_cast<int32_t>(op.type))) {
      return Status::Error("operator " + std::to_string(k) + " has unknown type " +
                           std::to_string(static_cast<int32_t>(op.type)));
    }
    const std::string where = "operator " + std::to_string(k) + " (" + op_type_name(op.type) + ")";
    const OpArity arity = op_arity(op.type);
    const int n_in = static_cast<int>(op.inputs.size());
    if (n_in < arity.min_inputs || n_in > arity.max_inputs) {
      return Status::Error(where + ": has " + std::to_string(n_in) + " inputs, expected " +
                           std::to_string(arity.min_inputs) +
                           (arity.max_inputs != arity.min_inputs
                                ? " to " + std::to_string(arity.max_inputs) : std::string()));
    }
    for (int i = 0; i < n_in; ++i) {
      const int32_t t = op.inputs[static_cast<size_t>(i)];
      if (t == -1 && i == arity.optional_input) continue;
      if (t == -1) {
        return Status::Error(where + ": input " + std::to_string(i) +
                             " is absent (-1) but is not optional");
      }
      OCTET_RETURN_IF_ERROR(check_tensor_index(g, t, where + ": input " + std::to_string(i)));
    }
    if (op.outputs.size() != 1) {
      return Status::Error(where + ": has " + std::to_string(op.outputs.size()) +
                           " outputs, expected 1");
    }
    OCTET_RETURN_IF_ERROR(check_tensor_index(g, op.outputs[0], where + ": output 0"));
    if (op.version < 1) {
      return Status::Error(where + ": version " + std::to_string(op.version) + " is below 1");
    }
    Status s = validate_options(op);
    if (!s.ok()) return s.with_context(where);
  }
  return Status::Ok();
}

}  // namespace octet::tflite
