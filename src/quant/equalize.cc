#include "quant/equalize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

namespace octet::quant {

using runtime::Activation;
using runtime::DataType;
using runtime::Graph;
using runtime::Op;
using runtime::OpType;
using runtime::Tensor;

namespace {

bool is_weight_op(OpType t) {
  return t == OpType::kConv2D || t == OpType::kDepthwiseConv2D || t == OpType::kFullyConnected;
}

std::string op_label(const Graph& g, int index) {
  return std::string(runtime::op_type_name(g.ops[static_cast<size_t>(index)].type)) + " #" + std::to_string(index);
}

std::vector<float> floats_of(const Tensor& t) {
  std::vector<float> v(static_cast<size_t>(t.num_elements()));
  std::memcpy(v.data(), t.data.data(), v.size() * sizeof(float));
  return v;
}

void store_floats(Tensor& t, const std::vector<float>& v) { std::memcpy(t.data.data(), v.data(), v.size() * sizeof(float)); }

// The channel (0..channels) each weight element of the first op writes to.
std::function<int(int64_t)> first_channel_map(const Graph& g, const EqualizePair& p) {
  const Op& op = g.ops[static_cast<size_t>(p.first_op)];
  const Tensor& w = g.tensors[static_cast<size_t>(op.inputs[1])];
  const int c = p.channels;
  // DEPTHWISE_CONV_2D [1, KH, KW, C]: the channel is the last axis; CONV_2D [O, KH, KW, I] and
  // FULLY_CONNECTED [O, K]: the first.
  if (op.type == OpType::kDepthwiseConv2D) return [c](int64_t e) { return static_cast<int>(e % c); };
  const int64_t inner = w.num_elements() / c;
  return [inner](int64_t e) { return static_cast<int>(e / inner); };
}

// The channel each weight element of the second op reads from (its input index modulo channels).
std::function<int(int64_t)> second_channel_map(const Graph& g, const EqualizePair& p) {
  const Op& op = g.ops[static_cast<size_t>(p.second_op)];
  const Tensor& w = g.tensors[static_cast<size_t>(op.inputs[1])];
  const int64_t c = p.channels;
  const int64_t last = w.shape.back();
  if (op.type == OpType::kDepthwiseConv2D) {
    // Output channel j of a depthwise conv reads input channel j / depth_multiplier.
    const int64_t in_channels = g.tensors[static_cast<size_t>(op.inputs[0])].shape.back();
    const int64_t multiplier = last / in_channels;
    return [=](int64_t e) { return static_cast<int>((e % last) / multiplier % c); };
  }
  return [=](int64_t e) { return static_cast<int>(e % last % c); };
}

std::vector<double> channel_ranges(const Tensor& w, int channels, const std::function<int(int64_t)>& channel_of) {
  std::vector<double> r(static_cast<size_t>(channels), 0.0);
  const std::vector<float> v = floats_of(w);
  for (size_t e = 0; e < v.size(); ++e) {
    double& m = r[static_cast<size_t>(channel_of(static_cast<int64_t>(e)))];
    m = std::max(m, static_cast<double>(std::fabs(v[e])));
  }
  return r;
}

// Whether the second op's weights read whole channels: its input index modulo `channels` is the
// channel, so the number of input indices must be a multiple of it.
bool second_fits(const Graph& g, const Op& op, int channels) {
  const Tensor& w = g.tensors[static_cast<size_t>(op.inputs[1])];
  const Tensor& in = g.tensors[static_cast<size_t>(op.inputs[0])];
  if (w.shape.empty() || in.shape.empty() || in.shape.back() % channels != 0) return false;
  if (op.type == OpType::kDepthwiseConv2D) return w.shape.back() % in.shape.back() == 0;
  return w.shape.back() % channels == 0;
}

}  // namespace

EqualizeReport find_equalize_pairs(const Graph& g) {
  EqualizeReport report;
  std::vector<std::vector<int>> consumers(g.tensors.size());
  for (size_t i = 0; i < g.ops.size(); ++i)
    for (int32_t t : g.ops[i].inputs)
      if (t >= 0) consumers[static_cast<size_t>(t)].push_back(static_cast<int>(i));
  auto is_output = [&](int32_t t) { return std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end(); };
  auto shared_params = [&](const Op& op) {
    for (size_t k = 1; k < op.inputs.size() && k <= 2; ++k)
      if (op.inputs[k] >= 0 && consumers[static_cast<size_t>(op.inputs[k])].size() > 1) return true;
    return false;
  };

  for (size_t a = 0; a < g.ops.size(); ++a) {
    const Op& first = g.ops[a];
    if (!is_weight_op(first.type)) continue;
    const std::string name = op_label(g, static_cast<int>(a));
    auto skip = [&](const std::string& why) { report.skipped.push_back(name + ": " + why); };
    if (first.options.activation == Activation::kRelu6) {
      skip("fused RELU6 clips at 6, a point a channel scale would move");
      continue;
    }
    if (shared_params(first)) {
      skip("its weights or bias are shared with another op");
      continue;
    }
    const int32_t out = first.outputs[0];
    const int channels = g.tensors[static_cast<size_t>(out)].shape.back();
    std::string path = name;
    int32_t t = out;
    for (;;) {
      const std::string tname = "'" + g.tensors[static_cast<size_t>(t)].name + "'";
      if (is_output(t)) {
        skip(tname + " is a graph output");
        break;
      }
      if (consumers[static_cast<size_t>(t)].size() != 1) {
        skip(tname + " has " + std::to_string(consumers[static_cast<size_t>(t)].size()) + " consumers");
        break;
      }
      const int next_index = consumers[static_cast<size_t>(t)][0];
      const Op& next = g.ops[static_cast<size_t>(next_index)];
      const std::string next_name = runtime::op_type_name(next.type);
      if (next.inputs[0] != t) {
        skip(tname + " is not the data input of " + next_name);
        break;
      }
      if (is_weight_op(next.type)) {
        if (shared_params(next)) {
          skip(op_label(g, next_index) + " shares its weights with another op");
        } else if (!second_fits(g, next, channels)) {
          skip(op_label(g, next_index) + " does not read whole multiples of " + std::to_string(channels) + " channels");
        } else {
          EqualizePair p;
          p.first_op = static_cast<int>(a);
          p.second_op = next_index;
          p.channels = channels;
          p.description = path + " -> " + op_label(g, next_index) + " (" + std::to_string(channels) + " channels)";
          report.pairs.push_back(std::move(p));
        }
        break;
      }
      // Ops that act on each last-axis index alone and commute with a positive scale.
      bool passes = next.type == OpType::kRelu || next.type == OpType::kMaxPool2D ||
                    next.type == OpType::kAveragePool2D || next.type == OpType::kReshape;
      if (next.type == OpType::kMean && next.inputs.size() > 1 && next.inputs[1] >= 0) {
        const Tensor& axes = g.tensors[static_cast<size_t>(next.inputs[1])];
        const int rank = static_cast<int>(g.tensors[static_cast<size_t>(t)].shape.size());
        passes = axes.is_constant && axes.type == DataType::kInt32;
        for (int64_t k = 0; passes && k < axes.num_elements(); ++k) {
          int32_t axis;
          std::memcpy(&axis, axes.data.data() + 4 * k, 4);
          if (axis == rank - 1 || axis == -1) passes = false;  // averaging channels together
        }
      }
      if (!passes) {
        skip("followed by " + next_name + (next.type == OpType::kRelu6 ? " (clips at 6, not scale-invariant)" : ""));
        break;
      }
      if (next.options.activation == Activation::kRelu6) {
        skip(next_name + " has a fused RELU6");
        break;
      }
      const int32_t next_out = next.outputs[0];
      if (g.tensors[static_cast<size_t>(next_out)].shape.back() % channels != 0) {
        skip("'" + g.tensors[static_cast<size_t>(next_out)].name + "' mixes channels");
        break;
      }
      path += " -> " + next_name;
      t = next_out;
    }
  }
  return report;
}

std::vector<double> first_channel_ranges(const Graph& g, const EqualizePair& p) {
  const Op& op = g.ops[static_cast<size_t>(p.first_op)];
  return channel_ranges(g.tensors[static_cast<size_t>(op.inputs[1])], p.channels, first_channel_map(g, p));
}

std::vector<double> second_channel_ranges(const Graph& g, const EqualizePair& p) {
  const Op& op = g.ops[static_cast<size_t>(p.second_op)];
  return channel_ranges(g.tensors[static_cast<size_t>(op.inputs[1])], p.channels, second_channel_map(g, p));
}

Result<EqualizeReport> equalize_graph(Graph& g, const EqualizeOptions& options) {
  EqualizeReport report = find_equalize_pairs(g);
  report.converged = report.pairs.empty();
  for (const EqualizePair& p : report.pairs) {
    for (int index : {p.first_op, p.second_op}) {
      const Op& op = g.ops[static_cast<size_t>(index)];
      for (size_t k = 1; k < op.inputs.size() && k <= 2; ++k) {
        if (op.inputs[k] < 0) continue;
        const Tensor& t = g.tensors[static_cast<size_t>(op.inputs[k])];
        if (t.type != DataType::kFloat32 || !t.is_constant) {
          return Status::Error("cross-layer equalization needs float32 constant weights; '" + t.name + "' of " +
                               op_label(g, index) + " is " + runtime::data_type_name(t.type));
        }
      }
    }
  }
  for (int it = 0; it < options.max_iterations && !report.pairs.empty(); ++it) {
    double worst = 0;
    for (const EqualizePair& p : report.pairs) {
      const std::vector<double> r1 = first_channel_ranges(g, p), r2 = second_channel_ranges(g, p);
      std::vector<double> s(r1.size(), 1.0);
      for (size_t c = 0; c < s.size(); ++c) {
        // A channel that is all zero on either side carries nothing: leave it.
        if (r1[c] > 0 && r2[c] > 0) s[c] = std::sqrt(r1[c] * r2[c]) / r2[c];
        worst = std::max(worst, std::fabs(s[c] - 1.0));
      }
      const Op& first = g.ops[static_cast<size_t>(p.first_op)];
      Tensor& w1 = g.tensors[static_cast<size_t>(first.inputs[1])];
      std::vector<float> v = floats_of(w1);
      const auto first_map = first_channel_map(g, p);
      for (size_t e = 0; e < v.size(); ++e) v[e] = static_cast<float>(v[e] / s[static_cast<size_t>(first_map(static_cast<int64_t>(e)))]);
      store_floats(w1, v);
      if (first.inputs.size() > 2 && first.inputs[2] >= 0) {
        Tensor& b1 = g.tensors[static_cast<size_t>(first.inputs[2])];
        v = floats_of(b1);
        for (size_t c = 0; c < v.size(); ++c) v[c] = static_cast<float>(v[c] / s[c]);
        store_floats(b1, v);
      }
      Tensor& w2 = g.tensors[static_cast<size_t>(g.ops[static_cast<size_t>(p.second_op)].inputs[1])];
      v = floats_of(w2);
      const auto second_map = second_channel_map(g, p);
      for (size_t e = 0; e < v.size(); ++e) v[e] = static_cast<float>(v[e] * s[static_cast<size_t>(second_map(static_cast<int64_t>(e)))]);
      store_floats(w2, v);
    }
    report.iterations = it + 1;
    if (worst < options.tolerance) {
      report.converged = true;
      break;
    }
  }
  return report;
}

std::string format_equalize_report(const EqualizeReport& r) {
  std::string text = "  cross-layer equalization: " + std::to_string(r.pairs.size()) + " pairs, " +
                     std::to_string(r.iterations) + " sweeps" + (r.converged ? "" : " (not converged)") + "\n";
  for (const EqualizePair& p : r.pairs) text += "    equalized " + p.description + "\n";
  for (const std::string& s : r.skipped) text += "    skipped   " + s + "\n";
  return text;
}

nlohmann::json equalize_report_json(const EqualizeReport& r) {
  nlohmann::json pairs = nlohmann::json::array();
  for (const EqualizePair& p : r.pairs) {
    pairs.push_back({{"first_op", p.first_op}, {"second_op", p.second_op}, {"channels", p.channels},
                     {"path", p.description}});
  }
  return {{"pairs", pairs}, {"skipped", r.skipped}, {"iterations", r.iterations}, {"converged", r.converged}};
}

}  // namespace octet::quant
