// import_graph is export_graph's inverse: a model exported, imported and exported again computes
// the same outputs; graphs octet cannot train are refused, naming the file and the operator.
#include <gtest/gtest.h>

#include <memory>

#include "core/rng.h"
#include "nn/export.h"
#include "nn/import.h"
#include "runtime/interpreter.h"

namespace octet::nn {
namespace {

using nlohmann::json;

// Runs a float graph on `batch` inputs and returns the outputs.
std::vector<float> run_graph(const runtime::Graph& g, const std::vector<float>& input, int batch) {
  runtime::InterpreterOptions io;
  io.batch = batch;
  io.kernels = runtime::KernelChoice::kReference;
  auto interp = runtime::Interpreter::create(g, io);
  EXPECT_TRUE(interp.ok()) << interp.status().message();
  if (!interp.ok()) return {};
  std::copy(input.begin(), input.end(), (*interp)->input_f32(0));
  EXPECT_TRUE((*interp)->invoke().ok());
  const float* out = (*interp)->output_f32(0);
  return std::vector<float>(out, out + (*interp)->output_bytes(0) / sizeof(float));
}

Model built(const json& spec, uint64_t seed) {
  auto m = Model::from_spec(spec, "test spec");
  EXPECT_TRUE(m.ok()) << m.status().message();
  EXPECT_TRUE(m->build(seed).ok());
  // Non-zero biases, so a lost or misplaced bias shows in the outputs.
  Rng rng(seed + 1);
  for (Param* p : m->params())
    if (p->name == "bias")
      for (float& b : p->value.data) b = rng.uniform() - 0.5f;
  return std::move(*m);
}

void expect_round_trip(const json& spec, int batch) {
  Model original = built(spec, 7);
  auto g1 = export_graph(original, json::object());
  ASSERT_TRUE(g1.ok()) << g1.status().message();
  auto imported = import_graph(*g1, "/models/small.tflite");
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ(imported->name(), original.name());  // from the stored spec
  auto g2 = export_graph(*imported, json::object());
  ASSERT_TRUE(g2.ok()) << g2.status().message();
  ASSERT_EQ(g1->ops.size(), g2->ops.size());
  for (size_t k = 0; k < g1->ops.size(); ++k) {
    EXPECT_EQ(g1->ops[k].type, g2->ops[k].type) << "op " << k;
    EXPECT_EQ(g1->ops[k].options.activation, g2->ops[k].options.activation) << "op " << k;
  }
  Rng rng(3);
  std::vector<float> x(static_cast<size_t>(batch * num_elements(original.input_shape())));
  for (float& v : x) v = rng.uniform();
  std::vector<float> y1 = run_graph(*g1, x, batch), y2 = run_graph(*g2, x, batch);
  ASSERT_FALSE(y1.empty());
  EXPECT_EQ(y1, y2);  // identical weights and ops: identical bits
}

TEST(Import, ConvDepthwisePoolsMeanRoundTrip) {
  expect_round_trip(json::parse(R"({"name": "small_cnn", "input": [12, 12, 3], "layers": [
      {"type": "conv2d", "filters": 6, "kernel": 3, "padding": "same", "activation": "relu6"},
      {"type": "depthwise_conv2d", "kernel": 3, "strides": 2, "depth_multiplier": 2, "activation": "relu"},
      {"type": "avg_pool2d", "pool": 2, "strides": 1},
      {"type": "relu"},
      {"type": "conv2d", "filters": 5, "kernel": [1, 2], "padding": "valid"},
      {"type": "max_pool2d", "pool": 2, "padding": "same"},
      {"type": "global_avg_pool2d"},
      {"type": "dense", "units": 4}]})"),
                    3);
}

TEST(Import, BatchNormFoldedAndDropoutDropped) {
  // BatchNorm is folded on export, so the imported model has none and the same outputs.
  json spec = json::parse(R"({"name": "bn_net", "input": [8, 8, 1], "layers": [
      {"type": "conv2d", "filters": 4, "kernel": 3, "use_bias": false}, {"type": "batch_norm"}, {"type": "relu"},
      {"type": "max_pool2d", "pool": 2}, {"type": "flatten"}, {"type": "dropout", "rate": 0.3},
      {"type": "dense", "units": 8, "activation": "relu"}, {"type": "dense", "units": 3}]})");
  expect_round_trip(spec, 2);
  Model original = built(spec, 7);
  auto g = export_graph(original, json::object());
  ASSERT_TRUE(g.ok());
  auto imported = import_graph(*g, "m.tflite");
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  for (int i = 0; i < imported->num_layers(); ++i) {
    EXPECT_NE(imported->layer(i).kind(), "batch_norm");
    EXPECT_NE(imported->layer(i).kind(), "dropout");
  }
}

TEST(Import, RefusesOtherGraphsNamingFileAndOperator) {
  Model m = built(json::parse(R"({"name": "fc", "input": [4], "layers": [{"type": "dense", "units": 3}]})"), 1);
  auto g = export_graph(m, json::object());
  ASSERT_TRUE(g.ok());

  runtime::Graph with_add = *g;  // ADD after the dense layer
  runtime::Op add;
  add.type = runtime::OpType::kAdd;
  const int32_t logits = with_add.ops[0].outputs[0];
  runtime::Tensor t = with_add.tensors[static_cast<size_t>(logits)];
  t.name = "sum";
  const int32_t sum = with_add.add_tensor(t);
  add.inputs = {logits, logits};
  add.outputs = {sum};
  with_add.ops.insert(with_add.ops.begin() + 1, add);
  with_add.ops[2].inputs[0] = sum;
  auto r = import_graph(with_add, "dir/net.tflite");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("dir/net.tflite"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("operator 1 (ADD)"), std::string::npos) << r.status().message();

  runtime::Graph no_softmax = *g;
  no_softmax.ops.pop_back();
  no_softmax.outputs = {no_softmax.ops.back().outputs[0]};
  r = import_graph(no_softmax, "x.tflite");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("SOFTMAX"), std::string::npos) << r.status().message();

  runtime::Graph int8 = *g;
  int8.tensors[static_cast<size_t>(int8.inputs[0])].type = runtime::DataType::kInt8;
  r = import_graph(int8, "q.tflite");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("float32"), std::string::npos) << r.status().message();
}

TEST(Import, ATrainingRecordNestedTooDeeplyIsIgnored) {
  // Copying or comparing a deeply nested JSON value recurses once per level: a hostile record of
  // 200,000 '[' must not overflow the stack; the model is imported under its file name instead.
  Model m = built(json::parse(R"({"name": "fc", "input": [4], "layers": [{"type": "dense", "units": 3}]})"), 1);
  auto g = export_graph(m, json::object());
  ASSERT_TRUE(g.ok());
  for (auto& md : g->metadata) {
    if (md.name != kTrainingMetadataName) continue;
    const std::string deep = "{\"spec\": {\"name\": \"evil\"}, \"x\": " + std::string(200000, '[') +
                             std::string(200000, ']') + "}";
    md.data.assign(deep.begin(), deep.end());
  }
  auto imported = import_graph(*g, "/models/deep.tflite");
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ(imported->name(), "deep");
}

}  // namespace
}  // namespace octet::nn
