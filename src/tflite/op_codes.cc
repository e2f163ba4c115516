#include "tflite/op_codes.h"

#include <algorithm>

#include "tflite/schema/octet_tflite_generated.h"

namespace octet::tflite {

using runtime::DataType;
using runtime::Graph;
using runtime::Op;
using runtime::OpType;

bool is_supported_builtin(int32_t code) {
  switch (static_cast<OpType>(code)) {
    case OpType::kAdd:
    case OpType::kAveragePool2D:
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D:
    case OpType::kDequantize:
    case OpType::kFullyConnected:
    case OpType::kMaxPool2D:
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kReshape:
    case OpType::kSoftmax:
    case OpType::kMean:
    case OpType::kQuantize:
      return true;
  }
  return false;
}

std::string builtin_operator_name(int32_t code) {
  const char* name = ::tflite::EnumNameBuiltinOperator(static_cast<::tflite::BuiltinOperator>(code));
  if (name != nullptr && name[0] != '\0') return name;
  return "builtin operator " + std::to_string(code);
}

OpArity op_arity(OpType type) {
  switch (type) {
    case OpType::kConv2D: return {3, 3, -1};  // the TFLite conv kernel requires a bias
    case OpType::kDepthwiseConv2D: return {2, 3, 2};
    case OpType::kFullyConnected: return {2, 3, 2};
    case OpType::kAdd: return {2, 2, -1};
    case OpType::kReshape: return {1, 2, -1};
    case OpType::kMean: return {2, 2, -1};
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kSoftmax:
    case OpType::kQuantize:
    case OpType::kDequantize:
      return {1, 1, -1};
  }
  return {0, 0, -1};
}

bool op_has_fused_activation(OpType type) {
  switch (type) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D:
    case OpType::kFullyConnected:
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
    case OpType::kAdd:
      return true;
    default:
      return false;
  }
}

namespace {

const runtime::Tensor* input_tensor(const Graph& g, const Op& op, size_t i) {
  if (i >= op.inputs.size() || op.inputs[i] < 0) return nullptr;
  return &g.tensors[static_cast<size_t>(op.inputs[i])];
}

const runtime::Tensor* output_tensor(const Graph& g, const Op& op, size_t i) {
  if (i >= op.outputs.size() || op.outputs[i] < 0) return nullptr;
  return &g.tensors[static_cast<size_t>(op.outputs[i])];
}

bool is_type(const runtime::Tensor* t, DataType type) { return t != nullptr && t->type == type; }

// Hybrid = float activations with int8 constant weights (dynamic-range quantization, §5).
bool is_hybrid(const runtime::Tensor* in, const runtime::Tensor* filter) {
  return is_type(in, DataType::kFloat32) && is_type(filter, DataType::kInt8);
}

bool per_channel(const runtime::Tensor* t) { return t != nullptr && t->quant.scale.size() > 1; }

}  // namespace

int32_t required_op_version(const Graph& g, const Op& op) {
  const runtime::Tensor* in = input_tensor(g, op, 0);
  const runtime::Tensor* in1 = input_tensor(g, op, 1);
  const runtime::Tensor* out = output_tensor(g, op, 0);
  const bool int8 = is_type(in, DataType::kInt8);
  const bool int16 = is_type(in, DataType::kInt16);
  switch (op.type) {
    case OpType::kConv2D: {
      if (in != nullptr && in1 != nullptr && in->shape.size() == 4 && in1->shape.size() == 4 &&
          in1->shape[3] > 0 && in->shape[3] != in1->shape[3]) {
        return 6;  // grouped convolution
      }
      if (int16 && is_type(in1, DataType::kInt8)) return 4;
      if (is_hybrid(in, in1)) return per_channel(in1) ? 5 : 2;
      if (int8) return 3;
      return 1;
    }
    case OpType::kDepthwiseConv2D: {
      if (is_hybrid(in, in1)) return per_channel(in1) ? 6 : 4;
      if (int16) return 5;
      if (int8) return 3;
      if (op.options.dilation_w != 1 || op.options.dilation_h != 1) return 2;
      return 1;
    }
    case OpType::kFullyConnected: {
      if (int16) return 7;
      if (op.inputs.size() == 2) return 6;
      if (op.options.keep_num_dims) return 5;
      if (int8) return 4;
      if (is_hybrid(in, in1)) {
        if (per_channel(in1)) return 12;
        if (op.options.asymmetric_quantize_inputs) return 9;
        return 3;
      }
      return 1;
    }
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
    case OpType::kSoftmax:
    case OpType::kAdd:
    case OpType::kMean:
    case OpType::kRelu:
      if (int16) return 3;
      return int8 ? 2 : 1;
    case OpType::kRelu6:
      return int8 ? 2 : 1;
    case OpType::kReshape:
      return 1;
    case OpType::kQuantize:
      if (per_channel(out)) return 3;
      if (is_type(out, DataType::kInt16)) return 2;
      return 1;
    case OpType::kDequantize:
      if (per_channel(in)) return 5;
      if (is_type(in, DataType::kFloat16) || int16) return 3;
      if (int8) return 2;
      return 1;
  }
  return 1;
}

int32_t written_op_version(const Graph& g, const Op& op) {
  return std::max(required_op_version(g, op), op.version);
}

}  // namespace octet::tflite
