#include "tflite/inspect.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "tflite/schema/octet_tflite_generated.h"

namespace octet::tflite {

using runtime::Activation;
using runtime::DataType;
using runtime::Graph;
using runtime::Op;
using runtime::OpType;
using runtime::Tensor;

namespace {

enum class ConstRole { kNone, kWeights, kBias, kOperand };

// What each tensor is used for: bias inputs and shape/axis operands are told apart from weights.
std::vector<ConstRole> const_roles(const Graph& g) {
  std::vector<ConstRole> role(g.tensors.size(), ConstRole::kNone);
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    if (g.tensors[i].is_constant) role[i] = ConstRole::kWeights;
  }
  auto mark = [&](const Op& op, size_t input, ConstRole r) {
    if (input < op.inputs.size() && op.inputs[input] >= 0 &&
        static_cast<size_t>(op.inputs[input]) < g.tensors.size() &&
        g.tensors[static_cast<size_t>(op.inputs[input])].is_constant) {
      role[static_cast<size_t>(op.inputs[input])] = r;
    }
  };
  for (const Op& op : g.ops) {
    switch (op.type) {
      case OpType::kConv2D:
      case OpType::kDepthwiseConv2D:
      case OpType::kFullyConnected:
        mark(op, 2, ConstRole::kBias);
        break;
      case OpType::kReshape:
      case OpType::kMean:
        mark(op, 1, ConstRole::kOperand);
        break;
      default:
        break;
    }
  }
  return role;
}

std::string fmt_g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

std::string shape_str(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(shape[i]);
  }
  s += ']';
  return s;
}

std::string with_commas(uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kRelu: return "RELU";
    case Activation::kRelu6: return "RELU6";
    case Activation::kNone: break;
  }
  return "NONE";
}

const char* padding_name(runtime::Padding p) {
  return p == runtime::Padding::kSame ? "SAME" : "VALID";
}

const Tensor* tensor_at(const Graph& g, int32_t i) {
  if (i < 0 || static_cast<size_t>(i) >= g.tensors.size()) return nullptr;
  return &g.tensors[static_cast<size_t>(i)];
}

// Constant int32 operand values (axes of MEAN, shape of RESHAPE) for display.
std::string int32_values(const Tensor* t) {
  if (t == nullptr || !t->is_constant || t->type != DataType::kInt32) return "";
  std::vector<int32_t> v(t->data.size() / 4);
  if (!v.empty()) std::memcpy(v.data(), t->data.data(), v.size() * 4);
  return shape_str(v);
}

std::string key_options(const Graph& g, const Op& op) {
  const runtime::OpOptions& o = op.options;
  const Tensor* filter = op.inputs.size() > 1 ? tensor_at(g, op.inputs[1]) : nullptr;
  std::string s;
  switch (op.type) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D:
      if (filter != nullptr && filter->shape.size() == 4) {
        s += "kernel " + std::to_string(filter->shape[1]) + "x" + std::to_string(filter->shape[2]) + " ";
      }
      s += "stride " + std::to_string(o.stride_h) + "x" + std::to_string(o.stride_w) + " " +
           padding_name(o.padding);
      if (o.dilation_h != 1 || o.dilation_w != 1) {
        s += " dilation " + std::to_string(o.dilation_h) + "x" + std::to_string(o.dilation_w);
      }
      if (op.type == OpType::kDepthwiseConv2D) s += " multiplier " + std::to_string(o.depth_multiplier);
      if (op.inputs.size() < 3 || op.inputs[2] < 0) s += " no-bias";
      break;
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
      s = "filter " + std::to_string(o.filter_h) + "x" + std::to_string(o.filter_w) + " stride " +
          std::to_string(o.stride_h) + "x" + std::to_string(o.stride_w) + " " +
          padding_name(o.padding);
      break;
    case OpType::kFullyConnected:
      if (filter != nullptr && !filter->shape.empty()) s = "units " + std::to_string(filter->shape[0]);
      if (o.keep_num_dims) s += " keep_num_dims";
      if (o.asymmetric_quantize_inputs) s += " asymmetric_inputs";
      if (op.inputs.size() < 3 || op.inputs[2] < 0) s += " no-bias";
      break;
    case OpType::kSoftmax:
      s = "beta " + fmt_g(o.beta);
      break;
    case OpType::kReshape:
      if (!o.new_shape.empty()) {
        s = "new_shape " + shape_str(o.new_shape);
      } else if (op.inputs.size() > 1) {
        const std::string v = int32_values(tensor_at(g, op.inputs[1]));
        s = v.empty() ? "shape from input" : "shape " + v;
      }
      break;
    case OpType::kMean: {
      const std::string v = op.inputs.size() > 1 ? int32_values(tensor_at(g, op.inputs[1])) : "";
      if (!v.empty()) s = "axes " + v + " ";
      s += o.keep_dims ? "keep_dims" : "";
      break;
    }
    default:
      break;
  }
  while (!s.empty() && s[0] == ' ') s.erase(0, 1);
  return s;
}

std::string quant_str(const Tensor& t) {
  const runtime::QuantParams& q = t.quant;
  std::string s;
  if (q.scale.size() == 1) {
    s = "S=" + fmt_g(q.scale[0]) + " Z=" + std::to_string(q.zero_point[0]);
  } else if (!q.scale.empty()) {
    const auto [lo, hi] = std::minmax_element(q.scale.begin(), q.scale.end());
    s = "per-channel axis " + std::to_string(q.axis) + " x" + std::to_string(q.scale.size()) +
        " S in [" + fmt_g(*lo) + ", " + fmt_g(*hi) + "]";
  }
  if (q.min.size() == 1) {
    if (!s.empty()) s += " ";
    s += "range [" + fmt_g(q.min[0]) + ", " + fmt_g(q.max[0]) + "]";
  } else if (!q.min.empty()) {
    if (!s.empty()) s += " ";
    s += "ranges x" + std::to_string(q.min.size());
  }
  return s.empty() ? "-" : s;
}

// Rows of cells printed with every column padded to its widest cell.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Columns listed in right_align are right-aligned (numbers).
  std::string str(const std::vector<size_t>& right_align = {}) const {
    std::vector<size_t> width;
    for (const auto& r : rows_) {
      width.resize(std::max(width.size(), r.size()), 0);
      for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
    }
    std::string out;
    for (const auto& r : rows_) {
      std::string line = "  ";
      for (size_t c = 0; c < r.size(); ++c) {
        const bool right = std::find(right_align.begin(), right_align.end(), c) != right_align.end();
        const std::string pad(width[c] - r[c].size(), ' ');
        line += right ? pad + r[c] : r[c] + (c + 1 < r.size() ? pad : "");
        if (c + 1 < r.size()) line += "  ";
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    return out;
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string shapes_of(const Graph& g, const std::vector<int32_t>& indices) {
  std::string s;
  for (int32_t i : indices) {
    if (!s.empty()) s += " ";
    const Tensor* t = tensor_at(g, i);
    s += t ? shape_str(t->shape) + (t->is_constant ? "c" : "") : "-";
  }
  return s;
}

std::string percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return "";
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%5.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::pair<const Tensor*, std::string> boundary_quantized(const Graph& g, int32_t index, bool input);

// "real = S * (q - Z)" and, for inputs, the pixel map for an input scaled to [0,1].
std::vector<std::string> affine_lines(const Tensor& t, bool is_input) {
  std::vector<std::string> lines;
  if (t.quant.scale.size() != 1) return lines;
  const std::string S = fmt_g(t.quant.scale[0]);
  const std::string Z = std::to_string(t.quant.zero_point[0]);
  lines.push_back("real = " + S + " * (q - (" + Z + "))");
  if (is_input) {
    lines.push_back("for an input in [0,1] from raw pixels p (0..255): q = round(p / 255 / " + S +
                    ") + (" + Z + ")");
  }
  return lines;
}

// The per-tensor quantized tensor that represents graph input/output `index`: itself, or the
// output of the QUANTIZE consuming a float input / the input of the DEQUANTIZE producing a
// float output. Second: " via QUANTIZE -> 'name'" when it is not the tensor itself.
std::pair<const Tensor*, std::string> boundary_quantized(const Graph& g, int32_t index, bool input) {
  const Tensor* t = tensor_at(g, index);
  if (t == nullptr) return {nullptr, ""};
  if (t->quant.scale.size() == 1) return {t, ""};
  for (const Op& op : g.ops) {
    if (op.inputs.empty() || op.outputs.empty()) continue;
    const bool match = input ? (op.type == OpType::kQuantize && op.inputs[0] == index)
                             : (op.type == OpType::kDequantize && op.outputs[0] == index);
    if (!match) continue;
    const Tensor* q = tensor_at(g, input ? op.outputs[0] : op.inputs[0]);
    if (q != nullptr && q->quant.scale.size() == 1) {
      return {q, input ? " via QUANTIZE -> '" + q->name + "'" : " via DEQUANTIZE <- '" + q->name + "'"};
    }
  }
  return {nullptr, ""};
}

}  // namespace

namespace {

// Bytes of the quantization vectors stored in a (verified) .tflite, each stored vector once.
uint64_t stored_quant_bytes(const uint8_t* file) {
  const ::tflite::Model* m = ::tflite::GetModel(file);
  if (m->subgraphs() == nullptr || m->subgraphs()->size() == 0) return 0;
  const auto* tensors = m->subgraphs()->Get(0)->tensors();
  if (tensors == nullptr) return 0;
  std::set<const void*> seen;
  uint64_t n = 0;
  auto add = [&](const auto* v, uint64_t element_size) {
    if (v != nullptr && v->size() > 0 && seen.insert(v).second) n += v->size() * element_size;
  };
  for (const ::tflite::Tensor* t : *tensors) {
    const ::tflite::QuantizationParameters* q = t ? t->quantization() : nullptr;
    if (q == nullptr) continue;
    add(q->min(), 4);
    add(q->max(), 4);
    add(q->scale(), 4);
    add(q->zero_point(), 8);
  }
  return n;
}

}  // namespace

ByteBreakdown byte_breakdown(const Graph& g, size_t file_bytes, const uint8_t* file) {
  ByteBreakdown b;
  b.file_bytes = file_bytes;
  const std::vector<ConstRole> role = const_roles(g);
  std::set<std::string> seen;  // distinct quantization vectors, by element size and contents
  auto count_once = [&](const auto& v) -> uint64_t {
    using T = typename std::decay_t<decltype(v)>::value_type;
    if (v.empty()) return 0;
    std::string key(1, static_cast<char>(sizeof(T)));
    key.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    return seen.insert(std::move(key)).second ? v.size() * sizeof(T) : 0;
  };
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const Tensor& t = g.tensors[i];
    const runtime::QuantParams& q = t.quant;
    b.quant_params += count_once(q.scale) + count_once(q.zero_point) + count_once(q.min) + count_once(q.max);
    if (q.scale.size() > 1) b.per_channel_required += 4 * q.scale.size() + 8 * q.zero_point.size();
    if (!t.is_constant) continue;
    const uint64_t n = t.data.size();
    if (role[i] == ConstRole::kOperand) {
      b.other_constants += n;
    } else if (t.type == DataType::kFloat32) {
      b.float32_weights += n;
    } else if (t.type == DataType::kInt8) {
      b.int8_weights += n;
    } else if (t.type == DataType::kInt32 && role[i] == ConstRole::kBias) {
      b.int32_biases += n;
    } else if (t.type == DataType::kFloat16) {
      b.float16_weights += n;
    } else {
      b.other_constants += n;
    }
  }
  if (file != nullptr) b.quant_params = stored_quant_bytes(file);
  for (const auto& m : g.metadata) b.metadata += m.data.size();
  const uint64_t payload = b.float32_weights + b.int8_weights + b.int32_biases +
                           b.float16_weights + b.quant_params + b.other_constants + b.metadata;
  b.flatbuffer_overhead = file_bytes > payload ? file_bytes - payload : 0;
  const uint64_t t7_base = b.int8_weights + b.int32_biases + b.per_channel_required;
  b.t7_rest = file_bytes > t7_base ? file_bytes - t7_base : 0;
  return b;
}

int64_t parameter_count(const Graph& g) {
  const std::vector<ConstRole> role = const_roles(g);
  int64_t n = 0;
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    if (role[i] == ConstRole::kWeights || role[i] == ConstRole::kBias) {
      n += g.tensors[i].num_elements();
    }
  }
  return n;
}

std::string describe_tflite(const Graph& g, size_t file_bytes, const uint8_t* file) {
  std::string out;
  out += "model:       " + (g.description.empty() ? std::string("-") : g.description) + "\n";
  if (!g.name.empty()) out += "subgraph:    " + g.name + "\n";
  out += "file:        " + with_commas(file_bytes) + " bytes\n";
  out += "operators:   " + std::to_string(g.ops.size()) + ", tensors: " +
         std::to_string(g.tensors.size()) + "\n";
  out += "parameters:  " + with_commas(static_cast<uint64_t>(parameter_count(g))) + "\n";

  out += "\nOperators (shapes marked c are constants)\n";
  TextTable ops({"#", "op", "v", "inputs", "outputs", "act", "options"});
  for (size_t k = 0; k < g.ops.size(); ++k) {
    const Op& op = g.ops[k];
    ops.add({std::to_string(k), op_type_name(op.type), std::to_string(op.version),
             shapes_of(g, op.inputs), shapes_of(g, op.outputs),
             runtime::Activation::kNone == op.options.activation ? "-" : activation_name(op.options.activation),
             key_options(g, op)});
  }
  out += ops.str({0, 2});

  out += "\nTensors\n";
  TextTable tensors({"#", "name", "type", "shape", "kind", "bytes", "quantization"});
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const Tensor& t = g.tensors[i];
    std::string kind = t.is_constant ? "const" : "act";
    if (std::find(g.inputs.begin(), g.inputs.end(), static_cast<int32_t>(i)) != g.inputs.end()) kind = "input";
    if (std::find(g.outputs.begin(), g.outputs.end(), static_cast<int32_t>(i)) != g.outputs.end()) kind = "output";
    tensors.add({std::to_string(i), t.name.empty() ? "-" : t.name, data_type_name(t.type),
                 shape_str(t.shape), kind, with_commas(static_cast<uint64_t>(t.byte_size())),
                 quant_str(t)});
  }
  out += tensors.str({0, 5});

  const ByteBreakdown b = byte_breakdown(g, file_bytes, file);
  out += "\nBytes\n";
  TextTable bytes({"part", "bytes", "share"});
  auto row = [&](const char* name, uint64_t v) {
    bytes.add({name, with_commas(v), percent(v, b.file_bytes)});
  };
  row("float32 weights", b.float32_weights);
  row("int8 weights", b.int8_weights);
  row("int32 biases", b.int32_biases);
  row("float16 weights", b.float16_weights);
  row("quantization params", b.quant_params);
  row("other constants", b.other_constants);
  row("metadata", b.metadata);
  row("flatbuffer overhead", b.flatbuffer_overhead);
  row("total (file)", b.file_bytes);
  out += bytes.str({1, 2});
  if (b.int8_weights > 0) {
    out += "  T7: per-channel scales + zero points as TFLite reads them " + with_commas(b.per_channel_required) +
           " bytes; beyond int8 weights, int32 biases and those: " + with_commas(b.t7_rest) +
           " bytes (target <= 4,096)\n";
  }
  // The user's question: how much smaller than float32 is this file, against the ideal 4x?
  const double params_f32 = 4.0 * static_cast<double>(parameter_count(g));
  if (b.file_bytes > 0 && b.float32_weights == 0 && params_f32 > 0) {
    char line[200];
    std::snprintf(line, sizeof line,
                  "vs float32      the %s parameters take %s bytes as float32: this file is %.2fx smaller "
                  "(ideal 4.00x)\n",
                  with_commas(static_cast<uint64_t>(parameter_count(g))).c_str(),
                  with_commas(static_cast<uint64_t>(params_f32)).c_str(), params_f32 / static_cast<double>(b.file_bytes));
    out += line;
  }

  // For float inputs/outputs, the map of the QUANTIZE right after the input or the DEQUANTIZE
  // right before the output is shown instead (how the model sees its data).
  std::string maps;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const auto [t, via] = boundary_quantized(g, g.inputs[i], true);
    if (t == nullptr) continue;
    maps += "  input " + std::to_string(i) + " '" + tensor_at(g, g.inputs[i])->name + "'" + via +
            " (" + data_type_name(t->type) + ")\n";
    for (const auto& l : affine_lines(*t, true)) maps += "    " + l + "\n";
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const auto [t, via] = boundary_quantized(g, g.outputs[i], false);
    if (t == nullptr) continue;
    maps += "  output " + std::to_string(i) + " '" + tensor_at(g, g.outputs[i])->name + "'" + via +
            " (" + data_type_name(t->type) + ")\n";
    for (const auto& l : affine_lines(*t, false)) maps += "    " + l + "\n";
  }
  if (!maps.empty()) out += "\nQuantized inputs and outputs\n" + maps;
  return out;
}

nlohmann::json describe_tflite_json(const Graph& g, size_t file_bytes, const uint8_t* file) {
  using nlohmann::json;
  json j;
  j["description"] = g.description;
  j["subgraph"] = g.name;
  j["file_bytes"] = file_bytes;
  j["parameters"] = parameter_count(g);
  json ops = json::array();
  for (size_t k = 0; k < g.ops.size(); ++k) {
    const Op& op = g.ops[k];
    ops.push_back({{"index", k},
                   {"type", op_type_name(op.type)},
                   {"version", op.version},
                   {"inputs", op.inputs},
                   {"outputs", op.outputs},
                   {"activation", activation_name(op.options.activation)},
                   {"options", key_options(g, op)}});
  }
  j["operators"] = ops;
  json tensors = json::array();
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const Tensor& t = g.tensors[i];
    json jt = {{"index", i},
               {"name", t.name},
               {"type", data_type_name(t.type)},
               {"shape", t.shape},
               {"constant", t.is_constant},
               {"bytes", t.byte_size()}};
    if (t.quant.quantized()) {
      jt["quantization"] = {{"scale", t.quant.scale},
                            {"zero_point", t.quant.zero_point},
                            {"quantized_dimension", t.quant.axis}};
    }
    if (!t.quant.min.empty()) {
      jt["range"] = {{"min", t.quant.min}, {"max", t.quant.max}};
    }
    tensors.push_back(jt);
  }
  j["tensors"] = tensors;
  const ByteBreakdown b = byte_breakdown(g, file_bytes, file);
  j["bytes"] = {{"float32_weights", b.float32_weights}, {"int8_weights", b.int8_weights},
                {"int32_biases", b.int32_biases},       {"float16_weights", b.float16_weights},
                {"quant_params", b.quant_params},       {"other_constants", b.other_constants},
                {"metadata", b.metadata},               {"flatbuffer_overhead", b.flatbuffer_overhead},
                {"file", b.file_bytes},                 {"per_channel_required", b.per_channel_required},
                {"t7_rest", b.t7_rest}};
  auto io = [&](const std::vector<int32_t>& list, bool input) {
    json arr = json::array();
    for (int32_t i : list) {
      const Tensor* t = tensor_at(g, i);
      if (t == nullptr) continue;
      json e = {{"tensor", i}, {"name", t->name}, {"type", data_type_name(t->type)},
                {"shape", t->shape}};
      const auto [q, via] = boundary_quantized(g, i, input);
      if (q != nullptr) {
        e["scale"] = q->quant.scale[0];
        e["zero_point"] = q->quant.zero_point[0];
        if (q != t) e["quantized_tensor"] = q->name;
      }
      arr.push_back(e);
    }
    return arr;
  };
  j["inputs"] = io(g.inputs, true);
  j["outputs"] = io(g.outputs, false);
  return j;
}

}  // namespace octet::tflite
