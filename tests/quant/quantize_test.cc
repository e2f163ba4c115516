// The int8 / dynamic / float16 rewrites of a hand-built float graph: every tensor's type and
// parameters as quantization.md §1-§2, §5 require, the I/O variants, reports and refusals.
#include "quant/quantize.h"

#include <cstring>

#include <gtest/gtest.h>

#include "quant/qparams.h"
#include "quant_test_util.h"
#include "runtime/interpreter.h"
#include "tflite/op_codes.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

namespace octet::quant {
namespace {

using namespace testing;

const Tensor& find(const Graph& g, const std::string& name) {
  for (const Tensor& t : g.tensors)
    if (t.name == name) return t;
  ADD_FAILURE() << "no tensor " << name;
  static Tensor none;
  return none;
}

CalibrationResult calibrated(const Graph& g, uint64_t seed = 3) {
  data::Dataset d = make_dataset(8, 8, 1, 200, 2);
  CalibrationOptions o;
  o.samples = 100;
  o.seed = seed;
  o.progress = false;
  auto r = calibrate(g, d, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(r).value();
}

Result<QuantizeResult> int8(const Graph& g, const CalibrationResult& c, IoType io = IoType::kInt8, bool per_channel = true) {
  QuantizeOptions o;
  o.mode = Mode::kInt8;
  o.io = io;
  o.per_channel = per_channel;
  return quantize_graph(g, &c, o);
}

void expect_act(const Tensor& t, float scale, int64_t zp) {
  EXPECT_EQ(t.type, DataType::kInt8) << t.name;
  ASSERT_EQ(t.quant.scale.size(), 1u) << t.name;
  EXPECT_EQ(t.quant.scale[0], scale) << t.name;
  EXPECT_EQ(t.quant.zero_point[0], zp) << t.name;
}

TEST(QuantizeInt8, EveryTensorFollowsTheSpec) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  auto r = int8(g, c);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Graph& q = r->graph;
  ASSERT_EQ(q.ops.size(), g.ops.size());
  auto range = [&](const std::string& name) {
    for (size_t t = 0; t < g.tensors.size(); ++t)
      if (g.tensors[t].name == name) return c.ranges[t].range;
    return ObservedRange{};
  };
  auto params = [&](const std::string& name) { return activation_params(range(name).min, range(name).max).value(); };

  // Input and conv output: calibrated (§2.3); calibrated min/max not stored by default (the
  // converter does not store them either, TFLite never reads them).
  const ActivationParams pin = params("input"), pconv = params("conv");
  expect_act(find(q, "input"), pin.scale, pin.zero_point);
  for (const Tensor& t : q.tensors) {
    EXPECT_TRUE(t.quant.min.empty() && t.quant.max.empty()) << t.name;
  }
  {
    QuantizeOptions keep;
    keep.keep_ranges = true;
    auto k = quantize_graph(g, &c, keep);
    ASSERT_TRUE(k.ok()) << k.status().message();
    EXPECT_EQ(find(k->graph, "input").quant.min, std::vector<float>{range("input").min});
    EXPECT_EQ(find(k->graph, "input").quant.max, std::vector<float>{range("input").max});
    EXPECT_EQ(find(k->graph, "conv/kernel").quant.min.size(), find(k->graph, "conv/kernel").quant.scale.size());
    EXPECT_EQ(quantization_record(keep, &c)["keep_ranges"], true);
    EXPECT_FALSE(quantization_record({}, &c).contains("keep_ranges"));
  }
  expect_act(find(q, "conv"), pconv.scale, pconv.zero_point);
  EXPECT_EQ(pconv.zero_point, -128);  // fused RELU: the range starts at 0
  // Pool and reshape outputs take their input's parameters (§1.3).
  expect_act(find(q, "pool"), pconv.scale, pconv.zero_point);
  expect_act(find(q, "flatten"), pconv.scale, pconv.zero_point);
  // FC output calibrated, softmax fixed at 1/256, -128.
  const ActivationParams pfc = params("dense");
  expect_act(find(q, "dense"), pfc.scale, pfc.zero_point);
  expect_act(find(q, "probabilities"), 1.0f / 256.0f, -128);
  EXPECT_EQ(q.ops[0].options.activation, Activation::kRelu);  // fused ReLU stays as a clamp

  // Weights: int8, symmetric, per channel along dim 0, Z = 0, values from §2.4.
  const Tensor& cw = find(q, "conv/kernel");
  EXPECT_EQ(cw.type, DataType::kInt8);
  EXPECT_EQ(cw.quant.axis, 0);
  ASSERT_EQ(cw.quant.scale.size(), 4u);
  EXPECT_EQ(cw.quant.zero_point, std::vector<int64_t>(4, 0));
  const Tensor& cw_f = find(g, "conv/kernel");
  std::vector<float> wf(cw_f.data.size() / 4);
  std::memcpy(wf.data(), cw_f.data.data(), cw_f.data.size());
  WeightQuant wq = quantize_weights_per_channel(wf.data(), cw_f.shape, 0);
  EXPECT_EQ(cw.quant.scale, wq.scales);
  ASSERT_EQ(cw.data.size(), wq.values.size());
  EXPECT_EQ(0, std::memcmp(cw.data.data(), wq.values.data(), cw.data.size()));
  const Tensor& fw = find(q, "dense/kernel");
  EXPECT_EQ(fw.type, DataType::kInt8);
  EXPECT_EQ(fw.quant.axis, 0);
  EXPECT_EQ(fw.quant.scale.size(), 3u);

  // Biases: int32 with per-channel scales S_in * S_w[c] (§2.6).
  const Tensor& cb = find(q, "conv/bias");
  EXPECT_EQ(cb.type, DataType::kInt32);
  ASSERT_EQ(cb.quant.scale.size(), 4u);
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(cb.quant.scale[k], static_cast<float>(static_cast<double>(pin.scale) * cw.quant.scale[k]));
    EXPECT_EQ(cb.quant.zero_point[k], 0);
  }
  const Tensor& fb = find(q, "dense/bias");
  EXPECT_EQ(fb.type, DataType::kInt32);
  ASSERT_EQ(fb.quant.scale.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(fb.quant.scale[k], static_cast<float>(static_cast<double>(pconv.scale) * fw.quant.scale[k]));
  }
  // Shape operand untouched.
  EXPECT_EQ(find(q, "flatten/shape").type, DataType::kInt32);
  EXPECT_FALSE(find(q, "flatten/shape").quant.quantized());

  // The report has the input row and one row per op.
  ASSERT_EQ(r->report.layers.size(), 6u);
  EXPECT_EQ(r->report.layers[0].op, "INPUT");
  EXPECT_EQ(r->report.layers[2].params_from, "input");
  EXPECT_EQ(r->report.layers[5].params_from, "fixed");
  EXPECT_TRUE(r->report.warnings.empty());
  EXPECT_LT(r->report.quantized_constant_bytes, r->report.float_constant_bytes);
}

TEST(QuantizeInt8, WritesAFileTfliteReadsBackWithInt8Versions) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  auto r = int8(g, c);
  ASSERT_TRUE(r.ok());
  set_quantization_metadata(r->graph, quantization_record({}, &c, {{"dataset", "synthetic"}}));
  auto bytes = tflite::serialize_tflite(r->graph);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  auto back = tflite::parse_tflite(bytes->data(), bytes->size(), "q.tflite");
  ASSERT_TRUE(back.ok()) << back.status().message();
  const Graph& b = *back;
  EXPECT_EQ(find(b, "conv/bias").quant.scale, find(r->graph, "conv/bias").quant.scale);
  EXPECT_EQ(find(b, "conv/kernel").quant.scale, find(r->graph, "conv/kernel").quant.scale);
  EXPECT_EQ(find(b, "input").quant.min, find(r->graph, "input").quant.min);
  EXPECT_EQ(b.ops[0].version, 3);  // CONV_2D int8
  EXPECT_EQ(b.ops[1].version, 2);  // MAX_POOL_2D int8
  EXPECT_EQ(b.ops[3].version, 4);  // FULLY_CONNECTED int8
  EXPECT_EQ(b.ops[4].version, 2);  // SOFTMAX int8
  // Both metadata entries are there; the quantization record names the calibration.
  ASSERT_EQ(b.metadata.size(), 2u);
  EXPECT_EQ(b.metadata[0].name, "octet.training");
  EXPECT_EQ(b.metadata[1].name, kQuantizationMetadataName);
  auto j = nlohmann::json::parse(std::string(b.metadata[1].data.begin(), b.metadata[1].data.end()));
  EXPECT_EQ(j["mode"], "int8");
  EXPECT_EQ(j["dataset"], "synthetic");
  EXPECT_EQ(j["calibration"]["method"], "minmax");
  EXPECT_EQ(j["calibration"]["samples"], 100);
  EXPECT_EQ(j["calibration"]["seed"], 3);
  char hash[24];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(c.indices_hash));
  EXPECT_EQ(j["calibration"]["indices_fnv1a64"], hash);
}

TEST(QuantizeInt8, FloatIoAddsQuantizeAndDequantize) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  auto r = int8(g, c, IoType::kFloat);
  ASSERT_TRUE(r.ok());
  const Graph& q = r->graph;
  ASSERT_EQ(q.ops.size(), g.ops.size() + 2);
  EXPECT_EQ(q.ops.front().type, OpType::kQuantize);
  EXPECT_EQ(q.ops.back().type, OpType::kDequantize);
  const Tensor& in = q.tensors[static_cast<size_t>(q.inputs[0])];
  const Tensor& out = q.tensors[static_cast<size_t>(q.outputs[0])];
  EXPECT_EQ(in.type, DataType::kFloat32);
  EXPECT_EQ(in.name, "input");
  EXPECT_FALSE(in.quant.quantized());
  EXPECT_EQ(out.type, DataType::kFloat32);
  EXPECT_EQ(out.name, "probabilities");
  expect_act(q.tensors[static_cast<size_t>(q.ops.front().outputs[0])], find(r->graph, "input_int8").quant.scale[0],
             find(r->graph, "input_int8").quant.zero_point[0]);
  expect_act(find(q, "probabilities_int8"), 1.0f / 256.0f, -128);
  EXPECT_EQ(q.ops[1].inputs[0], q.ops.front().outputs[0]);  // the conv reads the QUANTIZE output
  EXPECT_TRUE(tflite::serialize_tflite(q).ok());
}

TEST(QuantizeInt8, Uint8IoShiftsTheZeroPoint) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  auto r = int8(g, c, IoType::kUInt8);
  ASSERT_TRUE(r.ok());
  const Graph& q = r->graph;
  ASSERT_EQ(q.ops.size(), g.ops.size() + 2);
  EXPECT_EQ(q.ops.front().type, OpType::kQuantize);
  EXPECT_EQ(q.ops.back().type, OpType::kQuantize);
  const Tensor& in = q.tensors[static_cast<size_t>(q.inputs[0])];
  const Tensor& out = q.tensors[static_cast<size_t>(q.outputs[0])];
  EXPECT_EQ(in.type, DataType::kUInt8);
  EXPECT_EQ(in.quant.scale, find(q, "input_int8").quant.scale);
  EXPECT_EQ(in.quant.zero_point[0], find(q, "input_int8").quant.zero_point[0] + 128);
  EXPECT_EQ(out.type, DataType::kUInt8);
  EXPECT_EQ(out.quant.scale[0], 1.0f / 256.0f);
  EXPECT_EQ(out.quant.zero_point[0], 0);
  EXPECT_TRUE(tflite::serialize_tflite(q).ok());
}

TEST(QuantizeInt8, PerTensorWeights) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  auto r = int8(g, c, IoType::kInt8, /*per_channel=*/false);
  ASSERT_TRUE(r.ok());
  const Tensor& cw = find(r->graph, "conv/kernel");
  ASSERT_EQ(cw.quant.scale.size(), 1u);
  const Tensor& cw_f = find(g, "conv/kernel");
  std::vector<float> wf(cw_f.data.size() / 4);
  std::memcpy(wf.data(), cw_f.data.data(), cw_f.data.size());
  float m = 0;
  for (float v : wf) m = std::max(m, std::fabs(v));
  EXPECT_EQ(cw.quant.scale[0], m / 127.0f);
  const Tensor& cb = find(r->graph, "conv/bias");
  ASSERT_EQ(cb.quant.scale.size(), 1u);
  EXPECT_EQ(cb.quant.scale[0],
            static_cast<float>(static_cast<double>(find(r->graph, "input").quant.scale[0]) * cw.quant.scale[0]));
  EXPECT_TRUE(tflite::serialize_tflite(r->graph).ok());
}

TEST(QuantizeInt8, DegenerateCasesAreReported) {
  // Channel 1 of the conv is all zero; with bias 0 and ReLU the conv output of channel 1 is 0.
  // Then make every channel zero with a negative bias: the conv output is constant 0.
  Rng rng(3);
  std::vector<float> w = random_weights(rng, 36, 9);
  for (int k = 9; k < 18; ++k) w[k] = 0.0f;
  Graph g = make_small_cnn(2, {}, w, {0.1f, 0.0f, 0.1f, 0.1f});
  auto r = int8(g, calibrated(g));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->report.warnings.size(), 1u);
  EXPECT_NE(r->report.warnings[0].find("all-zero weight channel"), std::string::npos) << r->report.warnings[0];
  EXPECT_NEAR(find(r->graph, "conv/kernel").quant.scale[1], 3.937e-9, 1e-11);

  Graph z = make_small_cnn(2, {}, std::vector<float>(36, 0.0f), std::vector<float>(4, -1.0f));
  auto rz = int8(z, calibrated(z));
  ASSERT_TRUE(rz.ok()) << rz.status().message();
  bool constant_warned = false;
  for (const std::string& s : rz->report.warnings) constant_warned |= s.find("'conv' is constant") != std::string::npos;
  EXPECT_TRUE(constant_warned);
  const Tensor& conv = find(rz->graph, "conv");
  EXPECT_GT(conv.quant.scale[0], 0.0f);
  EXPECT_LT(conv.quant.scale[0], 1e-8f);
  EXPECT_NE(format_report(rz->report).find("warning:"), std::string::npos);
  EXPECT_FALSE(report_json(rz->report)["warnings"].empty());
}

TEST(Quantize, RefusesQuantizedOrBrokenModels) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  auto r = int8(g, c);
  ASSERT_TRUE(r.ok());
  auto again = int8(r->graph, c);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("already quantized"), std::string::npos);
  QuantizeOptions f16;
  f16.mode = Mode::kFloat16;
  auto h = quantize_graph(g, nullptr, f16);
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(quantize_graph(h->graph, nullptr, f16).ok());

  Graph bad = make_small_cnn(1);
  for (Tensor& t : bad.tensors) {
    if (t.name == "dense/kernel") {
      const float nan = NAN;
      std::memcpy(t.data.data() + 8, &nan, 4);
    }
  }
  auto e = quantize_graph(bad, nullptr, f16);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("'dense/kernel'"), std::string::npos);
  EXPECT_NE(e.status().message().find("NaN"), std::string::npos);
  QuantizeOptions i8;
  EXPECT_FALSE(quantize_graph(g, nullptr, i8).ok());  // int8 without calibration
}

// input [1,64] -> FC 32 (2048 weights) -> FC 10 (320 weights) -> SOFTMAX
Graph make_mlp(uint64_t seed) {
  Rng rng(seed);
  Graph g;
  const int32_t in = add_activation(g, "input", {1, 64});
  g.inputs = {in};
  const int32_t w1 = add_f32(g, "fc1/kernel", {32, 64}, random_weights(rng, 2048, 64));
  const int32_t b1 = add_f32(g, "fc1/bias", {32}, random_weights(rng, 32, 50));
  const int32_t h = add_activation(g, "fc1", {1, 32});
  Op fc1{OpType::kFullyConnected, 1, {in, w1, b1}, {h}, {}};
  fc1.options.activation = Activation::kRelu;
  g.ops.push_back(fc1);
  const int32_t w2 = add_f32(g, "fc2/kernel", {10, 32}, random_weights(rng, 320, 32));
  const int32_t b2 = add_f32(g, "fc2/bias", {10}, random_weights(rng, 10, 50));
  const int32_t logits = add_activation(g, "fc2", {1, 10});
  g.ops.push_back(Op{OpType::kFullyConnected, 1, {h, w2, b2}, {logits}, {}});
  const int32_t p = add_activation(g, "probabilities", {1, 10});
  Op sm{OpType::kSoftmax, 1, {logits}, {p}, {}};
  sm.options.beta = 1.0f;
  g.ops.push_back(sm);
  g.outputs = {p};
  return g;
}

TEST(QuantizeDynamic, LargeWeightsInt8SmallOnesFloat) {
  Graph g = make_mlp(1);
  QuantizeOptions o;
  o.mode = Mode::kDynamic;
  auto r = quantize_graph(g, nullptr, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Graph& q = r->graph;
  const Tensor& w1 = find(q, "fc1/kernel");
  EXPECT_EQ(w1.type, DataType::kInt8);
  EXPECT_EQ(w1.quant.scale.size(), 32u);
  EXPECT_EQ(w1.quant.zero_point, std::vector<int64_t>(32, 0));
  EXPECT_EQ(find(q, "fc1/bias").type, DataType::kFloat32);
  EXPECT_EQ(find(q, "fc2/kernel").type, DataType::kFloat32);  // 320 < 1024 elements
  EXPECT_EQ(find(q, "fc1").type, DataType::kFloat32);
  EXPECT_TRUE(q.ops[0].options.asymmetric_quantize_inputs);
  EXPECT_FALSE(q.ops[1].options.asymmetric_quantize_inputs);
  EXPECT_EQ(r->report.weights_quantized, 1);
  EXPECT_EQ(r->report.weights_kept_float, 1);
  // Conv weights of the small CNN (36 elements) stay float too.
  auto rc = quantize_graph(make_small_cnn(1), nullptr, o);
  ASSERT_TRUE(rc.ok());
  EXPECT_EQ(find(rc->graph, "conv/kernel").type, DataType::kFloat32);
  // The file version of a hybrid per-channel FC is 12 (§7.7).
  auto bytes = tflite::serialize_tflite(q);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  auto back = tflite::parse_tflite(bytes->data(), bytes->size(), "d.tflite");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ops[0].version, 12);
  EXPECT_TRUE(back->ops[0].options.asymmetric_quantize_inputs);
  EXPECT_EQ(back->ops[1].version, 1);
}

TEST(QuantizeFloat16, DequantizeOpsHalveTheWeightsAndRunClose) {
  Graph g = make_small_cnn(1);
  QuantizeOptions o;
  o.mode = Mode::kFloat16;
  auto r = quantize_graph(g, nullptr, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Graph& q = r->graph;
  ASSERT_EQ(q.ops.size(), g.ops.size() + 4);  // conv w, conv b, dense w, dense b
  int64_t f16_bytes = 0, f32_bytes = 0;
  for (int i = 0; i < 4; ++i) {
    const Op& op = q.ops[static_cast<size_t>(i)];
    EXPECT_EQ(op.type, OpType::kDequantize);
    const Tensor& h = q.tensors[static_cast<size_t>(op.inputs[0])];
    const Tensor& f = q.tensors[static_cast<size_t>(op.outputs[0])];
    EXPECT_EQ(h.type, DataType::kFloat16);
    EXPECT_TRUE(h.is_constant);
    EXPECT_EQ(f.type, DataType::kFloat32);
    EXPECT_FALSE(f.is_constant);
    EXPECT_EQ(h.shape, f.shape);
    f16_bytes += static_cast<int64_t>(h.data.size());
    f32_bytes += find(g, h.name).byte_size();
  }
  EXPECT_EQ(2 * f16_bytes, f32_bytes);
  EXPECT_EQ(find(q, "flatten/shape").type, DataType::kInt32);  // int32 operand untouched
  EXPECT_EQ(q.ops[4].inputs[1], q.ops[0].outputs[0]);           // the conv reads a DEQUANTIZE output
  auto bytes = tflite::serialize_tflite(q);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  auto back = tflite::parse_tflite(bytes->data(), bytes->size(), "h.tflite");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ops[0].version, 3);  // DEQUANTIZE from float16

  // The runtime runs both graphs; the float16 weights change the output very little.
  data::Dataset d = make_dataset(8, 8, 1, 16, 4);
  runtime::InterpreterOptions io;
  io.batch = 16;
  auto a = runtime::Interpreter::create(g, io);
  auto b = runtime::Interpreter::create(q, io);
  ASSERT_TRUE(a.ok() && b.ok()) << b.status().message();
  std::vector<int64_t> idx(16);
  for (int i = 0; i < 16; ++i) idx[static_cast<size_t>(i)] = i;
  data::to_float(d, idx.data(), 16, (*a)->input_f32(0));
  data::to_float(d, idx.data(), 16, (*b)->input_f32(0));
  ASSERT_TRUE((*a)->invoke().ok());
  ASSERT_TRUE((*b)->invoke().ok());
  for (int k = 0; k < 16 * 3; ++k) EXPECT_NEAR((*a)->output_f32(0)[k], (*b)->output_f32(0)[k], 5e-3f);
}

}  // namespace
}  // namespace octet::quant
