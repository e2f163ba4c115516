#include "quant/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <array>
#include <functional>
#include <optional>

#include "quant/qparams.h"

namespace octet::quant {

using runtime::DataType;
using runtime::Graph;
using runtime::Op;
using runtime::OpType;
using runtime::Tensor;

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::kInt8: return "int8";
    case Mode::kDynamic: return "dynamic";
    case Mode::kFloat16: return "float16";
    case Mode::kInt16x8: return "int16x8";
  }
  return "?";
}

const char* io_name(IoType t) {
  switch (t) {
    case IoType::kInt8: return "int8";
    case IoType::kUInt8: return "uint8";
    case IoType::kFloat: return "float";
  }
  return "?";
}

Result<Mode> parse_mode(const std::string& s) {
  if (s == "int8") return Mode::kInt8;
  if (s == "dynamic") return Mode::kDynamic;
  if (s == "float16") return Mode::kFloat16;
  if (s == "int16x8") return Mode::kInt16x8;
  return Status::Error("unknown quantization mode '" + s + "' (int8, dynamic, float16, int16x8)");
}

bool is_calibrated(Mode m) { return m == Mode::kInt8 || m == Mode::kInt16x8; }

Result<IoType> parse_io(const std::string& s) {
  if (s == "int8") return IoType::kInt8;
  if (s == "uint8") return IoType::kUInt8;
  if (s == "float") return IoType::kFloat;
  return Status::Error("unknown I/O type '" + s + "' (int8, uint8, float)");
}

namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::vector<float> floats_of(const Tensor& t) {
  std::vector<float> v(t.data.size() / 4);
  if (!v.empty()) std::memcpy(v.data(), t.data.data(), v.size() * 4);
  return v;
}

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

int64_t constant_bytes(const Graph& g) {
  int64_t n = 0;
  for (const Tensor& t : g.tensors)
    if (t.is_constant) n += static_cast<int64_t>(t.data.size());
  return n;
}

bool has_weights(OpType t) {
  return t == OpType::kConv2D || t == OpType::kDepthwiseConv2D || t == OpType::kFullyConnected;
}

// quantized_dimension of the weights (§1.2).
int weight_axis(OpType t) { return t == OpType::kDepthwiseConv2D ? 3 : 0; }

const char* op_name(OpType t) { return runtime::op_type_name(t); }

// Weights of op `op` as int8 (per channel or per tensor), written into tensor `t` in place.
WeightQuant quantize_weight_tensor(Tensor& t, OpType op, bool per_channel, bool keep_ranges, int bits = 8) {
  const std::vector<float> w = floats_of(t);
  WeightQuant q = per_channel ? quantize_weights_per_channel(w.data(), t.shape, weight_axis(op), bits)
                              : quantize_weights_per_tensor(w.data(), static_cast<int64_t>(w.size()), bits);
  t.type = DataType::kInt8;
  t.data = bytes_of(q.values);
  t.quant = {};
  t.quant.scale = q.scales;
  t.quant.zero_point.assign(q.scales.size(), 0);
  t.quant.axis = q.axis;
  if (keep_ranges) {
    t.quant.min = q.min;
    t.quant.max = q.max;
  }
  return q;
}

void describe_weights(LayerReport& row, const Tensor& t, const WeightQuant& q, bool per_channel,
                      std::vector<std::string>& warnings) {
  row.weights = t.name;
  row.weights_quant = per_channel ? "int8 per-channel (" + std::to_string(q.scales.size()) + ")" : "int8 per-tensor";
  row.weight_scale_min = *std::min_element(q.scales.begin(), q.scales.end());
  row.weight_scale_max = *std::max_element(q.scales.begin(), q.scales.end());
  if (!q.zero_channels.empty()) {
    std::string list;
    for (size_t i = 0; i < q.zero_channels.size() && i < 8; ++i) list += (i ? "," : "") + std::to_string(q.zero_channels[i]);
    if (q.zero_channels.size() > 8) list += ",...";
    const std::string msg =
        per_channel ? std::to_string(q.zero_channels.size()) + " all-zero weight channel(s) [" + list +
                          "] in " + quoted(t.name) + ": scale " + fmt("%.3g", q.scales[q.zero_channels[0]]) +
                          " from the 1e-6 range widening, all values 0"
                    : "all-zero weight tensor " + quoted(t.name) + ": scale 1, all values 0";
    row.notes.push_back(msg);
    warnings.push_back(msg);
  }
}

// Empirical bias correction (§6.7): b[o] -= sum over the weights w of output channel o of
// (dequantized w - float w) * E[input channel of w]. `fw` is the float weight tensor, `qw` the
// same tensor after quantization (int8 values and scales).
Status correct_bias(std::vector<float>& b, const Op& op, const Tensor& fw, const Tensor& qw, const TensorRange& input,
                    LayerReport& row) {
  const std::vector<double>& mean = input.channel_mean;
  if (mean.empty()) {
    return Status::Error("bias correction needs the input means of " + quoted(fw.name) +
                         "'s operator from calibration (CalibrationOptions::channel_means)");
  }
  const std::vector<float> w = floats_of(fw);
  const int axis = weight_axis(op.type);
  const std::vector<int32_t>& shape = fw.shape;
  const int64_t out_channels = shape[static_cast<size_t>(axis)];
  const int64_t last = shape.back();
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  const bool depthwise = op.type == OpType::kDepthwiseConv2D;
  // Input channel of an element: its last index (OHWI conv, [O, I] fully connected), or for a
  // depthwise [1, H, W, C * m] kernel its channel divided by the multiplier m.
  const int64_t multiplier = depthwise ? last / static_cast<int64_t>(mean.size()) : 1;
  if (depthwise ? (multiplier < 1 || last % static_cast<int64_t>(mean.size()) != 0) : last != static_cast<int64_t>(mean.size())) {
    return Status::Error("bias correction: " + quoted(fw.name) + " has " + std::to_string(last) +
                         " channels in its last axis but the input has " + std::to_string(mean.size()));
  }
  if (static_cast<int64_t>(b.size()) != out_channels) {
    return Status::Error("bias correction: the bias has " + std::to_string(b.size()) + " values for " +
                         std::to_string(out_channels) + " output channels of " + quoted(fw.name));
  }
  const int8_t* qv = reinterpret_cast<const int8_t*>(qw.data.data());
  const std::vector<float>& scales = qw.quant.scale;
  std::vector<double> shift(static_cast<size_t>(out_channels), 0.0);
  for (size_t k = 0; k < w.size(); ++k) {
    const int64_t o = (static_cast<int64_t>(k) / inner) % out_channels;
    const int64_t in_channel = depthwise ? (static_cast<int64_t>(k) % last) / multiplier : static_cast<int64_t>(k) % last;
    const double dq = static_cast<double>(qv[k]) * scales[scales.size() == 1 ? 0 : static_cast<size_t>(o)];
    shift[static_cast<size_t>(o)] += (dq - w[k]) * mean[static_cast<size_t>(in_channel)];
  }
  double largest = 0;
  for (int64_t o = 0; o < out_channels; ++o) {
    b[static_cast<size_t>(o)] = static_cast<float>(b[static_cast<size_t>(o)] - shift[static_cast<size_t>(o)]);
    largest = std::max(largest, std::fabs(shift[static_cast<size_t>(o)]));
  }
  row.notes.push_back("bias corrected, largest shift " + fmt("%.3g", largest));
  return Status::Ok();
}

struct ActParams {
  float scale = 1;
  int32_t zero_point = 0;
  float min = 0, max = 0;
  float scale16 = 1;  // the same activation in int16 (zero point 0), for 16-bit ops
};

// The precision an op computes in, and so of the activations it writes.
enum class Prec : uint8_t { kInt8, kInt16, kFloat };

// Symmetric int16 activation scale of the 16x8 mode: max|range| / 32767 (zero point 0); an
// all-zero range gets scale 1, as an all-zero weight tensor does.
float int16_scale(float mn, float mx) {
  const float m = std::max(std::fabs(mn), std::fabs(mx));
  return m > 0.0f ? m / 32767.0f : 1.0f;
}

Status check_calibration(const Graph& g, const CalibrationResult& c) {
  if (c.ranges.size() != g.tensors.size()) {
    return Status::Error("the calibration was made for another graph (" + std::to_string(c.ranges.size()) +
                         " tensors, the model has " + std::to_string(g.tensors.size()) + ")");
  }
  if (c.indices.empty()) return Status::Error("the calibration used no samples");
  return Status::Ok();
}

// Mixed precision: each activation has the precision of the op that writes it (`op_prec`; a model
// input is float32 with float I/O, int8 otherwise) in `tprec`. Every read across a precision border
// goes through a twin tensor made once, right before its first reader: DEQUANTIZE to float32,
// QUANTIZE from float32; int8 <-> int16 passes through the float32 twin (a DEQUANTIZE and a
// QUANTIZE, which every TFLite version runs). A graph output that is not int8 becomes its int8 twin
// unless the model I/O is float. Twins get the activation's parameters in `act`.
void insert_precision_borders(Graph& q, std::vector<std::optional<ActParams>>& act, const std::vector<Prec>& op_prec,
                              IoType io, std::vector<Prec>& tprec) {
  const size_t n = q.tensors.size();
  tprec.assign(n, Prec::kInt8);
  if (io == IoType::kFloat)
    for (int32_t t : q.inputs) tprec[static_cast<size_t>(t)] = Prec::kFloat;
  for (size_t i = 0; i < q.ops.size(); ++i) tprec[static_cast<size_t>(q.ops[i].outputs[0])] = op_prec[i];
  std::vector<std::array<int32_t, 3>> twin(n, {-1, -1, -1});
  std::vector<Op> ops;
  std::function<int32_t(int32_t, Prec)> twin_of = [&](int32_t t, Prec to) {
    const size_t ti = static_cast<size_t>(t);
    int32_t& made = twin[ti][static_cast<size_t>(to)];
    if (made < 0) {
      const int32_t src = tprec[ti] != Prec::kFloat && to != Prec::kFloat ? twin_of(t, Prec::kFloat) : t;
      Tensor copy;
      copy.name = q.tensors[ti].name +
                  (to == Prec::kFloat ? "/dequantize" : (to == Prec::kInt16 ? "/quantize16" : "/quantize"));
      copy.shape = q.tensors[ti].shape;
      const int32_t index = q.add_tensor(std::move(copy));
      const std::optional<ActParams> params = act[ti];
      act.push_back(params);
      tprec.push_back(to);
      ops.push_back(Op{to == Prec::kFloat ? OpType::kDequantize : OpType::kQuantize, 1, {src}, {index}, {}});
      twin[ti][static_cast<size_t>(to)] = index;
    }
    return twin[ti][static_cast<size_t>(to)];
  };
  for (size_t i = 0; i < q.ops.size(); ++i) {
    Op op = q.ops[i];
    for (int32_t& t : op.inputs) {
      if (t < 0 || static_cast<size_t>(t) >= n || !act[static_cast<size_t>(t)]) continue;  // constants
      if (tprec[static_cast<size_t>(t)] != op_prec[i]) t = twin_of(t, op_prec[i]);
    }
    ops.push_back(std::move(op));
  }
  for (int32_t& t : q.outputs)
    if (tprec[static_cast<size_t>(t)] != Prec::kInt8 && io != IoType::kFloat) t = twin_of(t, Prec::kInt8);
  q.ops = std::move(ops);
}

Result<QuantizeResult> quantize_int8(const Graph& g, const CalibrationResult& calib, const QuantizeOptions& opt) {
  OCTET_RETURN_IF_ERROR(check_calibration(g, calib));
  OCTET_ASSIGN_OR_RETURN(const std::vector<bool> keep, resolve_ops(g, opt.keep_float));
  OCTET_ASSIGN_OR_RETURN(const std::vector<bool> per_channel_op, resolve_ops(g, opt.per_channel_ops));
  OCTET_ASSIGN_OR_RETURN(const std::vector<bool> int16_op, resolve_ops(g, opt.int16_ops));
  const bool all_int16 = opt.mode == Mode::kInt16x8;
  const IoType io = all_int16 ? IoType::kFloat : opt.io;  // the 16x8 mode keeps float32 model I/O
  std::vector<Prec> op_prec(g.ops.size(), Prec::kInt8);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (keep[i]) {
      op_prec[i] = Prec::kFloat;
    } else if (g.ops[i].type == OpType::kSoftmax && (all_int16 || int16_op[i])) {
      op_prec[i] = Prec::kFloat;  // octet has no int16 SOFTMAX (TFLite's LUT method): float32 instead
    } else if (all_int16 || int16_op[i]) {
      op_prec[i] = Prec::kInt16;
    }
  }
  QuantizeResult res;
  QuantizeReport& rep = res.report;
  Graph& q = res.graph;
  q = g;
  std::vector<std::optional<ActParams>> act(g.tensors.size());

  auto calibrated = [&](int32_t t, LayerReport& row) -> Result<ActParams> {
    const TensorRange& r = calib.ranges[static_cast<size_t>(t)];
    const std::string& name = g.tensors[static_cast<size_t>(t)].name;
    if (!r.observed || r.range.empty()) return Status::Error("activation " + quoted(name) + " has no calibration range");
    auto p = activation_params(r.range.min, r.range.max, opt.activation_bits);
    if (!p.ok()) return p.status().with_context("activation " + quoted(name));
    if (p->widened) {
      const std::string msg = "activation " + quoted(name) + " is constant over the calibration set (range [" +
                              fmt("%g", r.range.min) + ", " + fmt("%g", r.range.max) +
                              "]); widened by 1e-6 to scale " + fmt("%.3g", p->scale);
      row.notes.push_back(msg);
      rep.warnings.push_back(msg);
    }
    if (p->wide_range) row.notes.push_back("range wider than 10 (the converter warns too)");
    return ActParams{p->scale, p->zero_point, r.range.min, r.range.max, int16_scale(r.range.min, r.range.max)};
  };
  auto fill_row = [](LayerReport& row, const ActParams& p, const char* from, bool int16 = false) {
    row.has_output_params = true;
    row.min = p.min;
    row.max = p.max;
    row.scale = int16 ? p.scale16 : p.scale;
    row.zero_point = int16 ? 0 : p.zero_point;
    row.params_from = from;
  };

  for (int32_t t : g.inputs) {
    LayerReport row;
    row.op = "INPUT";
    row.output = g.tensors[static_cast<size_t>(t)].name;
    OCTET_ASSIGN_OR_RETURN(ActParams p, calibrated(t, row));
    act[static_cast<size_t>(t)] = p;
    fill_row(row, p, "calibrated", all_int16);
    if (all_int16) row.notes.push_back("int16");
    rep.layers.push_back(std::move(row));
  }

  std::vector<bool> constant_done(g.tensors.size(), false);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Op& op = q.ops[i];
    op.version = 1;  // the writer derives the int8 versions (§7.7)
    LayerReport row;
    row.op_index = static_cast<int>(i);
    row.op = op_name(op.type);
    if (op.outputs.size() != 1) return Status::Error("operator " + std::to_string(i) + " must have one output");
    const int32_t out = op.outputs[0];
    row.output = g.tensors[static_cast<size_t>(out)].name;
    const bool kept = op_prec[i] == Prec::kFloat;
    const bool int16 = op_prec[i] == Prec::kInt16;
    row.kept_float = kept;
    if (keep[i]) row.notes.push_back("kept float32");
    if (kept && !keep[i]) row.notes.push_back("float32 (no int16 SOFTMAX in octet)");
    if (int16) row.notes.push_back("int16 activations");
    const int32_t in0 = op.inputs.empty() ? -1 : op.inputs[0];
    if (in0 < 0 || g.tensors[static_cast<size_t>(in0)].is_constant || !act[static_cast<size_t>(in0)]) {
      return Status::Error("operator " + std::to_string(i) + " (" + row.op +
                           ") does not read an activation computed earlier; cannot quantize it");
    }
    const ActParams in_params = *act[static_cast<size_t>(in0)];

    // Output parameters (§1.3).
    ActParams out_params;
    const TensorRange& r = calib.ranges[static_cast<size_t>(out)];
    switch (op.type) {
      case OpType::kMaxPool2D:
      case OpType::kAveragePool2D:
      case OpType::kReshape:
        out_params = in_params;  // no requantization: same S and Z as the input
        if (r.observed && !r.range.empty()) {
          out_params.min = r.range.min;
          out_params.max = r.range.max;
        }
        fill_row(row, out_params, "input", int16);
        break;
      case OpType::kSoftmax:
        out_params = {1.0f / 256.0f, -128, r.range.min, r.range.max, 1.0f / 32768.0f};
        fill_row(row, out_params, "fixed");
        break;
      default: {
        OCTET_ASSIGN_OR_RETURN(out_params, calibrated(out, row));
        fill_row(row, out_params, "calibrated", int16);
      }
    }
    act[static_cast<size_t>(out)] = out_params;

    // Constant inputs.
    for (size_t k = 1; k < op.inputs.size(); ++k) {
      const int32_t t = op.inputs[k];
      if (t < 0) continue;
      const Tensor& src = g.tensors[static_cast<size_t>(t)];
      const bool weight = has_weights(op.type) && k == 1, bias = has_weights(op.type) && k == 2;
      if (!src.is_constant) {
        if (weight || bias) {
          return Status::Error("operator " + std::to_string(i) + " (" + row.op + "): " + (weight ? "weights " : "bias ") +
                               quoted(src.name) + " are not constant; octet quantizes constant weights only");
        }
        if (!act[static_cast<size_t>(t)]) {
          return Status::Error("operator " + std::to_string(i) + " reads " + quoted(src.name) + " before it is computed");
        }
        continue;
      }
      if (kept) {
        if (weight) {
          row.weights = src.name;
          row.weights_quant = "float32 (kept float)";
          ++rep.weights_kept_float;
        }
        continue;
      }
      if (src.type != DataType::kFloat32) continue;  // int32 shape / axis operands stay as they are
      if (!weight && !bias) {
        return Status::Error("operator " + std::to_string(i) + " (" + row.op + ") has the float constant input " +
                             quoted(src.name) + "; octet cannot quantize constant operands of " + row.op);
      }
      if (constant_done[static_cast<size_t>(t)]) {
        return Status::Error("constant " + quoted(src.name) + " is shared by several operators; cannot quantize it");
      }
      constant_done[static_cast<size_t>(t)] = true;
      Tensor& dst = q.tensors[static_cast<size_t>(t)];
      if (weight) {
        const bool per_channel = opt.per_channel || per_channel_op[i];
        WeightQuant wq = quantize_weight_tensor(dst, op.type, per_channel, opt.keep_ranges, opt.weight_bits);
        describe_weights(row, src, wq, per_channel, rep.warnings);
        if (opt.weight_bits < 8) row.weights_quant += ", " + std::to_string(opt.weight_bits) + "-bit range";
        ++rep.weights_quantized;
      }
    }
    // Bias after the weights: its scales are S_in * S_w[c] (§2.6).
    if (has_weights(op.type) && kept) {
      row.bias_quant = op.inputs.size() > 2 && op.inputs[2] >= 0 ? "float32" : "none";
    } else if (has_weights(op.type)) {
      const int32_t wt = op.inputs.size() > 1 ? op.inputs[1] : -1;
      const int32_t bt = op.inputs.size() > 2 ? op.inputs[2] : -1;
      row.bias_quant = "none";
      if (bt >= 0 && wt >= 0) {
        const Tensor& src = g.tensors[static_cast<size_t>(bt)];
        std::vector<float> b = floats_of(src);
        if (opt.bias_correction) {
          OCTET_RETURN_IF_ERROR(correct_bias(b, op, g.tensors[static_cast<size_t>(wt)], q.tensors[static_cast<size_t>(wt)],
                                             calib.ranges[static_cast<size_t>(op.inputs[0])], row));
        }
        const std::vector<float>& ws = q.tensors[static_cast<size_t>(wt)].quant.scale;
        if (ws.size() != 1 && ws.size() != b.size()) {
          return Status::Error("bias " + quoted(src.name) + " has " + std::to_string(b.size()) + " values for " +
                               std::to_string(ws.size()) + " weight channels");
        }
        Tensor& dst = q.tensors[static_cast<size_t>(bt)];
        BiasQuant bq;
        if (int16) {
          // 16x8: int64 biases with scales S_in * S_w[c] (S_in the int16 input scale).
          bq.scales.resize(ws.size());
          for (size_t c = 0; c < ws.size(); ++c) {
            bq.scales[c] = static_cast<float>(static_cast<double>(in_params.scale16) * static_cast<double>(ws[c]));
          }
          std::vector<int64_t> values(b.size());
          for (size_t c = 0; c < b.size(); ++c) {
            values[c] = std::llround(static_cast<double>(b[c]) / bq.scales[bq.scales.size() == 1 ? 0 : c]);
          }
          dst.type = DataType::kInt64;
          dst.data = bytes_of(values);
          row.bias_quant = "int64";
        } else {
          bq = quantize_bias(b.data(), static_cast<int64_t>(b.size()), in_params.scale, ws);
          dst.type = DataType::kInt32;
          dst.data = bytes_of(bq.values);
          row.bias_quant = "int32";
        }
        dst.quant = {};
        dst.quant.scale = bq.scales;
        dst.quant.zero_point.assign(bq.scales.size(), 0);
        dst.quant.axis = 0;
        if (bq.saturated > 0) {
          const std::string msg = std::to_string(bq.saturated) + " value(s) of bias " + quoted(src.name) +
                                  " saturated at +-INT32_MAX";
          row.notes.push_back(msg);
          rep.warnings.push_back(msg);
        }
      }
    }
    rep.layers.push_back(std::move(row));
  }

  std::vector<Prec> tprec(q.tensors.size(), Prec::kInt8);
  if (std::find_if(op_prec.begin(), op_prec.end(), [](Prec p) { return p != Prec::kInt8; }) != op_prec.end()) {
    insert_precision_borders(q, act, op_prec, io, tprec);
  }

  // Every activation becomes int8 or int16 with its parameters (but those mixed precision keeps float).
  for (size_t t = 0; t < q.tensors.size(); ++t) {
    if (!act[t] || tprec[t] == Prec::kFloat) continue;
    Tensor& dst = q.tensors[t];
    const bool int16 = tprec[t] == Prec::kInt16;
    dst.type = int16 ? DataType::kInt16 : DataType::kInt8;
    dst.quant = {};
    dst.quant.scale = {int16 ? act[t]->scale16 : act[t]->scale};
    dst.quant.zero_point = {int16 ? 0 : act[t]->zero_point};
    if (opt.keep_ranges) {
      dst.quant.min = {act[t]->min};
      dst.quant.max = {act[t]->max};
    }
  }

  // Model I/O (§2.8): int8 as is; uint8 or float through a QUANTIZE / DEQUANTIZE at the boundary.
  if (io != IoType::kInt8) {
    std::vector<Op> prologue, epilogue;
    auto boundary_tensor = [&](int32_t t) {
      Tensor& inner = q.tensors[static_cast<size_t>(t)];
      Tensor outer;
      outer.name = inner.name;  // the model's I/O keeps its name
      outer.shape = inner.shape;
      if (io == IoType::kUInt8) {
        outer.type = DataType::kUInt8;
        outer.quant = inner.quant;
        outer.quant.zero_point = {inner.quant.zero_point[0] + 128};
      }
      inner.name += inner.type == DataType::kInt16 ? "_int16" : "_int8";
      return q.add_tensor(std::move(outer));
    };
    // Mixed precision already made float32 I/O float: nothing to add there.
    for (int32_t& t : q.inputs) {
      if (q.tensors[static_cast<size_t>(t)].type == DataType::kFloat32) continue;
      const int32_t outer = boundary_tensor(t);
      prologue.push_back(Op{OpType::kQuantize, 1, {outer}, {t}, {}});
      t = outer;
    }
    for (int32_t& t : q.outputs) {
      if (q.tensors[static_cast<size_t>(t)].type == DataType::kFloat32) continue;
      const int32_t outer = boundary_tensor(t);
      epilogue.push_back(Op{io == IoType::kFloat ? OpType::kDequantize : OpType::kQuantize, 1, {t}, {outer}, {}});
      t = outer;
    }
    q.ops.insert(q.ops.begin(), prologue.begin(), prologue.end());
    q.ops.insert(q.ops.end(), epilogue.begin(), epilogue.end());
  }
  return res;
}

Result<QuantizeResult> quantize_dynamic(const Graph& g, const QuantizeOptions& opt) {
  QuantizeResult res;
  res.graph = g;
  Graph& q = res.graph;
  QuantizeReport& rep = res.report;
  std::vector<bool> done(g.tensors.size(), false);
  for (size_t i = 0; i < q.ops.size(); ++i) {
    Op& op = q.ops[i];
    op.version = 1;
    LayerReport row;
    row.op_index = static_cast<int>(i);
    row.op = op_name(op.type);
    row.output = op.outputs.empty() ? "" : g.tensors[static_cast<size_t>(op.outputs[0])].name;
    if (has_weights(op.type) && op.inputs.size() > 1 && op.inputs[1] >= 0) {
      const int32_t wt = op.inputs[1];
      const Tensor& src = g.tensors[static_cast<size_t>(wt)];
      row.bias_quant = op.inputs.size() > 2 && op.inputs[2] >= 0 ? "float32" : "none";
      row.weights = src.name;
      if (!src.is_constant || src.type != DataType::kFloat32) {
        row.weights_quant = "float32 (not a constant)";
      } else if (src.num_elements() < opt.dynamic_min_elements) {
        row.weights_quant = "float32 (" + std::to_string(src.num_elements()) + " < " +
                            std::to_string(opt.dynamic_min_elements) + " elements)";
        ++rep.weights_kept_float;
      } else if (done[static_cast<size_t>(wt)]) {
        return Status::Error("constant " + quoted(src.name) + " is shared by several operators; cannot quantize it");
      } else {
        done[static_cast<size_t>(wt)] = true;
        WeightQuant wq = quantize_weight_tensor(q.tensors[static_cast<size_t>(wt)], op.type, opt.per_channel,
                                                opt.keep_ranges);
        describe_weights(row, src, wq, opt.per_channel, rep.warnings);
        ++rep.weights_quantized;
        if (op.type == OpType::kFullyConnected) {
          op.options.asymmetric_quantize_inputs = true;
          row.notes.push_back("asymmetric_quantize_inputs");
        }
      }
    }
    rep.layers.push_back(std::move(row));
  }
  return res;
}

Result<QuantizeResult> quantize_float16(const Graph& g) {
  QuantizeResult res;
  res.graph = g;
  Graph& q = res.graph;
  QuantizeReport& rep = res.report;
  std::vector<bool> used(g.tensors.size(), false);
  for (const Op& op : g.ops)
    for (int32_t t : op.inputs)
      if (t >= 0) used[static_cast<size_t>(t)] = true;
  std::vector<Op> dequantize_ops;
  std::vector<std::string> converted(g.tensors.size());  // tensor index -> note for the report
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const Tensor& src = g.tensors[t];
    if (!src.is_constant || src.type != DataType::kFloat32 || !used[t]) continue;
    const std::vector<float> v = floats_of(src);
    std::vector<uint16_t> h(v.size());
    int64_t overflow = 0, flushed = 0;
    for (size_t k = 0; k < v.size(); ++k) {
      h[k] = float_to_half(v[k]);
      if ((h[k] & 0x7fffu) == 0x7c00u) ++overflow;
      if ((h[k] & 0x7fffu) == 0 && v[k] != 0.0f) ++flushed;
    }
    if (overflow > 0) {
      rep.warnings.push_back(std::to_string(overflow) + " value(s) of " + quoted(src.name) +
                             " exceed the float16 range (65504) and become infinite");
    }
    if (flushed > 0) {
      rep.warnings.push_back(std::to_string(flushed) + " non-zero value(s) of " + quoted(src.name) +
                             " are below the smallest float16 subnormal and become 0");
    }
    Tensor half;
    half.name = src.name;
    half.type = DataType::kFloat16;
    half.shape = src.shape;
    half.is_constant = true;
    half.data = bytes_of(h);
    const int32_t hi = q.add_tensor(std::move(half));
    // The original index becomes the DEQUANTIZE output, so every consumer reads it unchanged.
    Tensor& deq = q.tensors[t];
    deq.is_constant = false;
    deq.data.clear();
    deq.name = src.name + "/dequantize";
    dequantize_ops.push_back(Op{OpType::kDequantize, 1, {hi}, {static_cast<int32_t>(t)}, {}});
    converted[t] = "float16";
    ++rep.weights_quantized;
  }
  for (Op& op : q.ops) op.version = 1;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    LayerReport row;
    row.op_index = static_cast<int>(i + dequantize_ops.size());
    row.op = op_name(op.type);
    row.output = op.outputs.empty() ? "" : g.tensors[static_cast<size_t>(op.outputs[0])].name;
    if (has_weights(op.type) && op.inputs.size() > 1 && op.inputs[1] >= 0) {
      row.weights = g.tensors[static_cast<size_t>(op.inputs[1])].name;
      row.weights_quant = converted[static_cast<size_t>(op.inputs[1])].empty() ? "float32" : "float16";
      const int32_t bt = op.inputs.size() > 2 ? op.inputs[2] : -1;
      row.bias_quant = bt < 0 ? "none" : converted[static_cast<size_t>(bt)].empty() ? "float32" : "float16";
    }
    rep.layers.push_back(std::move(row));
  }
  q.ops.insert(q.ops.begin(), dequantize_ops.begin(), dequantize_ops.end());
  return res;
}

}  // namespace

Result<std::vector<bool>> resolve_ops(const Graph& g, const std::vector<std::string>& names) {
  std::vector<bool> flags(g.ops.size(), false);
  for (const std::string& name : names) {
    int found = -1;
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
      if (name.size() <= 9 && std::stoll(name) < static_cast<long long>(g.ops.size())) found = std::stoi(name);
      if (found < 0) {
        return Status::Error("operator index " + name + " is out of range (the model has " + std::to_string(g.ops.size()) +
                             " operators)");
      }
    } else {
      for (size_t i = 0; i < g.ops.size() && found < 0; ++i)
        for (int32_t t : g.ops[i].outputs)
          if (t >= 0 && g.tensors[static_cast<size_t>(t)].name == name) found = static_cast<int>(i);
      if (found < 0) {
        std::string known;
        for (const Op& op : g.ops)
          if (!op.outputs.empty() && op.outputs[0] >= 0)
            known += (known.empty() ? "" : ", ") + quoted(g.tensors[static_cast<size_t>(op.outputs[0])].name);
        return Status::Error("no operator outputs " + quoted(name) + " (operator outputs: " + known + ")");
      }
    }
    flags[static_cast<size_t>(found)] = true;
  }
  return flags;
}

Status check_float_graph(const Graph& g) {
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (g.ops[i].type == OpType::kQuantize || g.ops[i].type == OpType::kDequantize) {
      return Status::Error(std::string("the model is already quantized (operator ") + std::to_string(i) + " is " +
                           op_name(g.ops[i].type) + "); quantize the float32 model instead");
    }
  }
  for (const Tensor& t : g.tensors) {
    if (t.type == DataType::kInt8 || t.type == DataType::kUInt8 || t.type == DataType::kInt16 ||
        t.type == DataType::kFloat16 || t.quant.quantized()) {
      return Status::Error("the model is already quantized (tensor " + quoted(t.name) + " is " +
                           runtime::data_type_name(t.type) + (t.quant.quantized() ? " with quantization parameters" : "") +
                           "); quantize the float32 model instead");
    }
    if (t.is_constant && t.type == DataType::kFloat32) {
      const std::vector<float> v = floats_of(t);
      for (size_t k = 0; k < v.size(); ++k) {
        if (!std::isfinite(v[k])) {
          return Status::Error("constant " + quoted(t.name) + " holds " + (std::isnan(v[k]) ? "NaN" : "Inf") +
                               " at element " + std::to_string(k));
        }
      }
    }
  }
  return Status::Ok();
}

Result<QuantizeResult> quantize_graph(const Graph& graph, const CalibrationResult* calibration,
                                      const QuantizeOptions& options) {
  OCTET_RETURN_IF_ERROR(check_float_graph(graph));
  for (int bits : {options.weight_bits, options.activation_bits}) {
    if (bits < 2 || bits > 8) return Status::Error("weight and activation bits must be in 2..8, got " + std::to_string(bits));
  }
  if (options.mode != Mode::kInt8 && (options.weight_bits != 8 || options.activation_bits != 8)) {
    return Status::Error("weight and activation bits below 8 apply to int8 mode only");
  }
  if (options.mode != Mode::kInt8 && options.bias_correction) {
    return Status::Error("bias correction applies to int8 mode only");
  }
  if (!is_calibrated(options.mode) && (!options.keep_float.empty() || !options.per_channel_ops.empty())) {
    return Status::Error("keeping operators in float32 or per-channel per operator applies to int8 and int16x8 modes only");
  }
  if (options.mode != Mode::kInt8 && !options.int16_ops.empty()) {
    return Status::Error("16-bit activations per operator apply to int8 mode only (int16x8 makes every operator 16-bit)");
  }
  Result<QuantizeResult> r = Status::Error("unreachable");
  switch (options.mode) {
    case Mode::kInt8:
    case Mode::kInt16x8:
      if (calibration == nullptr) return Status::Error(std::string(mode_name(options.mode)) + " quantization needs calibration data");
      r = quantize_int8(graph, *calibration, options);
      break;
    case Mode::kDynamic:
      r = quantize_dynamic(graph, options);
      break;
    case Mode::kFloat16:
      r = quantize_float16(graph);
      break;
  }
  if (!r.ok()) return r;
  QuantizeReport& rep = r->report;
  rep.mode = options.mode;
  rep.io = options.mode == Mode::kInt16x8 ? IoType::kFloat : options.io;
  rep.per_channel = options.per_channel;
  rep.float_constant_bytes = constant_bytes(graph);
  rep.quantized_constant_bytes = constant_bytes(r->graph);
  if (calibration != nullptr && is_calibrated(options.mode)) {
    rep.warnings.insert(rep.warnings.begin(), calibration->warnings.begin(), calibration->warnings.end());
  }
  Graph& q = r->graph;
  q.description = graph.description + (graph.description.empty() ? "" : ", ") + "quantized " + mode_name(options.mode) +
                  " by octet";
  return r;
}

nlohmann::json quantization_record(const QuantizeOptions& options, const CalibrationResult* calibration,
                                   const nlohmann::json& extra) {
  nlohmann::json j = {{"mode", mode_name(options.mode)},
                      {"per_channel", options.per_channel}};
  if (options.mode == Mode::kInt8) j["io"] = io_name(options.io);
  if (options.mode == Mode::kDynamic) j["min_elements"] = options.dynamic_min_elements;
  if (options.keep_ranges) j["keep_ranges"] = true;
  if (options.mode == Mode::kInt8 && options.bias_correction) j["bias_correction"] = true;
  if (is_calibrated(options.mode) && options.equalize) j["equalize"] = true;
  if (options.mode == Mode::kInt8 && options.weight_bits != 8) j["weight_bits"] = options.weight_bits;
  if (options.mode == Mode::kInt8 && options.activation_bits != 8) j["activation_bits"] = options.activation_bits;
  if (is_calibrated(options.mode) && !options.keep_float.empty()) j["keep_float"] = options.keep_float;
  if (is_calibrated(options.mode) && !options.per_channel_ops.empty()) j["per_channel_ops"] = options.per_channel_ops;
  if (options.mode == Mode::kInt8 && !options.int16_ops.empty()) j["int16_ops"] = options.int16_ops;
  if (calibration != nullptr && is_calibrated(options.mode)) {
    char hash[24];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(calibration->indices_hash));
    j["calibration"] = {{"method", calibration->method},
                        {"samples", calibration->samples()},
                        {"seed", calibration->seed},
                        {"indices_fnv1a64", hash}};
    if (calibration->method == "percentile") j["calibration"]["percentile"] = calibration->observer.percentile;
    if (calibration->samples_requested != calibration->samples()) {
      j["calibration"]["samples_requested"] = calibration->samples_requested;
    }
  }
  for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
  return j;
}

void set_quantization_metadata(Graph& graph, const nlohmann::json& record) {
  const std::string text = record.dump();
  std::vector<uint8_t> bytes(text.begin(), text.end());
  for (runtime::Metadata& m : graph.metadata) {
    if (m.name == kQuantizationMetadataName) {
      m.data = std::move(bytes);
      return;
    }
  }
  graph.metadata.push_back({kQuantizationMetadataName, std::move(bytes)});
}

Result<PtqResult> post_training_quantize(const Graph& float_graph, const data::Dataset* calibration_set,
                                         const QuantizeOptions& options,
                                         const CalibrationOptions& calibration_options, const nlohmann::json& extra) {
  PtqResult out;
  std::optional<Graph> equalized;
  if (is_calibrated(options.mode) && options.equalize) {
    OCTET_RETURN_IF_ERROR(check_float_graph(float_graph));
    equalized = float_graph;
    OCTET_ASSIGN_OR_RETURN(out.equalization, equalize_graph(*equalized));
  }
  const Graph& source = equalized ? *equalized : float_graph;
  if (is_calibrated(options.mode)) {
    if (calibration_set == nullptr) {
      return Status::Error(std::string(mode_name(options.mode)) + " quantization needs calibration images");
    }
    OCTET_ASSIGN_OR_RETURN(out.calibration, calibrate(source, *calibration_set, calibration_options));
  }
  const CalibrationResult* calib = out.calibration ? &*out.calibration : nullptr;
  OCTET_ASSIGN_OR_RETURN(out.quantized, quantize_graph(source, calib, options));
  out.record = quantization_record(options, calib, extra);
  set_quantization_metadata(out.quantized.graph, out.record);
  return out;
}

}  // namespace octet::quant
