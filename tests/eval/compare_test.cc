// Tests of the comparison math behind `octet compare`: SQNR of known signals, dequantization,
// tensor pairing by name and by position, and whole-model comparisons (float vs itself, vs noisy
// weights, vs float16 weights, and an int8 model the interpreter may not run).
#include "eval/compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>

#include "../runtime/test_util.h"
#include "core/rng.h"

namespace octet::eval {
namespace {

using runtime::DataType;
using runtime::Graph;
using runtime::OpOptions;
using runtime::OpType;
using runtime::testing::GraphBuilder;

// Mid-rise uniform quantizer with 2^bits levels over [-1, 1].
float quantize_uniform(float x, int bits) {
  const double step = 2.0 / (1 << bits);
  double q = (std::floor(x / step) + 0.5) * step;
  q = std::clamp(q, -1.0 + step / 2, 1.0 - step / 2);
  return static_cast<float>(q);
}

TEST(Sqnr, FullScaleSineThroughUniformQuantizerIs6dBPerBitPlus1_76) {
  const int n = 200000;
  std::vector<float> sine(n);
  // An irrational frequency, so the phases cover the quantizer's cells evenly.
  for (int i = 0; i < n; ++i) sine[i] = static_cast<float>(std::sin(2.0 * std::numbers::pi * std::numbers::sqrt2 / 97.0 * i));
  // (The formula assumes noise uniform over a step and independent of the signal; with few bits the
  // error of a sine is correlated with it and the value is lower: 25.3 dB at 4 bits, 49.79 at 8.)
  for (int bits : {8, 10, 12}) {
    std::vector<float> q(n);
    for (int i = 0; i < n; ++i) q[i] = quantize_uniform(sine[i], bits);
    const double expected = 6.02 * bits + 1.76;
    EXPECT_NEAR(sqnr_db(sine, q), expected, 0.15) << bits << " bits";
  }
}

TEST(Sqnr, HandComputedValues) {
  // signal 1 + 1 = 2, noise 0 + 1 = 1 -> 10 log10 2.
  EXPECT_NEAR(sqnr_db(std::vector<float>{1, 1}, std::vector<float>{1, 0}), 10 * std::log10(2.0), 1e-12);
  // signal 9 + 16 = 25, noise 0.25 -> 20 dB.
  EXPECT_NEAR(sqnr_db(std::vector<float>{3, 4}, std::vector<float>{3.5f, 4}), 20.0, 1e-12);
}

TEST(Sqnr, EdgeCases) {
  EXPECT_EQ(sqnr_db(std::vector<float>{1, -2}, std::vector<float>{1, -2}), std::numeric_limits<double>::infinity());
  EXPECT_EQ(sqnr_db(std::vector<float>{0, 0}, std::vector<float>{0, 1}), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(ErrorStats{}.sqnr_db()));
  EXPECT_EQ(sqnr_db(std::vector<float>{0, 0}, std::vector<float>{0, 0}), std::numeric_limits<double>::infinity());
}

TEST(ErrorStats, ChunksAndMergeEqualOnePass) {
  Rng rng(7);
  std::vector<float> a(1000), b(1000);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = rng.uniform(-3, 3);
    b[i] = a[i] + rng.uniform(-0.1f, 0.1f);
  }
  ErrorStats whole, first, second;
  whole.add(a.data(), b.data(), 1000);
  first.add(a.data(), b.data(), 300);
  second.add(a.data() + 300, b.data() + 300, 700);
  first.merge(second);
  EXPECT_EQ(first.count, 1000);
  EXPECT_NEAR(first.sqnr_db(), whole.sqnr_db(), 1e-9);
  EXPECT_EQ(first.max_abs, whole.max_abs);
  EXPECT_LE(whole.max_abs, 0.1 + 1e-6);
  EXPECT_GT(whole.max_abs, 0.09);
  EXPECT_NEAR(whole.rms_error(), 0.1 / std::sqrt(3.0), 0.005);  // uniform noise on [-0.1, 0.1]
}

runtime::Tensor quantized(DataType type, std::vector<float> scales, std::vector<int64_t> zps, int axis = 0) {
  runtime::Tensor t;
  t.type = type;
  t.quant.scale = std::move(scales);
  t.quant.zero_point = std::move(zps);
  t.quant.axis = axis;
  return t;
}

TEST(Dequantize, Int8PerTensorIsScaleTimesQMinusZ) {
  const std::vector<int8_t> q = {-128, -3, 0, 5, 127};
  std::vector<float> out;
  ASSERT_TRUE(dequantize_to_float(quantized(DataType::kInt8, {0.5f}, {-3}), {1, 5}, q.data(), out).ok());
  EXPECT_EQ(out, (std::vector<float>{-62.5f, 0.0f, 1.5f, 4.0f, 65.0f}));
}

TEST(Dequantize, PerChannelAlongLastAndFirstAxis) {
  const std::vector<int8_t> q = {1, 1, 1, 2, 2, 2};  // shape [2, 3]
  std::vector<float> out;
  ASSERT_TRUE(dequantize_to_float(quantized(DataType::kInt8, {1.f, 10.f, 100.f}, {0, 0, 0}, 1), {2, 3}, q.data(), out).ok());
  EXPECT_EQ(out, (std::vector<float>{1, 10, 100, 2, 20, 200}));
  ASSERT_TRUE(dequantize_to_float(quantized(DataType::kInt8, {1.f, 10.f}, {0, 1}, 0), {2, 3}, q.data(), out).ok());
  EXPECT_EQ(out, (std::vector<float>{1, 1, 1, 10, 10, 10}));
  // Wrong number of scales for the axis: an error, not a crash.
  EXPECT_FALSE(dequantize_to_float(quantized(DataType::kInt8, {1.f, 10.f}, {0, 0}, 1), {2, 3}, q.data(), out).ok());
  EXPECT_FALSE(dequantize_to_float(quantized(DataType::kInt8, {1.f, 10.f}, {0}, 0), {2, 3}, q.data(), out).ok());
}

TEST(Dequantize, UInt8Int32Float16AndFloat32) {
  std::vector<float> out;
  const std::vector<uint8_t> u = {0, 128, 255};
  ASSERT_TRUE(dequantize_to_float(quantized(DataType::kUInt8, {0.25f}, {128}), {3}, u.data(), out).ok());
  EXPECT_EQ(out, (std::vector<float>{-32.0f, 0.0f, 31.75f}));
  const std::vector<int32_t> i = {-4, 7};
  ASSERT_TRUE(dequantize_to_float(quantized(DataType::kInt32, {0.5f}, {0}), {2}, i.data(), out).ok());
  EXPECT_EQ(out, (std::vector<float>{-2.0f, 3.5f}));
  runtime::Tensor plain;
  plain.type = DataType::kInt32;
  ASSERT_TRUE(dequantize_to_float(plain, {2}, i.data(), out).ok());
  EXPECT_EQ(out, (std::vector<float>{-4.0f, 7.0f}));
  const std::vector<uint16_t> h = {0x3C00, 0xC000, 0x3555};  // 1, -2, ~1/3
  runtime::Tensor f16;
  f16.type = DataType::kFloat16;
  ASSERT_TRUE(dequantize_to_float(f16, {3}, h.data(), out).ok());
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.0f);
  EXPECT_NEAR(out[2], 1.0f / 3.0f, 1e-3);
  const std::vector<float> f = {1.5f, -0.25f};
  runtime::Tensor f32;
  ASSERT_TRUE(dequantize_to_float(f32, {2}, f.data(), out).ok());
  EXPECT_EQ(out, f);
}

// A small classifier on 8x8x1 images: CONV 4x3x3 RELU -> MAX_POOL 2 -> RESHAPE -> FC 10 -> SOFTMAX.
// `weight_noise` perturbs every weight; `f16_weights` stores them as float16 behind DEQUANTIZE ops
// (the form of TFLite's float16 models); `names` = false renames every tensor.
struct ModelVariant {
  float weight_noise = 0;
  bool f16_weights = false;
  bool names = true;
  bool int8 = false;  // int8 activations and weights (hand-made quantization)
};

uint16_t to_f16(float x) {
  _Float16 h = static_cast<_Float16>(x);
  uint16_t bits;
  std::memcpy(&bits, &h, 2);
  return bits;
}

Graph make_model(const ModelVariant& v) {
  Rng rng(1234);  // the same base weights for every variant
  std::vector<float> conv_w = runtime::testing::random_vector(rng, 4 * 9, -0.6f, 0.6f);
  std::vector<float> conv_b = runtime::testing::random_vector(rng, 4, -0.1f, 0.1f);
  std::vector<float> fc_w = runtime::testing::random_vector(rng, 10 * 36, -0.5f, 0.5f);
  std::vector<float> fc_b = runtime::testing::random_vector(rng, 10, -0.1f, 0.1f);
  Rng noise(99);
  for (auto* w : {&conv_w, &fc_w})
    for (float& x : *w) x += v.weight_noise * noise.uniform(-1, 1);

  GraphBuilder b;
  auto name = [&](int32_t t, const std::string& n) { b.g.tensors[t].name = v.names ? n : "renamed_" + std::to_string(t); };
  auto weights = [&](std::vector<int32_t> shape, const std::vector<float>& w, const std::string& n) {
    if (!v.f16_weights) {
      int32_t t = b.f32(shape, w);
      name(t, n);
      return t;
    }
    std::vector<uint16_t> h(w.size());
    for (size_t i = 0; i < w.size(); ++i) h[i] = to_f16(w[i]);
    int32_t c = b.constant(shape, h, DataType::kFloat16);
    name(c, n + "_f16");
    int32_t t = b.op(OpType::kDequantize, {c});
    name(t, n);
    b.g.tensors[t].shape = shape;
    return t;
  };

  if (v.int8) {
    // Quantized by hand (per-tensor); only its types matter to the tests below.
    auto q8 = [&](int32_t t, float s, int64_t z) {
      b.g.tensors[t].quant.scale = {s};
      b.g.tensors[t].quant.zero_point = {z};
    };
    int32_t in = b.input({1, 8, 8, 1}, DataType::kInt8);
    q8(in, 1.0f / 255, -128);
    std::vector<int8_t> cw(36, 1);
    int32_t w = b.constant({4, 3, 3, 1}, cw, DataType::kInt8);
    q8(w, 0.005f, 0);
    int32_t bias = b.i32({4}, {0, 0, 0, 0});
    q8(bias, 0.005f / 255, 0);
    OpOptions conv;
    conv.activation = runtime::Activation::kRelu;
    int32_t c = b.op(OpType::kConv2D, {in, w, bias}, conv, DataType::kInt8);
    q8(c, 0.02f, -128);
    int32_t shape = b.i32({2}, {-1, 144});
    int32_t f = b.op(OpType::kReshape, {c, shape}, {}, DataType::kInt8);
    q8(f, 0.02f, -128);
    b.output(f);
    return b.g;
  }

  int32_t in = b.input({1, 8, 8, 1});
  name(in, "input");
  OpOptions conv;
  conv.activation = runtime::Activation::kRelu;
  int32_t cw = weights({4, 3, 3, 1}, conv_w, "conv/kernel");
  int32_t cb = b.f32({4}, conv_b);
  name(cb, "conv/bias");
  int32_t c = b.op(OpType::kConv2D, {in, cw, cb}, conv);
  name(c, "conv");
  OpOptions pool;
  pool.filter_h = pool.filter_w = 2;
  pool.stride_h = pool.stride_w = 2;
  int32_t p = b.op(OpType::kMaxPool2D, {c}, pool);
  name(p, "pool");
  int32_t shape = b.i32({2}, {-1, 36});
  name(shape, "flatten/shape");
  int32_t f = b.op(OpType::kReshape, {p, shape});
  name(f, "flatten");
  int32_t fw = weights({10, 36}, fc_w, "dense/kernel");
  int32_t fb = b.f32({10}, fc_b);
  name(fb, "dense/bias");
  int32_t d = b.op(OpType::kFullyConnected, {f, fw, fb});
  name(d, "dense");
  int32_t s = b.op(OpType::kSoftmax, {d});
  name(s, "probabilities");
  b.output(s);
  return b.g;
}

data::Dataset make_dataset(int n) {
  data::Dataset d;
  d.height = d.width = 8;
  d.channels = 1;
  for (int c = 0; c < 10; ++c) d.class_names.push_back(std::to_string(c));
  Rng rng(5);
  d.pixels.resize(static_cast<size_t>(n) * 64);
  for (uint8_t& p : d.pixels) p = static_cast<uint8_t>(rng.next_u64() & 0xFF);
  for (int i = 0; i < n; ++i) d.labels.push_back(static_cast<uint8_t>(i % 10));
  return d;
}

TEST(MatchTensors, SameNamesPairByName) {
  const Graph a = make_model({});
  const Graph b = make_model({.weight_noise = 0.01f});
  const auto m = match_tensors(a, b);
  ASSERT_EQ(m.size(), 6u);  // input + 5 op outputs
  for (const auto& x : m) {
    EXPECT_TRUE(x.by_name);
    EXPECT_EQ(a.tensors[x.reference_tensor].name, b.tensors[x.test_tensor].name);
  }
  EXPECT_EQ(m[0].reference_op, -1);
}

TEST(MatchTensors, RenamedGraphPairsByOpPositionSkippingDequantize) {
  const Graph a = make_model({});
  const Graph b = make_model({.f16_weights = true, .names = false});
  const auto m = match_tensors(a, b);
  ASSERT_EQ(m.size(), 6u);
  const std::vector<OpType> expect = {OpType::kConv2D, OpType::kMaxPool2D, OpType::kReshape, OpType::kFullyConnected,
                                      OpType::kSoftmax};
  EXPECT_EQ(m[0].test_tensor, b.inputs[0]);
  for (size_t k = 1; k < m.size(); ++k) {
    EXPECT_FALSE(m[k].by_name);
    EXPECT_EQ(a.ops[m[k].reference_op].type, expect[k - 1]);
    // The test tensor is produced by an op of the same type.
    bool found = false;
    for (const auto& op : b.ops)
      if (!op.outputs.empty() && op.outputs[0] == m[k].test_tensor) found = op.type == expect[k - 1];
    EXPECT_TRUE(found) << k;
  }
}

TEST(CompareGraphs, ModelAgainstItselfIsExact) {
  const Graph a = make_model({});
  const data::Dataset d = make_dataset(250);
  auto r = compare_graphs(a, a, d, {.samples = 0, .batch = 64});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->samples, 250);
  EXPECT_EQ(r->top1_agree, 250);
  EXPECT_EQ(r->reference_correct, r->test_correct);
  ASSERT_EQ(r->layers.size(), 6u);
  for (const auto& l : r->layers) {
    EXPECT_TRUE(l.note.empty()) << l.note;
    EXPECT_EQ(l.stats.noise_sq, 0) << l.name;
    EXPECT_TRUE(std::isinf(l.stats.sqnr_db()));
  }
  EXPECT_EQ(r->layers[1].name, "conv");
  EXPECT_EQ(r->layers[1].op, "CONV_2D");
  EXPECT_EQ(r->layers[1].shape, (std::vector<int32_t>{1, 6, 6, 4}));
  EXPECT_EQ(r->layers[1].stats.count, 250 * 6 * 6 * 4);
}

TEST(CompareGraphs, NoisierWeightsGiveLowerSqnr) {
  const Graph a = make_model({});
  const data::Dataset d = make_dataset(100);
  double previous = std::numeric_limits<double>::infinity();
  for (float noise : {0.001f, 0.01f, 0.1f}) {
    auto r = compare_graphs(a, make_model({.weight_noise = noise}), d, {.samples = 100, .batch = 32});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TRUE(std::isinf(r->layers[0].stats.sqnr_db()));  // same input
    const double conv = r->layers[1].stats.sqnr_db();
    EXPECT_TRUE(std::isfinite(conv));
    EXPECT_LT(conv, previous) << noise;
    previous = conv;
    EXPECT_GT(r->layers[1].stats.max_abs, 0);
  }
  EXPECT_LT(previous, 40);
}

TEST(CompareGraphs, Float16WeightsRenamedArePairedByPositionWithHighSqnr) {
  const Graph a = make_model({});
  const Graph b = make_model({.f16_weights = true, .names = false});
  const data::Dataset d = make_dataset(100);
  auto r = compare_graphs(a, b, d, {.samples = 100, .batch = 100});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->layers.size(), 6u);
  for (size_t k = 1; k < r->layers.size(); ++k) {
    const auto& l = r->layers[k];
    EXPECT_FALSE(l.by_name);
    EXPECT_EQ(l.test_name.rfind("renamed_", 0), 0u);
    // float16 weights (11-bit significand): far above int8's ~40 dB, below exact.
    EXPECT_GT(l.stats.sqnr_db(), 55) << l.name;
    EXPECT_GT(l.stats.noise_sq, 0) << l.name;
  }
  EXPECT_GE(r->top1_agree, 98);
}

TEST(CompareGraphs, ClearErrorsForModelsThatCannotRunOrDoNotFit) {
  const Graph a = make_model({});
  const data::Dataset d = make_dataset(10);
  // An int8 model: either the interpreter runs it, or the error names the test model and int8.
  auto r = compare_graphs(a, make_model({.int8 = true}), d, {.samples = 10});
  if (!r.ok()) {
    EXPECT_EQ(r.status().message().rfind("test model", 0), 0u) << r.status().message();
    EXPECT_NE(r.status().message().find("int8"), std::string::npos) << r.status().message();
  }
  data::Dataset wrong = d;
  wrong.height = wrong.width = 4;
  wrong.pixels.resize(10 * 16);
  auto r2 = compare_graphs(a, a, wrong, {});
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("expects input"), std::string::npos) << r2.status().message();
}

}  // namespace
}  // namespace octet::eval
