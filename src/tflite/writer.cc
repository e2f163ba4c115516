#include "tflite/writer.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "core/file_io.h"
#include "tflite/op_codes.h"
#include "tflite/schema/octet_tflite_generated.h"
#include "tflite/validate.h"

namespace octet::tflite {

namespace fb = ::flatbuffers;
namespace tfl = ::tflite;

using runtime::Graph;
using runtime::Op;
using runtime::OpType;

namespace {

constexpr uint32_t kSchemaVersion = 3;
constexpr size_t kBufferAlignment = 16;
// Headroom left for tables, vtables and names when checking the 2 GiB FlatBuffers limit.
constexpr uint64_t kFlatbufferHeadroom = uint64_t{64} << 20;

tfl::Padding to_fb(runtime::Padding p) {
  return p == runtime::Padding::kSame ? tfl::Padding_SAME : tfl::Padding_VALID;
}

tfl::ActivationFunctionType to_fb(runtime::Activation a) {
  switch (a) {
    case runtime::Activation::kRelu: return tfl::ActivationFunctionType_RELU;
    case runtime::Activation::kRelu6: return tfl::ActivationFunctionType_RELU6;
    case runtime::Activation::kNone: break;
  }
  return tfl::ActivationFunctionType_NONE;
}

fb::Offset<tfl::Buffer> write_buffer(fb::FlatBufferBuilder& fbb, const std::vector<uint8_t>& d,
                                     bool align) {
  if (align) fbb.ForceVectorAlignment(d.size(), sizeof(uint8_t), kBufferAlignment);
  auto data = fbb.CreateVector(d);
  return tfl::CreateBuffer(fbb, data);
}

// Identical vectors and quantization tables are written once and referenced by every table that
// needs them (FlatBuffers offsets may be shared: the format is a DAG and readers, TFLite's
// verifier included, follow each reference independently). Typical sharing: the all-zero
// zero-point vector of a layer's weights and bias, the scale/zero point of a pool or reshape
// output (equal to its input's), equal shapes.
class SharedWriter {
 public:
  explicit SharedWriter(fb::FlatBufferBuilder& fbb) : fbb_(fbb) {}

  template <typename T>
  fb::Offset<fb::Vector<T>> vector(const std::vector<T>& v) {
    const std::string key = key_of('v', v);
    auto it = offsets_.find(key);
    if (it != offsets_.end()) return fb::Offset<fb::Vector<T>>(it->second);
    auto off = fbb_.CreateVector(v);
    offsets_.emplace(key, off.o);
    return off;
  }

  fb::Offset<tfl::QuantizationParameters> quant(const runtime::QuantParams& q) {
    if (q.scale.empty() && q.zero_point.empty() && q.min.empty() && q.max.empty()) return 0;
    const std::string key = key_of('s', q.scale) + key_of('z', q.zero_point) + key_of('m', q.min) +
                            key_of('M', q.max) + key_of('a', std::vector<int32_t>{q.axis});
    auto it = offsets_.find(key);
    if (it != offsets_.end()) return fb::Offset<tfl::QuantizationParameters>(it->second);
    auto min = q.min.empty() ? 0 : vector(q.min);
    auto max = q.max.empty() ? 0 : vector(q.max);
    auto scale = q.scale.empty() ? 0 : vector(q.scale);
    auto zero_point = q.zero_point.empty() ? 0 : vector(q.zero_point);
    auto off = tfl::CreateQuantizationParameters(fbb_, min, max, scale, zero_point,
                                                 tfl::QuantizationDetails_NONE, 0, q.axis);
    offsets_.emplace(key, off.o);
    return off;
  }

 private:
  // Tag, element size, element count, raw bytes: equal keys mean equal typed contents.
  template <typename T>
  static std::string key_of(char tag, const std::vector<T>& v) {
    std::string k(1, tag);
    k += static_cast<char>(sizeof(T));
    const uint64_t n = v.size();
    k.append(reinterpret_cast<const char*>(&n), sizeof n);
    if (!v.empty()) k.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    return k;
  }

  fb::FlatBufferBuilder& fbb_;
  std::map<std::string, fb::uoffset_t> offsets_;
};

// Builtin options table and its union type for one op (NONE where TFLite writes none).
std::pair<tfl::BuiltinOptions, fb::Offset<void>> write_options(fb::FlatBufferBuilder& fbb,
                                                               const Op& op) {
  const runtime::OpOptions& o = op.options;
  switch (op.type) {
    case OpType::kConv2D:
      return {tfl::BuiltinOptions_Conv2DOptions,
              tfl::CreateConv2DOptions(fbb, to_fb(o.padding), o.stride_w, o.stride_h,
                                       to_fb(o.activation), o.dilation_w, o.dilation_h)
                  .Union()};
    case OpType::kDepthwiseConv2D:
      return {tfl::BuiltinOptions_DepthwiseConv2DOptions,
              tfl::CreateDepthwiseConv2DOptions(fbb, to_fb(o.padding), o.stride_w, o.stride_h,
                                                o.depth_multiplier, to_fb(o.activation),
                                                o.dilation_w, o.dilation_h)
                  .Union()};
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
      return {tfl::BuiltinOptions_Pool2DOptions,
              tfl::CreatePool2DOptions(fbb, to_fb(o.padding), o.stride_w, o.stride_h, o.filter_w,
                                       o.filter_h, to_fb(o.activation))
                  .Union()};
    case OpType::kFullyConnected:
      return {tfl::BuiltinOptions_FullyConnectedOptions,
              tfl::CreateFullyConnectedOptions(fbb, to_fb(o.activation),
                                               tfl::FullyConnectedOptionsWeightsFormat_DEFAULT,
                                               o.keep_num_dims, o.asymmetric_quantize_inputs)
                  .Union()};
    case OpType::kSoftmax: {
      // beta's schema default is 0.0, which FlatBufferBuilder would omit: force it in.
      tfl::SoftmaxOptionsBuilder b(fbb);
      fbb.ForceDefaults(true);
      b.add_beta(o.beta);
      auto off = b.Finish();
      fbb.ForceDefaults(false);
      return {tfl::BuiltinOptions_SoftmaxOptions, off.Union()};
    }
    case OpType::kAdd:
      return {tfl::BuiltinOptions_AddOptions,
              tfl::CreateAddOptions(fbb, to_fb(o.activation)).Union()};
    case OpType::kReshape:
      if (o.new_shape.empty()) return {tfl::BuiltinOptions_NONE, 0};
      return {tfl::BuiltinOptions_ReshapeOptions,
              tfl::CreateReshapeOptions(fbb, fbb.CreateVector(o.new_shape)).Union()};
    case OpType::kMean:
      return {tfl::BuiltinOptions_ReducerOptions,
              tfl::CreateReducerOptions(fbb, o.keep_dims).Union()};
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kQuantize:
    case OpType::kDequantize:
      break;
  }
  return {tfl::BuiltinOptions_NONE, 0};
}

}  // namespace

Result<std::vector<uint8_t>> serialize_tflite(const Graph& graph) {
  Status valid = validate_graph(graph);
  if (!valid.ok()) return valid.with_context("cannot write .tflite");

  uint64_t payload = 0;
  for (const auto& t : graph.tensors) payload += t.data.size() + kBufferAlignment;
  for (const auto& m : graph.metadata) payload += m.data.size() + kBufferAlignment;
  if (payload + kFlatbufferHeadroom >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return Status::Error("cannot write .tflite: " + std::to_string(payload) +
                         " bytes of constants exceed the 2 GiB FlatBuffers limit");
  }

  fb::FlatBufferBuilder fbb(static_cast<size_t>(std::min<uint64_t>(payload + 4096, 1u << 30)));

  // Buffers: 0 = empty sentinel, then one per constant tensor, then one per metadata entry.
  std::vector<fb::Offset<tfl::Buffer>> buffers;
  buffers.push_back(tfl::CreateBuffer(fbb));
  std::vector<uint32_t> tensor_buffer(graph.tensors.size(), 0);
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    if (!graph.tensors[i].is_constant) continue;
    tensor_buffer[i] = static_cast<uint32_t>(buffers.size());
    buffers.push_back(write_buffer(fbb, graph.tensors[i].data, /*align=*/true));
  }
  std::vector<fb::Offset<tfl::Metadata>> metadata;
  for (const auto& m : graph.metadata) {
    const auto index = static_cast<uint32_t>(buffers.size());
    buffers.push_back(write_buffer(fbb, m.data, /*align=*/false));  // bytes, read by copy
    metadata.push_back(tfl::CreateMetadataDirect(fbb, m.name.c_str(), index));
  }

  SharedWriter shared(fbb);
  std::vector<fb::Offset<tfl::Tensor>> tensors;
  tensors.reserve(graph.tensors.size());
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    const runtime::Tensor& t = graph.tensors[i];
    auto shape = shared.vector(t.shape);
    auto name = fbb.CreateSharedString(t.name);
    auto quant = shared.quant(t.quant);
    tensors.push_back(tfl::CreateTensor(fbb, shape, static_cast<tfl::TensorType>(t.type),
                                        tensor_buffer[i], name, quant));
  }

  // One OperatorCode per (code, version), in order of first use.
  std::map<std::pair<int32_t, int32_t>, uint32_t> code_index;
  std::vector<fb::Offset<tfl::OperatorCode>> codes;
  std::vector<fb::Offset<tfl::Operator>> operators;
  for (const Op& op : graph.ops) {
    const int32_t code = static_cast<int32_t>(op.type);
    const int32_t version = written_op_version(graph, op);
    auto [it, inserted] = code_index.try_emplace({code, version}, codes.size());
    if (inserted) {
      codes.push_back(tfl::CreateOperatorCode(fbb, static_cast<int8_t>(std::min(code, 127)), 0,
                                              version, static_cast<tfl::BuiltinOperator>(code)));
    }
    auto [options_type, options] = write_options(fbb, op);
    auto inputs = shared.vector(op.inputs);
    auto outputs = shared.vector(op.outputs);
    operators.push_back(
        tfl::CreateOperator(fbb, it->second, inputs, outputs, options_type, options));
  }

  auto subgraph = tfl::CreateSubGraph(fbb, fbb.CreateVector(tensors),
                                      shared.vector(graph.inputs),
                                      shared.vector(graph.outputs),
                                      fbb.CreateVector(operators), fbb.CreateString(graph.name));
  auto model = tfl::CreateModel(
      fbb, kSchemaVersion, fbb.CreateVector(codes), fbb.CreateVector(&subgraph, 1),
      fbb.CreateString(graph.description), fbb.CreateVector(buffers), 0,
      metadata.empty() ? 0 : fbb.CreateVector(metadata));
  tfl::FinishModelBuffer(fbb, model);
  return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

Status save_tflite(const Graph& graph, const std::string& path) {
  auto bytes = serialize_tflite(graph);
  if (!bytes.ok()) return bytes.status().with_context(path);
  return write_file_atomic(path, *bytes);
}

}  // namespace octet::tflite
