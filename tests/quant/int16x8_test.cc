// TFLite's 16x8 mode (QuantizeOptions Mode::kInt16x8) and 16-bit ops inside an int8 model
// (QuantizeOptions::int16_ops): the tensors follow the 16x8 spec, the file round-trips, the
// runtime runs it on the int16 kernels, and 16-bit activations stay closer to float than int8.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "quant/quantize.h"
#include "quant_test_util.h"
#include "runtime/interpreter.h"
#include "tflite/op_codes.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

namespace octet::quant {
namespace {

using namespace testing;

CalibrationResult calibrated(const Graph& g, int64_t samples = 100) {
  data::Dataset d = make_dataset(8, 8, 1, 200, 2);
  CalibrationOptions o;
  o.samples = samples;
  o.seed = 3;
  o.progress = false;
  auto r = calibrate(g, d, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(r).value();
}

const Tensor& output_of(const Graph& g, const Op& op) { return g.tensors[static_cast<size_t>(op.outputs[0])]; }
const Tensor& input_of(const Graph& g, const Op& op) { return g.tensors[static_cast<size_t>(op.inputs[0])]; }
const Tensor& operand(const Graph& g, const Op& op, int k) { return g.tensors[static_cast<size_t>(op.inputs[k])]; }

const Op& producer(const Graph& g, const std::string& name) {
  for (const Op& op : g.ops)
    if (output_of(g, op).name == name) return op;
  ADD_FAILURE() << "no op outputs " << name;
  static Op none;
  return none;
}

Graph round_trip(const Graph& q) {
  auto bytes = tflite::serialize_tflite(q);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  auto back = tflite::parse_tflite(bytes->data(), bytes->size(), "int16x8.tflite");
  EXPECT_TRUE(back.ok()) << back.status().message();
  return std::move(back).value();
}

Result<QuantizeResult> int16x8(const Graph& g, const CalibrationResult& c) {
  QuantizeOptions o;
  o.mode = Mode::kInt16x8;
  return quantize_graph(g, &c, o);
}

TEST(QuantizeInt16x8, EveryTensorFollowsThe16x8Spec) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  auto r = int16x8(g, c);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Graph q = round_trip(r->graph);
  // float input -> QUANTIZE int16 -> conv, pool, reshape, FC in int16 -> DEQUANTIZE -> float SOFTMAX.
  ASSERT_EQ(q.ops.size(), g.ops.size() + 2);
  EXPECT_EQ(q.ops.front().type, OpType::kQuantize);
  EXPECT_EQ(q.tensors[static_cast<size_t>(q.inputs[0])].type, DataType::kFloat32);
  EXPECT_EQ(q.tensors[static_cast<size_t>(q.outputs[0])].type, DataType::kFloat32);
  const Op& softmax = producer(q, "probabilities");
  EXPECT_EQ(input_of(q, softmax).type, DataType::kFloat32);
  EXPECT_EQ(input_of(q, softmax).name, "dense/dequantize");
  for (const char* name : {"input/quantize16", "conv", "pool", "flatten", "dense"}) {
    const Op& op = producer(q, name);
    const Tensor& t = output_of(q, op);
    EXPECT_EQ(t.type, DataType::kInt16) << name;
    ASSERT_EQ(t.quant.scale.size(), 1u) << name;
    EXPECT_EQ(t.quant.zero_point, std::vector<int64_t>{0}) << name;
  }
  // Symmetric scales from the calibrated ranges: max|range| / 32767; pool and reshape keep the conv's.
  for (const char* name : {"conv", "dense"}) {
    const Op& op = producer(g, name);
    const TensorRange& range = c.ranges[static_cast<size_t>(op.outputs[0])];
    const float want = std::max(std::fabs(range.range.min), std::fabs(range.range.max)) / 32767.0f;
    EXPECT_EQ(output_of(q, producer(q, name)).quant.scale[0], want) << name;
  }
  EXPECT_EQ(output_of(q, producer(q, "pool")).quant.scale, output_of(q, producer(q, "conv")).quant.scale);
  // Weights int8 per channel; biases int64 with scales S_in * S_w[c].
  for (const char* name : {"conv", "dense"}) {
    const Op& op = producer(q, name);
    const Tensor& w = operand(q, op, 1);
    const Tensor& b = operand(q, op, 2);
    EXPECT_EQ(w.type, DataType::kInt8) << name;
    EXPECT_GT(w.quant.scale.size(), 1u) << name;
    EXPECT_EQ(b.type, DataType::kInt64) << name;
    ASSERT_EQ(b.quant.scale.size(), w.quant.scale.size()) << name;
    const float s_in = input_of(q, op).quant.scale[0];
    for (size_t k = 0; k < w.quant.scale.size(); ++k) {
      EXPECT_EQ(b.quant.scale[k], static_cast<float>(static_cast<double>(s_in) * w.quant.scale[k])) << name;
    }
  }
  // The op versions TFLite's 16x8 kernels are registered under.
  EXPECT_EQ(tflite::required_op_version(q, producer(q, "conv")), 4);
  EXPECT_EQ(tflite::required_op_version(q, producer(q, "dense")), 7);
  EXPECT_EQ(tflite::required_op_version(q, producer(q, "pool")), 3);
  EXPECT_EQ(quantization_record(QuantizeOptions{Mode::kInt16x8}, &c)["mode"], "int16x8");
}

// Signal-to-quantization-noise ratio in dB of `q` against `f`.
double sqnr_db(const std::vector<float>& f, const std::vector<float>& q) {
  double signal = 0, noise = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    signal += static_cast<double>(f[i]) * f[i];
    noise += (static_cast<double>(f[i]) - q[i]) * (static_cast<double>(f[i]) - q[i]);
  }
  return 10.0 * std::log10(signal / noise);
}

std::vector<float> run(const Graph& g, const data::Dataset& d, int n, const char* want_fc_kernel = nullptr) {
  runtime::InterpreterOptions io;
  io.batch = n;
  auto interp = runtime::Interpreter::create(g, io);
  EXPECT_TRUE(interp.ok()) << interp.status().message();
  if (!interp.ok()) return {};
  std::vector<int64_t> idx(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = i;
  data::to_float(d, idx.data(), n, (*interp)->input_f32(0));
  EXPECT_TRUE((*interp)->invoke().ok());
  if (want_fc_kernel) {
    bool found = false;
    for (size_t i = 0; i < g.ops.size(); ++i) found |= std::string((*interp)->op_kernel_name(static_cast<int>(i))) == want_fc_kernel;
    EXPECT_TRUE(found) << want_fc_kernel;
  }
  const float* out = (*interp)->output_f32(0);
  return std::vector<float>(out, out + static_cast<size_t>(n) * 3);
}

// `g` with the weights of `q` (the same graph quantized) dequantized back to float32: both modes
// quantize the weights identically, so against this model only the activations (and biases) differ.
Graph with_dequantized_weights(const Graph& g, const Graph& q) {
  Graph r = g;
  for (OpType type : {OpType::kConv2D, OpType::kFullyConnected}) {
    auto of_type = [type](const Op& op) { return op.type == type; };
    const Tensor& w = operand(q, *std::find_if(q.ops.begin(), q.ops.end(), of_type), 1);
    Tensor& dst = r.tensors[static_cast<size_t>(std::find_if(r.ops.begin(), r.ops.end(), of_type)->inputs[1])];
    const int8_t* v = reinterpret_cast<const int8_t*>(w.data.data());
    const int64_t n = static_cast<int64_t>(w.data.size()), channels = static_cast<int64_t>(w.quant.scale.size());
    std::vector<float> f(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) f[static_cast<size_t>(k)] = v[k] * w.quant.scale[static_cast<size_t>(k / (n / channels))];
    std::memcpy(dst.data.data(), f.data(), dst.data.size());
  }
  return r;
}

TEST(QuantizeInt16x8, LogitsAreCloserToFloatThanInt8) {
  // The small CNN without its SOFTMAX: the logits, where int8's 256 levels show.
  Graph g = make_small_cnn(7);
  g.ops.pop_back();
  g.outputs = {producer(g, "dense").outputs[0]};
  // Calibrated on every image it then runs: no activation leaves its range, so nothing clips.
  CalibrationResult c = calibrated(g, 200);
  QuantizeOptions o8;
  o8.io = IoType::kFloat;
  auto q8 = quantize_graph(g, &c, o8);
  auto q16 = int16x8(g, c);
  ASSERT_TRUE(q8.ok() && q16.ok());
  const int n = 200;
  data::Dataset d = make_dataset(8, 8, 1, n, 2);
  const std::vector<float> f = run(with_dequantized_weights(g, q16->graph), d, n);
  const std::vector<float> y8 = run(round_trip(q8->graph), d, n);
  // --kernels auto: no optimized int16 kernels, so the reference runs.
  const std::vector<float> y16 = run(round_trip(q16->graph), d, n, "qs16_fully_connected_ref");
  const double s8 = sqnr_db(f, y8), s16 = sqnr_db(f, y16);
  std::printf("sqnr int8 %.1f dB, int16x8 %.1f dB\n", s8, s16);
  // 8 more bits of activation resolution: far more than the few dB weights leave against the float model.
  EXPECT_GT(s16, s8 + 15.0) << "int8 " << s8 << " dB, int16x8 " << s16 << " dB";
}

TEST(QuantizeInt16x8, Int16OpsInsideAnInt8ModelPassThroughFloat) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  QuantizeOptions o;
  o.int16_ops = {"dense"};
  auto r = quantize_graph(g, &c, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Graph q = round_trip(r->graph);
  // flatten (int8) -> DEQUANTIZE -> QUANTIZE int16 -> FC int16 -> DEQUANTIZE -> QUANTIZE int8 -> SOFTMAX int8.
  ASSERT_EQ(q.ops.size(), g.ops.size() + 4);
  const Op& fc = producer(q, "dense");
  EXPECT_EQ(input_of(q, fc).name, "flatten/quantize16");
  EXPECT_EQ(input_of(q, fc).type, DataType::kInt16);
  EXPECT_EQ(output_of(q, fc).type, DataType::kInt16);
  EXPECT_EQ(operand(q, fc, 2).type, DataType::kInt64);
  EXPECT_EQ(input_of(q, producer(q, "flatten/quantize16")).name, "flatten/dequantize");
  EXPECT_EQ(input_of(q, producer(q, "flatten/dequantize")).type, DataType::kInt8);
  const Op& softmax = producer(q, "probabilities");
  EXPECT_EQ(input_of(q, softmax).name, "dense/quantize");
  EXPECT_EQ(input_of(q, softmax).type, DataType::kInt8);
  EXPECT_EQ(input_of(q, producer(q, "dense/quantize")).name, "dense/dequantize");
  EXPECT_EQ(output_of(q, producer(q, "conv")).type, DataType::kInt8);
  // The report marks the op; the record lists it; the graph runs.
  EXPECT_NE(std::find(r->report.layers[4].notes.begin(), r->report.layers[4].notes.end(), "int16 activations"),
            r->report.layers[4].notes.end());
  EXPECT_EQ(r->report.layers[4].bias_quant, "int64");
  EXPECT_EQ(quantization_record(o, &c)["int16_ops"], nlohmann::json::array({"dense"}));
  runtime::InterpreterOptions io;
  auto interp = runtime::Interpreter::create(q, io);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  EXPECT_TRUE((*interp)->invoke().ok());
}

TEST(QuantizeInt16x8, OptionsThatDoNotApplyAreRefused) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  QuantizeOptions o;
  o.mode = Mode::kInt16x8;
  o.int16_ops = {"dense"};
  auto r = quantize_graph(g, &c, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("int8 mode only"), std::string::npos) << r.status().message();
  o.int16_ops.clear();
  EXPECT_FALSE(quantize_graph(g, nullptr, o).ok());  // calibrated mode without calibration
  QuantizeOptions dyn;
  dyn.mode = Mode::kDynamic;
  dyn.int16_ops = {"dense"};
  EXPECT_FALSE(quantize_graph(g, nullptr, dyn).ok());
  EXPECT_EQ(parse_mode("int16x8").value(), Mode::kInt16x8);
}

}  // namespace
}  // namespace octet::quant
