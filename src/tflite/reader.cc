#include "tflite/reader.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "core/file_io.h"
#include "tflite/op_codes.h"
#include "tflite/schema/octet_tflite_generated.h"
#include "tflite/validate.h"

namespace octet::tflite {

namespace fb = ::flatbuffers;
namespace tfl = ::tflite;

using runtime::Activation;
using runtime::DataType;
using runtime::OpType;

namespace {

constexpr uint32_t kSchemaVersion = 3;
// Tensor field slots beyond octet's schema subset whose presence changes the meaning of the
// data (quantization.md §7.2): 6 sparsity, 10 external_buffer.
constexpr fb::voffset_t kTensorSparsityField = 4 + 2 * 6;
constexpr fb::voffset_t kTensorExternalBufferField = 4 + 2 * 10;

Status err(const std::string& msg) { return Status::Error(msg); }

// Access to fields beyond octet's schema subset. The verifier checked each table's vtable but not
// these fields, so a scalar is read only when it lies inside both the table's claimed inline bytes
// and the file. (Generated tables derive privately from Table.)
bool has_field(const void* table, fb::voffset_t field) {
  return reinterpret_cast<const fb::Table*>(table)->GetOptionalFieldOffset(field) != 0;
}

uint32_t raw_u32_field(const void* table, fb::voffset_t field, const uint8_t* data, size_t size) {
  const auto* t = reinterpret_cast<const fb::Table*>(table);
  const fb::voffset_t off = t->GetOptionalFieldOffset(field);
  if (off == 0) return 0;
  const fb::voffset_t inline_size = fb::ReadScalar<fb::voffset_t>(t->GetVTable() + sizeof(fb::voffset_t));
  if (static_cast<size_t>(off) + sizeof(uint32_t) > inline_size) return 0;
  // The claimed inline size is not checked against the file (found by fuzz_tflite_reader).
  const size_t at = static_cast<size_t>(reinterpret_cast<const uint8_t*>(table) - data) + off;
  if (at + sizeof(uint32_t) > size) return 0;
  uint32_t v;
  std::memcpy(&v, reinterpret_cast<const uint8_t*>(table) + off, sizeof(v));
  return v;
}

// Copies a vector of scalars. memcpy, not element loads: the verifier (2.0.8) checks only the
// 4-byte alignment of the length prefix, so a crafted file can misalign int64 elements.
// (Little-endian host assumed, as TFLite itself does.)
template <typename T>
std::vector<T> to_vector(const fb::Vector<T>* v) {
  static_assert(std::is_arithmetic_v<T>);
  if (v == nullptr) return {};
  std::vector<T> out(v->size());
  if (!out.empty()) std::memcpy(out.data(), v->Data(), out.size() * sizeof(T));
  return out;
}

Result<DataType> to_data_type(tfl::TensorType t) {
  switch (t) {
    case tfl::TensorType_FLOAT32: return DataType::kFloat32;
    case tfl::TensorType_FLOAT16: return DataType::kFloat16;
    case tfl::TensorType_INT32: return DataType::kInt32;
    case tfl::TensorType_UINT8: return DataType::kUInt8;
    case tfl::TensorType_INT64: return DataType::kInt64;
    case tfl::TensorType_INT16: return DataType::kInt16;
    case tfl::TensorType_INT8: return DataType::kInt8;
    default: break;
  }
  const char* name = tfl::EnumNameTensorType(t);
  std::string what = (name && name[0]) ? std::string(name)
                                       : "type " + std::to_string(static_cast<int>(t));
  return err(what + ", which octet does not support");
}

Result<runtime::Padding> to_padding(tfl::Padding p) {
  if (p == tfl::Padding_SAME) return runtime::Padding::kSame;
  if (p == tfl::Padding_VALID) return runtime::Padding::kValid;
  return err("unknown padding " + std::to_string(static_cast<int>(p)));
}

Result<Activation> to_activation(tfl::ActivationFunctionType a) {
  switch (a) {
    case tfl::ActivationFunctionType_NONE: return Activation::kNone;
    case tfl::ActivationFunctionType_RELU: return Activation::kRelu;
    case tfl::ActivationFunctionType_RELU6: return Activation::kRelu6;
    default: break;
  }
  const char* name = tfl::EnumNameActivationFunctionType(a);
  std::string what = (name && name[0]) ? std::string(name)
                                       : std::to_string(static_cast<int>(a));
  return err("fused activation " + what + ", which octet does not support");
}

// The bytes of a buffer: inline data, or [offset, offset+size) of the file for large models.
// `present` is false when the buffer holds no data vector at all.
struct BufferView {
  const uint8_t* data = nullptr;
  size_t size = 0;
  bool present = false;
};

Result<BufferView> buffer_view(const tfl::Model& model, uint32_t index, const uint8_t* file,
                               size_t file_size, const std::string& what) {
  const auto* buffers = model.buffers();
  const uint32_t count = buffers ? buffers->size() : 0;
  if (index == 0 && count == 0) return BufferView{};
  if (index >= count) {
    return err(what + " uses buffer " + std::to_string(index) + ", out of range (" +
               std::to_string(count) + " buffers)");
  }
  const tfl::Buffer* b = buffers->Get(index);
  if (b == nullptr) return BufferView{};
  if (b->offset() > 1) {
    const uint64_t off = b->offset(), sz = b->size();
    if (off > file_size || sz > file_size - off) {
      return err(what + ": buffer " + std::to_string(index) + " points at bytes [" +
                 std::to_string(off) + ", " + std::to_string(off + sz) +
                 ") beyond the end of the file (" + std::to_string(file_size) + " bytes)");
    }
    return BufferView{file + off, static_cast<size_t>(sz), true};
  }
  if (b->data() == nullptr) return BufferView{};
  return BufferView{b->data()->data(), b->data()->size(), true};
}

Status read_quant(const tfl::QuantizationParameters* q, runtime::QuantParams* out) {
  if (q == nullptr) return Status::Ok();
  if (q->details_type() != tfl::QuantizationDetails_NONE) {
    return err("uses custom quantization details, which octet does not support");
  }
  out->scale = to_vector(q->scale());
  out->zero_point = to_vector(q->zero_point());
  out->min = to_vector(q->min());
  out->max = to_vector(q->max());
  out->axis = q->quantized_dimension();
  return Status::Ok();
}

// Reads the options of op `type` from the union; a NONE union yields the schema defaults.
Status read_options(const tfl::Operator& op, OpType type, runtime::OpOptions* o) {
  const tfl::BuiltinOptions got = op.builtin_options_type();
  auto expect = [&](tfl::BuiltinOptions want) -> Status {
    if (got == want || got == tfl::BuiltinOptions_NONE) return Status::Ok();
    const char* name = tfl::EnumNameBuiltinOptions(got);
    std::string msg = "has builtin options ";
    if (name && name[0]) {
      msg += name;
    } else {
      msg += "of union type ";
      msg += std::to_string(static_cast<int>(got));
    }
    msg += ", expected ";
    msg += tfl::EnumNameBuiltinOptions(want);
    return err(msg);
  };
  // Schema defaults when the table is absent.
  o->padding = runtime::Padding::kSame;
  o->stride_w = o->stride_h = 0;
  o->activation = Activation::kNone;
  switch (type) {
    case OpType::kConv2D: {
      OCTET_RETURN_IF_ERROR(expect(tfl::BuiltinOptions_Conv2DOptions));
      const auto* p = op.builtin_options_as_Conv2DOptions();
      if (p == nullptr) break;
      OCTET_ASSIGN_OR_RETURN(o->padding, to_padding(p->padding()));
      OCTET_ASSIGN_OR_RETURN(o->activation, to_activation(p->fused_activation_function()));
      o->stride_w = p->stride_w();
      o->stride_h = p->stride_h();
      o->dilation_w = p->dilation_w_factor();
      o->dilation_h = p->dilation_h_factor();
      break;
    }
    case OpType::kDepthwiseConv2D: {
      OCTET_RETURN_IF_ERROR(expect(tfl::BuiltinOptions_DepthwiseConv2DOptions));
      const auto* p = op.builtin_options_as_DepthwiseConv2DOptions();
      if (p == nullptr) break;
      OCTET_ASSIGN_OR_RETURN(o->padding, to_padding(p->padding()));
      OCTET_ASSIGN_OR_RETURN(o->activation, to_activation(p->fused_activation_function()));
      o->stride_w = p->stride_w();
      o->stride_h = p->stride_h();
      o->depth_multiplier = p->depth_multiplier();
      o->dilation_w = p->dilation_w_factor();
      o->dilation_h = p->dilation_h_factor();
      break;
    }
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D: {
      OCTET_RETURN_IF_ERROR(expect(tfl::BuiltinOptions_Pool2DOptions));
      const auto* p = op.builtin_options_as_Pool2DOptions();
      if (p == nullptr) break;
      OCTET_ASSIGN_OR_RETURN(o->padding, to_padding(p->padding()));
      OCTET_ASSIGN_OR_RETURN(o->activation, to_activation(p->fused_activation_function()));
      o->stride_w = p->stride_w();
      o->stride_h = p->stride_h();
      o->filter_w = p->filter_width();
      o->filter_h = p->filter_height();
      break;
    }
    case OpType::kFullyConnected: {
      OCTET_RETURN_IF_ERROR(expect(tfl::BuiltinOptions_FullyConnectedOptions));
      const auto* p = op.builtin_options_as_FullyConnectedOptions();
      if (p == nullptr) break;
      OCTET_ASSIGN_OR_RETURN(o->activation, to_activation(p->fused_activation_function()));
      if (p->weights_format() != tfl::FullyConnectedOptionsWeightsFormat_DEFAULT) {
        return err("uses shuffled weights (weights_format " +
                   std::to_string(static_cast<int>(p->weights_format())) +
                   "), which octet does not support");
      }
      o->keep_num_dims = p->keep_num_dims();
      o->asymmetric_quantize_inputs = p->asymmetric_quantize_inputs();
      break;
    }
    case OpType::kSoftmax: {
      OCTET_RETURN_IF_ERROR(expect(tfl::BuiltinOptions_SoftmaxOptions));
      const auto* p = op.builtin_options_as_SoftmaxOptions();
      o->beta = p ? p->beta() : 0.0f;  // TFLite reads an absent table as beta = 0
      break;
    }
    case OpType::kAdd: {
      OCTET_RETURN_IF_ERROR(expect(tfl::BuiltinOptions_AddOptions));
      const auto* p = op.builtin_options_as_AddOptions();
      if (p == nullptr) break;
      OCTET_ASSIGN_OR_RETURN(o->activation, to_activation(p->fused_activation_function()));
      break;
    }
    case OpType::kReshape: {
      OCTET_RETURN_IF_ERROR(expect(tfl::BuiltinOptions_ReshapeOptions));
      const auto* p = op.builtin_options_as_ReshapeOptions();
      if (p != nullptr) o->new_shape = to_vector(p->new_shape());
      break;
    }
    case OpType::kMean: {
      OCTET_RETURN_IF_ERROR(expect(tfl::BuiltinOptions_ReducerOptions));
      const auto* p = op.builtin_options_as_ReducerOptions();
      if (p != nullptr) o->keep_dims = p->keep_dims();
      break;
    }
    case OpType::kQuantize:
      OCTET_RETURN_IF_ERROR(expect(tfl::BuiltinOptions_QuantizeOptions));
      break;
    case OpType::kDequantize:
      OCTET_RETURN_IF_ERROR(expect(tfl::BuiltinOptions_DequantizeOptions));
      break;
    case OpType::kRelu:
    case OpType::kRelu6:
      break;
  }
  // Fields this op does not have keep runtime::OpOptions' defaults so that graphs compare
  // equal after a round trip; only ops with strides/padding keep the values read above.
  switch (type) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D:
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
      break;
    default:
      o->padding = runtime::Padding::kValid;
      o->stride_w = o->stride_h = 1;
      break;
  }
  return Status::Ok();
}

Result<runtime::Graph> parse_model(const uint8_t* data, size_t size) {
  if (size < 8) return err("file too small (" + std::to_string(size) + " bytes) for a .tflite");
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return err("file too large (" + std::to_string(size) + " bytes) for a flatbuffer");
  }
  if (!tfl::ModelBufferHasIdentifier(data)) {
    std::string id;
    for (int i = 4; i < 8; ++i) {
      const char c = static_cast<char>(data[i]);
      id += (c >= 32 && c < 127) ? std::string(1, c) : "\\x" + std::to_string(data[i] & 0xff);
    }
    return err("not a .tflite file (identifier '" + id + "', expected 'TFL3')");
  }
  fb::Verifier verifier(data, size);
  if (!tfl::VerifyModelBuffer(verifier)) {
    return err("corrupt .tflite file (flatbuffer verification failed)");
  }
  const tfl::Model* model = tfl::GetModel(data);
  if (model->version() != kSchemaVersion) {
    return err("schema version " + std::to_string(model->version()) + ", expected 3");
  }
  const auto* subgraphs = model->subgraphs();
  const uint32_t n_subgraphs = subgraphs ? subgraphs->size() : 0;
  if (n_subgraphs != 1) {
    return err(std::to_string(n_subgraphs) +
               " subgraphs; octet supports models with exactly one");
  }
  const tfl::SubGraph* sg = subgraphs->Get(0);
  if (sg == nullptr) return err("subgraph 0 is missing");

  runtime::Graph g;
  if (sg->name()) g.name = sg->name()->str();
  if (model->description()) g.description = model->description()->str();

  // Tensors.
  if (sg->tensors()) {
    g.tensors.reserve(sg->tensors()->size());
    for (uint32_t i = 0; i < sg->tensors()->size(); ++i) {
      const tfl::Tensor* ft = sg->tensors()->Get(i);
      runtime::Tensor t;
      if (ft == nullptr) return err("tensor " + std::to_string(i) + " is missing");
      if (ft->name()) t.name = ft->name()->str();
      const std::string where = describe_tensor(t, i);
      auto type = to_data_type(ft->type());
      if (!type.ok()) return err(where + " has type " + type.status().message());
      t.type = *type;
      t.shape = to_vector(ft->shape());
      if (has_field(ft, kTensorSparsityField)) {
        return err(where + " is sparse, which octet does not support");
      }
      if (raw_u32_field(ft, kTensorExternalBufferField, data, size) != 0) {
        return err(where + " uses an external buffer, which octet does not support");
      }
      if (ft->is_variable()) return err(where + " is a variable tensor, which octet does not support");
      Status q = read_quant(ft->quantization(), &t.quant);
      if (!q.ok()) return q.with_context(where);
      auto elements = checked_num_elements(t.shape);
      if (!elements.ok()) return elements.status().with_context(where);
      OCTET_ASSIGN_OR_RETURN(BufferView buf,
                             buffer_view(*model, ft->buffer(), data, size, where));
      // Converter files give every tensor its own (often empty) buffer: only data makes a
      // tensor constant. A zero-element tensor with a data vector is a constant too.
      if (buf.present && (buf.size > 0 || *elements == 0)) {
        const int64_t need = *elements * element_size(t.type);
        if (static_cast<int64_t>(buf.size) != need) {
          return err(where + ": buffer " + std::to_string(ft->buffer()) + " has " +
                     std::to_string(buf.size) + " bytes, shape and type need " +
                     std::to_string(need));
        }
        t.is_constant = true;
        t.data.assign(buf.data, buf.data + buf.size);
      }
      OCTET_RETURN_IF_ERROR(validate_tensor(t, i));
      g.tensors.push_back(std::move(t));
    }
  }
  g.inputs = to_vector(sg->inputs());
  g.outputs = to_vector(sg->outputs());

  // Operators.
  const auto* codes = model->operator_codes();
  const uint32_t n_codes = codes ? codes->size() : 0;
  if (sg->operators()) {
    g.ops.reserve(sg->operators()->size());
    for (uint32_t k = 0; k < sg->operators()->size(); ++k) {
      const tfl::Operator* fop = sg->operators()->Get(k);
      const std::string where = "operator " + std::to_string(k);
      if (fop == nullptr) return err(where + " is missing");
      if (fop->opcode_index() >= n_codes) {
        return err(where + " uses operator code " + std::to_string(fop->opcode_index()) +
                   ", out of range (" + std::to_string(n_codes) + " codes)");
      }
      const tfl::OperatorCode* oc = codes->Get(fop->opcode_index());
      if (oc == nullptr) return err(where + ": operator code is missing");
      const int32_t code = std::max<int32_t>(static_cast<int32_t>(oc->builtin_code()),
                                             static_cast<int32_t>(oc->deprecated_builtin_code()));
      if (code == tfl::BuiltinOperator_CUSTOM) {
        const std::string custom = oc->custom_code() ? oc->custom_code()->str() : "";
        return err(where + " is the custom operator '" + custom +
                   "', which octet does not support");
      }
      if (!is_supported_builtin(code)) {
        return err(where + " uses " + builtin_operator_name(code) +
                   ", which octet does not support");
      }
      runtime::Op op;
      op.type = static_cast<OpType>(code);
      op.version = oc->version();
      op.inputs = to_vector(fop->inputs());
      op.outputs = to_vector(fop->outputs());
      Status s = read_options(*fop, op.type, &op.options);
      if (!s.ok()) return s.with_context(where + " (" + op_type_name(op.type) + ")");
      g.ops.push_back(std::move(op));
    }
  }

  // Metadata: keep every entry with its buffer's bytes.
  if (model->metadata()) {
    for (uint32_t i = 0; i < model->metadata()->size(); ++i) {
      const tfl::Metadata* m = model->metadata()->Get(i);
      if (m == nullptr) continue;
      runtime::Metadata md;
      if (m->name()) md.name = m->name()->str();
      OCTET_ASSIGN_OR_RETURN(
          BufferView buf,
          buffer_view(*model, m->buffer(), data, size, "metadata '" + md.name + "'"));
      if (buf.data != nullptr) md.data.assign(buf.data, buf.data + buf.size);
      g.metadata.push_back(std::move(md));
    }
  }

  OCTET_RETURN_IF_ERROR(validate_graph(g));
  return g;
}

}  // namespace

Result<runtime::Graph> parse_tflite(const uint8_t* data, size_t size,
                                    const std::string& name_for_errors) {
  if (data == nullptr && size != 0) return Status::Error(name_for_errors + ": no data");
  // FlatBuffers reads scalars in place: make sure the bytes sit at a 16-byte aligned address.
  std::vector<uint8_t> aligned_copy;
  if (reinterpret_cast<uintptr_t>(data) % 16 != 0) {
    aligned_copy.assign(data, data + size);
    data = aligned_copy.data();
  }
  auto graph = parse_model(data, size);
  if (!graph.ok()) return graph.status().with_context(name_for_errors);
  return graph;
}

Result<runtime::Graph> load_tflite(const std::string& path) {
  auto bytes = read_file(path, FLATBUFFERS_MAX_BUFFER_SIZE);
  if (!bytes.ok()) return bytes.status();
  return parse_tflite(bytes->data(), bytes->size(), path);
}

}  // namespace octet::tflite
