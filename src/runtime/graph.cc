#include "runtime/graph.h"

#include <cmath>
#include <cstring>

namespace octet::runtime {

int element_size(DataType t) {
  switch (t) {
    case DataType::kFloat32: return 4;
    case DataType::kFloat16: return 2;
    case DataType::kInt32: return 4;
    case DataType::kUInt8: return 1;
    case DataType::kInt64: return 8;
    case DataType::kInt16: return 2;
    case DataType::kInt8: return 1;
  }
  return 0;
}

const char* data_type_name(DataType t) {
  switch (t) {
    case DataType::kFloat32: return "float32";
    case DataType::kFloat16: return "float16";
    case DataType::kInt32: return "int32";
    case DataType::kUInt8: return "uint8";
    case DataType::kInt64: return "int64";
    case DataType::kInt16: return "int16";
    case DataType::kInt8: return "int8";
  }
  return "unknown";
}

const char* op_type_name(OpType t) {
  switch (t) {
    case OpType::kAdd: return "ADD";
    case OpType::kAveragePool2D: return "AVERAGE_POOL_2D";
    case OpType::kConv2D: return "CONV_2D";
    case OpType::kDepthwiseConv2D: return "DEPTHWISE_CONV_2D";
    case OpType::kDequantize: return "DEQUANTIZE";
    case OpType::kFullyConnected: return "FULLY_CONNECTED";
    case OpType::kMaxPool2D: return "MAX_POOL_2D";
    case OpType::kRelu: return "RELU";
    case OpType::kRelu6: return "RELU6";
    case OpType::kReshape: return "RESHAPE";
    case OpType::kSoftmax: return "SOFTMAX";
    case OpType::kMean: return "MEAN";
    case OpType::kQuantize: return "QUANTIZE";
  }
  return "UNKNOWN";
}

std::vector<std::string> non_finite_constants(const Graph& g) {
  std::vector<std::string> found;
  for (const Tensor& t : g.tensors) {
    if (!t.is_constant || (t.type != DataType::kFloat32 && t.type != DataType::kFloat16)) continue;
    int64_t nan = 0, inf = 0;
    const size_t size = static_cast<size_t>(element_size(t.type));
    const size_t n = t.data.size() / size;
    for (size_t i = 0; i < n; ++i) {
      if (t.type == DataType::kFloat32) {
        float v;
        std::memcpy(&v, t.data.data() + i * 4, 4);
        nan += std::isnan(v);
        inf += std::isinf(v);
      } else {  // IEEE half: all-ones exponent; a zero mantissa is Inf, any other NaN
        uint16_t h;
        std::memcpy(&h, t.data.data() + i * 2, 2);
        const bool special = (h & 0x7c00) == 0x7c00;
        nan += special && (h & 0x03ff) != 0;
        inf += special && (h & 0x03ff) == 0;
      }
    }
    if (nan + inf > 0)
      found.push_back("constant '" + t.name + "' holds " + std::to_string(nan) + " NaN and " + std::to_string(inf) +
                      " Inf of " + std::to_string(n) + " values");
  }
  return found;
}

}  // namespace octet::runtime
