#include "runtime/graph.h"

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

}  // namespace octet::runtime
