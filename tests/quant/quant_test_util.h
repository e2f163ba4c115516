// Hand-built float graphs shaped like nn::export_graph's output, and small synthetic datasets,
// for the quantization tests.
#pragma once

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/rng.h"
#include "data/dataset.h"
#include "runtime/graph.h"

namespace octet::quant::testing {

using runtime::Activation;
using runtime::DataType;
using runtime::Graph;
using runtime::Op;
using runtime::OpType;
using runtime::Tensor;

inline int32_t add_activation(Graph& g, const std::string& name, std::vector<int32_t> shape) {
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  return g.add_tensor(std::move(t));
}

inline int32_t add_f32(Graph& g, const std::string& name, std::vector<int32_t> shape, const std::vector<float>& v) {
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.is_constant = true;
  t.data.resize(v.size() * 4);
  std::memcpy(t.data.data(), v.data(), t.data.size());
  return g.add_tensor(std::move(t));
}

inline int32_t add_i32(Graph& g, const std::string& name, const std::vector<int32_t>& v) {
  Tensor t;
  t.name = name;
  t.type = DataType::kInt32;
  t.shape = {static_cast<int32_t>(v.size())};
  t.is_constant = true;
  t.data.resize(v.size() * 4);
  std::memcpy(t.data.data(), v.data(), t.data.size());
  return g.add_tensor(std::move(t));
}

// He-style random weights.
inline std::vector<float> random_weights(Rng& rng, size_t n, int fan_in, float bias = 0.0f) {
  std::vector<float> v(n);
  const float s = std::sqrt(2.0f / static_cast<float>(fan_in));
  for (float& x : v) x = rng.normal() * s + bias;
  return v;
}

struct SmallCnn {
  int h = 8, w = 8, c = 1;
  int filters = 4;
  int classes = 3;
};

// input [1,H,W,C] -> CONV_2D 3x3 SAME + RELU -> MAX_POOL 2x2 -> RESHAPE [-1, N] ->
// FULLY_CONNECTED -> SOFTMAX. `conv_w`/`conv_b` override the random conv parameters.
inline Graph make_small_cnn(uint64_t seed, const SmallCnn& s = {}, std::vector<float> conv_w = {},
                            std::vector<float> conv_b = {}) {
  Rng rng(seed);
  Graph g;
  g.name = "main";
  g.description = "test float model";
  const int32_t in = add_activation(g, "input", {1, s.h, s.w, s.c});
  g.inputs = {in};
  if (conv_w.empty()) conv_w = random_weights(rng, static_cast<size_t>(s.filters) * 9 * s.c, 9 * s.c);
  if (conv_b.empty()) conv_b = random_weights(rng, static_cast<size_t>(s.filters), 50);
  const int32_t cw = add_f32(g, "conv/kernel", {s.filters, 3, 3, s.c}, conv_w);
  const int32_t cb = add_f32(g, "conv/bias", {s.filters}, conv_b);
  const int32_t conv = add_activation(g, "conv", {1, s.h, s.w, s.filters});
  Op op{OpType::kConv2D, 1, {in, cw, cb}, {conv}, {}};
  op.options.padding = runtime::Padding::kSame;
  op.options.activation = Activation::kRelu;
  g.ops.push_back(op);
  const int32_t pool = add_activation(g, "pool", {1, s.h / 2, s.w / 2, s.filters});
  Op mp{OpType::kMaxPool2D, 1, {conv}, {pool}, {}};
  mp.options.filter_h = mp.options.filter_w = 2;
  mp.options.stride_h = mp.options.stride_w = 2;
  g.ops.push_back(mp);
  const int32_t flat_n = s.h / 2 * s.w / 2 * s.filters;
  const int32_t shape = add_i32(g, "flatten/shape", {-1, flat_n});
  const int32_t flat = add_activation(g, "flatten", {1, flat_n});
  g.ops.push_back(Op{OpType::kReshape, 1, {pool, shape}, {flat}, {}});
  const int32_t fw = add_f32(g, "dense/kernel", {s.classes, flat_n}, random_weights(rng, static_cast<size_t>(s.classes) * flat_n, flat_n));
  const int32_t fb = add_f32(g, "dense/bias", {s.classes}, random_weights(rng, static_cast<size_t>(s.classes), 50));
  const int32_t logits = add_activation(g, "dense", {1, s.classes});
  g.ops.push_back(Op{OpType::kFullyConnected, 1, {flat, fw, fb}, {logits}, {}});
  const int32_t probs = add_activation(g, "probabilities", {1, s.classes});
  Op sm{OpType::kSoftmax, 1, {logits}, {probs}, {}};
  sm.options.beta = 1.0f;
  g.ops.push_back(sm);
  g.outputs = {probs};
  g.metadata.push_back({"octet.training", {'{', '}'}});
  return g;
}

// Images with smooth random structure (a blob per image plus noise), pixel 0 and 255 present.
inline data::Dataset make_dataset(int h, int w, int c, int n, uint64_t seed, int classes = 3) {
  data::Dataset d;
  d.height = h;
  d.width = w;
  d.channels = c;
  for (int k = 0; k < classes; ++k) {
    std::string name = std::to_string(k);
    name.insert(name.begin(), 'c');
    d.class_names.push_back(name);
  }
  Rng rng(seed);
  d.pixels.resize(static_cast<size_t>(n) * h * w * c);
  d.labels.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const float cy = rng.uniform(0, static_cast<float>(h)), cx = rng.uniform(0, static_cast<float>(w));
    const float r = rng.uniform(1.0f, static_cast<float>(h) / 2);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int ch = 0; ch < c; ++ch) {
          const float dist = std::hypot(static_cast<float>(y) - cy, static_cast<float>(x) - cx);
          float v = 255.0f * std::exp(-dist * dist / (r * r)) + rng.uniform(-20.0f, 20.0f);
          v = std::fmin(255.0f, std::fmax(0.0f, v));
          d.pixels[((static_cast<size_t>(i) * h + y) * w + x) * c + ch] = static_cast<uint8_t>(v);
        }
    d.labels[static_cast<size_t>(i)] = static_cast<uint8_t>(rng.below(static_cast<uint32_t>(classes)));
  }
  d.pixels[0] = 0;
  d.pixels[1] = 255;
  return d;
}

}  // namespace octet::quant::testing
