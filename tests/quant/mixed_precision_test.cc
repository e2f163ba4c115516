// Mixed-precision int8 graphs (QuantizeOptions::keep_float): which ops stay float32, where the
// DEQUANTIZE / QUANTIZE borders go, and that the runtime computes what the float model does.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "quant/quantize.h"
#include "quant_test_util.h"
#include "runtime/interpreter.h"
#include "runtime/kernels/reference/quantize_ref.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

namespace octet::quant {
namespace {

using namespace testing;

CalibrationResult calibrated(const Graph& g) {
  data::Dataset d = make_dataset(8, 8, 1, 200, 2);
  CalibrationOptions o;
  o.samples = 100;
  o.seed = 3;
  o.progress = false;
  auto r = calibrate(g, d, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(r).value();
}

Result<QuantizeResult> mixed(const Graph& g, const CalibrationResult& c, std::vector<std::string> keep,
                             IoType io = IoType::kInt8) {
  QuantizeOptions o;
  o.io = io;
  o.keep_float = std::move(keep);
  return quantize_graph(g, &c, o);
}

int count_ops(const Graph& g, OpType type) {
  return static_cast<int>(std::count_if(g.ops.begin(), g.ops.end(), [&](const Op& op) { return op.type == type; }));
}

const Tensor& output_of(const Graph& g, const Op& op) { return g.tensors[static_cast<size_t>(op.outputs[0])]; }
const Tensor& input_of(const Graph& g, const Op& op) { return g.tensors[static_cast<size_t>(op.inputs[0])]; }

// The op producing tensor `name`.
const Op& producer(const Graph& g, const std::string& name) {
  for (const Op& op : g.ops)
    if (output_of(g, op).name == name) return op;
  ADD_FAILURE() << "no op outputs " << name;
  static Op none;
  return none;
}

TEST(MixedPrecision, KeepingNoneChangesNothing) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  for (IoType io : {IoType::kInt8, IoType::kUInt8, IoType::kFloat}) {
    QuantizeOptions plain;
    plain.io = io;
    auto a = quantize_graph(g, &c, plain);
    auto b = mixed(g, c, {}, io);
    ASSERT_TRUE(a.ok() && b.ok());
    auto ba = tflite::serialize_tflite(a->graph);
    auto bb = tflite::serialize_tflite(b->graph);
    ASSERT_TRUE(ba.ok() && bb.ok());
    EXPECT_EQ(*ba, *bb) << io_name(io);
    EXPECT_FALSE(quantization_record(plain, &c).contains("keep_float"));
  }
}

TEST(MixedPrecision, OneKeptOpReadsAndWritesFloat) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  auto r = mixed(g, c, {"dense"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Graph& q = r->graph;
  // flatten (int8) -> DEQUANTIZE -> FC float -> QUANTIZE -> SOFTMAX int8.
  ASSERT_EQ(q.ops.size(), g.ops.size() + 2);
  const Op& fc = producer(q, "dense");
  EXPECT_EQ(fc.type, OpType::kFullyConnected);
  EXPECT_EQ(input_of(q, fc).type, DataType::kFloat32);
  EXPECT_EQ(input_of(q, fc).name, "flatten/dequantize");
  EXPECT_EQ(q.tensors[static_cast<size_t>(fc.inputs[1])].type, DataType::kFloat32);  // weights
  EXPECT_EQ(q.tensors[static_cast<size_t>(fc.inputs[2])].type, DataType::kFloat32);  // bias
  EXPECT_EQ(output_of(q, fc).type, DataType::kFloat32);
  EXPECT_FALSE(output_of(q, fc).quant.quantized());
  const Op& deq = producer(q, "flatten/dequantize");
  EXPECT_EQ(deq.type, OpType::kDequantize);
  EXPECT_EQ(input_of(q, deq).type, DataType::kInt8);
  const Op& requant = producer(q, "dense/quantize");
  EXPECT_EQ(requant.type, OpType::kQuantize);
  const Tensor& dense_int8 = output_of(q, requant);
  EXPECT_EQ(dense_int8.type, DataType::kInt8);
  // The re-quantized output carries the calibrated parameters the all-int8 graph gives "dense".
  QuantizeOptions plain;
  auto all_int8 = quantize_graph(g, &c, plain);
  ASSERT_TRUE(all_int8.ok());
  const Tensor& dense_plain = output_of(all_int8->graph, producer(all_int8->graph, "dense"));
  EXPECT_EQ(dense_int8.quant.scale, dense_plain.quant.scale);
  EXPECT_EQ(dense_int8.quant.zero_point, dense_plain.quant.zero_point);
  EXPECT_EQ(input_of(q, producer(q, "probabilities")).name, "dense/quantize");
  // The other weights are still int8; the report says what was kept.
  EXPECT_EQ(q.tensors[static_cast<size_t>(producer(q, "conv").inputs[1])].type, DataType::kInt8);
  ASSERT_EQ(r->report.layers.size(), g.ops.size() + 1);
  EXPECT_TRUE(r->report.layers[4].kept_float);  // INPUT row, then ops 0..4: dense is op 3
  EXPECT_EQ(r->report.layers[4].output, "dense");
  EXPECT_EQ(r->report.layers[4].bias_quant, "float32");
  EXPECT_FALSE(r->report.layers[1].kept_float);
  EXPECT_EQ(r->report.weights_kept_float, 1);
  QuantizeOptions o;
  o.keep_float = {"dense"};
  EXPECT_EQ(quantization_record(o, &c)["keep_float"], nlohmann::json::array({"dense"}));
  // The writer accepts the graph and the reader gives it back with the same types.
  auto bytes = tflite::serialize_tflite(q);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  auto back = tflite::parse_tflite(bytes->data(), bytes->size(), "mixed.tflite");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(output_of(*back, producer(*back, "dense")).type, DataType::kFloat32);
}

TEST(MixedPrecision, ConsecutiveKeptOpsShareFloatTensors) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  // By index: conv (0) and max pool (1).
  auto r = mixed(g, c, {"0", "1"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Graph& q = r->graph;
  EXPECT_EQ(count_ops(q, OpType::kDequantize), 1);  // the int8 model input
  EXPECT_EQ(count_ops(q, OpType::kQuantize), 1);    // the pool output for the int8 reshape
  const Op& pool = producer(q, "pool");
  EXPECT_EQ(input_of(q, pool).name, "conv");  // no round trip between the two float ops
  EXPECT_EQ(input_of(q, pool).type, DataType::kFloat32);
  EXPECT_EQ(input_of(q, producer(q, "flatten")).name, "pool/quantize");
}

Graph round_trip(const Graph& q) {
  auto bytes = tflite::serialize_tflite(q);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  auto back = tflite::parse_tflite(bytes->data(), bytes->size(), "mixed.tflite");
  EXPECT_TRUE(back.ok()) << back.status().message();
  return std::move(back).value();
}

std::vector<std::string> every_op(const Graph& g) {
  std::vector<std::string> all;
  for (size_t i = 0; i < g.ops.size(); ++i) all.push_back(std::to_string(i));
  return all;
}

TEST(MixedPrecision, EveryOpKeptWithFloatIoIsTheFloatModel) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  auto r = mixed(g, c, every_op(g), IoType::kFloat);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Graph q = round_trip(r->graph);
  ASSERT_EQ(q.ops.size(), g.ops.size());  // nothing to convert anywhere
  const int n = 16;
  data::Dataset d = make_dataset(8, 8, 1, n, 4);
  std::vector<int64_t> idx(n);
  for (int i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = i;
  runtime::InterpreterOptions io;
  io.batch = n;
  auto a = runtime::Interpreter::create(g, io);
  auto b = runtime::Interpreter::create(q, io);
  ASSERT_TRUE(a.ok() && b.ok()) << b.status().message();
  data::to_float(d, idx.data(), n, (*a)->input_f32(0));
  data::to_float(d, idx.data(), n, (*b)->input_f32(0));
  ASSERT_TRUE((*a)->invoke().ok());
  ASSERT_TRUE((*b)->invoke().ok());
  for (int k = 0; k < n * 3; ++k) EXPECT_EQ((*a)->output_f32(0)[k], (*b)->output_f32(0)[k]);
}

TEST(MixedPrecision, EveryOpKeptWithInt8IoIsTheFloatModelBetweenTheIoQuantizations) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  auto r = mixed(g, c, every_op(g), IoType::kInt8);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Graph q = round_trip(r->graph);
  // int8 input -> DEQUANTIZE -> float ops -> QUANTIZE -> int8 output.
  ASSERT_EQ(q.ops.size(), g.ops.size() + 2);
  EXPECT_EQ(q.ops.front().type, OpType::kDequantize);
  EXPECT_EQ(q.ops.back().type, OpType::kQuantize);
  const Tensor& in = q.tensors[static_cast<size_t>(q.inputs[0])];
  const Tensor& out = q.tensors[static_cast<size_t>(q.outputs[0])];
  ASSERT_EQ(in.type, DataType::kInt8);
  ASSERT_EQ(out.type, DataType::kInt8);

  const int n = 16;
  data::Dataset d = make_dataset(8, 8, 1, n, 4);
  std::vector<int64_t> idx(n);
  for (int i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = i;
  std::vector<float> x(static_cast<size_t>(n) * 64), x_io(x.size());
  data::to_float(d, idx.data(), n, x.data());
  // The int8 model input, and what the float model sees after that quantization.
  std::vector<int8_t> xq(x.size());
  const int32_t zp = static_cast<int32_t>(in.quant.zero_point[0]);
  kernels::qs8_quantize_f32_ref(x.data(), xq.data(), static_cast<long>(x.size()), in.quant.scale[0], zp);
  kernels::f32_dequantize_qs8_ref(xq.data(), x_io.data(), static_cast<long>(x.size()), in.quant.scale.data(), &zp, 1,
                                  static_cast<long>(x.size()));
  ASSERT_NE(x, x_io);  // the input quantization changes what the model sees
  runtime::InterpreterOptions io;
  io.batch = n;
  auto a = runtime::Interpreter::create(g, io);
  auto b = runtime::Interpreter::create(q, io);
  ASSERT_TRUE(a.ok() && b.ok()) << b.status().message();
  std::copy(x_io.begin(), x_io.end(), (*a)->input_f32(0));
  std::copy(xq.begin(), xq.end(), (*b)->input_i8(0));
  ASSERT_TRUE((*a)->invoke().ok());
  ASSERT_TRUE((*b)->invoke().ok());
  // The float model's output quantized as the int8 output is: the same int8 values.
  std::vector<int8_t> expected(static_cast<size_t>(n) * 3);
  kernels::qs8_quantize_f32_ref((*a)->output_f32(0), expected.data(), static_cast<long>(expected.size()),
                                out.quant.scale[0], static_cast<int32_t>(out.quant.zero_point[0]));
  for (size_t k = 0; k < expected.size(); ++k) EXPECT_EQ(expected[k], (*b)->output_i8(0)[k]) << k;
}

TEST(MixedPrecision, KeptOutputGetsAnInt8TwinForInt8Io) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  auto r = mixed(g, c, {"probabilities"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Tensor& out = r->graph.tensors[static_cast<size_t>(r->graph.outputs[0])];
  EXPECT_EQ(out.type, DataType::kInt8);
  EXPECT_EQ(out.name, "probabilities/quantize");
  EXPECT_EQ(out.quant.scale, std::vector<float>{1.0f / 256.0f});
  EXPECT_EQ(out.quant.zero_point, std::vector<int64_t>{-128});
  EXPECT_EQ(input_of(r->graph, producer(r->graph, "probabilities")).type, DataType::kFloat32);
}

TEST(MixedPrecision, PerChannelOpsOverridePerTensorWeights) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  QuantizeOptions o;
  o.per_channel = false;
  o.per_channel_ops = {"dense"};
  auto r = quantize_graph(g, &c, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Graph& q = r->graph;
  EXPECT_EQ(q.tensors[static_cast<size_t>(producer(q, "conv").inputs[1])].quant.scale.size(), 1u);
  EXPECT_EQ(q.tensors[static_cast<size_t>(producer(q, "dense").inputs[1])].quant.scale.size(), 3u);  // 3 classes
  EXPECT_EQ(q.tensors[static_cast<size_t>(producer(q, "dense").inputs[2])].quant.scale.size(), 3u);  // bias follows
  EXPECT_EQ(quantization_record(o, &c)["per_channel_ops"], nlohmann::json::array({"dense"}));
}

TEST(MixedPrecision, BadNamesAndModesAreRefused) {
  Graph g = make_small_cnn(1);
  CalibrationResult c = calibrated(g);
  auto unknown = mixed(g, c, {"nope"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'nope'"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("'dense'"), std::string::npos);  // lists the choices
  auto range = mixed(g, c, {"5"});
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.status().message().find("5 is out of range"), std::string::npos);
  QuantizeOptions o;
  o.mode = Mode::kDynamic;
  o.keep_float = {"dense"};
  auto dyn = quantize_graph(g, nullptr, o);
  ASSERT_FALSE(dyn.ok());
  EXPECT_NE(dyn.status().message().find("int8 and int16x8 modes only"), std::string::npos);
}

}  // namespace
}  // namespace octet::quant
