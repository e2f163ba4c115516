// The model graph every module exchanges: nn exports it, quant rewrites it, tflite reads and
// writes it, the interpreter runs it. It mirrors the subset of the TFLite model that octet
// supports (one subgraph), so enum values equal TFLite's to keep the file mapping trivial.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace octet::runtime {

// Values are TFLite's TensorType.
enum class DataType : uint8_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt32 = 2,
  kUInt8 = 3,
  kInt64 = 4,
  kInt16 = 7,
  kInt8 = 9,
};
int element_size(DataType t);
const char* data_type_name(DataType t);

// Operators octet supports; values are TFLite's BuiltinOperator.
enum class OpType : int32_t {
  kAdd = 0,
  kAveragePool2D = 1,
  kConv2D = 3,
  kDepthwiseConv2D = 4,
  kDequantize = 6,
  kFullyConnected = 9,
  kMaxPool2D = 17,
  kRelu = 19,
  kRelu6 = 21,
  kReshape = 22,
  kSoftmax = 25,
  kMean = 40,
  kQuantize = 114,
};
const char* op_type_name(OpType t);

// Values are TFLite's Padding and ActivationFunctionType.
enum class Padding : uint8_t { kSame = 0, kValid = 1 };
enum class Activation : uint8_t { kNone = 0, kRelu = 1, kRelu6 = 3 };

// Affine quantization: real = scale * (q - zero_point). One entry per tensor, or one per
// slice along `axis` (per-channel). Empty scale = not quantized. min/max carry calibration
// ranges when present.
struct QuantParams {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t axis = 0;
  std::vector<float> min, max;
  bool quantized() const { return !scale.empty(); }
};

struct Tensor {
  std::string name;
  DataType type = DataType::kFloat32;
  std::vector<int32_t> shape;
  // Constant tensors (weights, biases, shape operands) carry their little-endian bytes here;
  // activations and graph inputs/outputs have no data.
  std::vector<uint8_t> data;
  bool is_constant = false;
  QuantParams quant;

  int64_t num_elements() const {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    return n;
  }
  int64_t byte_size() const { return num_elements() * element_size(type); }
};

// The union of the options of every supported op; each op reads only its own fields.
struct OpOptions {
  Padding padding = Padding::kValid;
  int32_t stride_w = 1, stride_h = 1;
  int32_t dilation_w = 1, dilation_h = 1;
  int32_t filter_w = 0, filter_h = 0;    // pools
  int32_t depth_multiplier = 1;          // depthwise conv
  Activation activation = Activation::kNone;
  float beta = 1.0f;                     // softmax
  bool keep_dims = false;                // mean
  bool keep_num_dims = false;            // fully connected
  bool asymmetric_quantize_inputs = false;  // fully connected, dynamic-range
  std::vector<int32_t> new_shape;        // reshape (when given as options, not an input)
};

struct Op {
  OpType type;
  int32_t version = 1;
  std::vector<int32_t> inputs;   // tensor indices; -1 = optional input absent
  std::vector<int32_t> outputs;
  OpOptions options;
};

struct Metadata {
  std::string name;
  std::vector<uint8_t> data;
};

struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Op> ops;  // in execution order
  std::vector<int32_t> inputs, outputs;
  std::string name;         // subgraph name
  std::string description;  // model description (e.g. "octet 0.1.0")
  std::vector<Metadata> metadata;

  int32_t add_tensor(Tensor t) {
    tensors.push_back(std::move(t));
    return static_cast<int32_t>(tensors.size() - 1);
  }
};

// One line per float32/float16 constant that holds NaN or Inf ("constant 'w' holds 2 NaN and
// 1 Inf of 288 values"): such weights make every output meaningless, so commands warn or refuse.
std::vector<std::string> non_finite_constants(const Graph& g);

}  // namespace octet::runtime
