// Graph -> .tflite bytes -> Graph must reproduce every field; the file must follow the layout
// conventions TFLite relies on (quantization.md §7.4, §7.7).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "tflite/op_codes.h"
#include "tflite/reader.h"
#include "tflite/schema/octet_tflite_generated.h"
#include "tflite/validate.h"
#include "tflite/writer.h"
#include "tflite_test_util.h"

namespace octet::tflite {
namespace {

using runtime::DataType;
using runtime::Graph;
using runtime::OpType;
using testing::expect_graph_eq;
using testing::kitchen_sink_graph;

Graph with_written_versions(Graph g) {
  for (auto& op : g.ops) op.version = written_op_version(g, op);
  return g;
}

TEST(TfliteRoundTrip, KitchenSinkGraphSurvivesFieldByField) {
  const Graph g = kitchen_sink_graph();
  ASSERT_TRUE(validate_graph(g).ok()) << validate_graph(g).message();
  auto bytes = serialize_tflite(g);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  auto back = parse_tflite(bytes->data(), bytes->size(), "kitchen.tflite");
  ASSERT_TRUE(back.ok()) << back.status().message();
  expect_graph_eq(with_written_versions(g), *back);

  // Writing the parsed graph again gives the same bytes.
  auto again = serialize_tflite(*back);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*bytes, *again);
}

TEST(TfliteRoundTrip, EveryOpTypeIsCovered) {
  const Graph g = kitchen_sink_graph();
  std::map<OpType, int> seen;
  for (const auto& op : g.ops) seen[op.type]++;
  for (OpType t : {OpType::kAdd, OpType::kAveragePool2D, OpType::kConv2D, OpType::kDepthwiseConv2D,
                   OpType::kDequantize, OpType::kFullyConnected, OpType::kMaxPool2D, OpType::kRelu,
                   OpType::kRelu6, OpType::kReshape, OpType::kSoftmax, OpType::kMean,
                   OpType::kQuantize}) {
    EXPECT_GT(seen[t], 0) << op_type_name(t);
  }
}

TEST(TfliteRoundTrip, OpVersionsFollowTheConverter) {
  const Graph g = kitchen_sink_graph();
  std::vector<int32_t> v;
  for (const auto& op : g.ops) v.push_back(written_op_version(g, op));
  // QUANTIZE f32->i8, CONV i8, DW i8, MAXPOOL i8, AVGPOOL i8, RELU i8, RELU6 i8, ADD i8, MEAN i8,
  // RESHAPE x2, FC i8 keep_num_dims, SOFTMAX i8, DEQUANTIZE i8, DEQUANTIZE f16,
  // FC hybrid per-channel, FC without bias input.
  EXPECT_EQ(v, (std::vector<int32_t>{1, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 5, 2, 2, 3, 12, 6}));

  Graph f = kitchen_sink_graph();
  f.ops[1].version = 7;  // an explicit higher version is kept
  EXPECT_EQ(written_op_version(f, f.ops[1]), 7);
}

TEST(TfliteRoundTrip, FloatAndHybridVersions) {
  Graph g;
  using testing::make_const;
  using testing::make_tensor;
  const int32_t in = g.add_tensor(make_tensor("in", DataType::kFloat32, {1, 4, 4, 2}));
  const int32_t w = g.add_tensor(make_const("w", DataType::kFloat32, {3, 3, 3, 2}, 1));
  runtime::Tensor wq = make_const("wq", DataType::kInt8, {3, 3, 3, 2}, 2);
  wq.quant = testing::per_tensor(0.1f, 0);
  const int32_t w8 = g.add_tensor(wq);
  wq.quant = testing::per_channel(3, 0, 0.1f);
  const int32_t w8c = g.add_tensor(wq);
  const int32_t b = g.add_tensor(make_const("b", DataType::kFloat32, {3}, 3));
  const int32_t out = g.add_tensor(make_tensor("out", DataType::kFloat32, {1, 4, 4, 3}));
  const int32_t wg = g.add_tensor(make_const("wg", DataType::kFloat32, {4, 3, 3, 1}, 4));
  const int32_t outg = g.add_tensor(make_tensor("outg", DataType::kFloat32, {1, 4, 4, 4}));
  g.ops.push_back(testing::make_op(OpType::kConv2D, {in, w, b}, out));
  g.ops.push_back(testing::make_op(OpType::kConv2D, {in, w8, b}, out));
  g.ops.push_back(testing::make_op(OpType::kConv2D, {in, w8c, b}, out));
  g.ops.push_back(testing::make_op(OpType::kConv2D, {in, wg, b}, outg));
  EXPECT_EQ(required_op_version(g, g.ops[0]), 1);
  EXPECT_EQ(required_op_version(g, g.ops[1]), 2);
  EXPECT_EQ(required_op_version(g, g.ops[2]), 5);
  EXPECT_EQ(required_op_version(g, g.ops[3]), 6);  // grouped: 2 input channels, filter has 1
}

TEST(TfliteRoundTrip, FileLayoutConventions) {
  const Graph g = kitchen_sink_graph();
  auto bytes = serialize_tflite(g);
  ASSERT_TRUE(bytes.ok());
  const uint8_t* base = bytes->data();
  ASSERT_TRUE(::tflite::ModelBufferHasIdentifier(base));
  const ::tflite::Model* m = ::tflite::GetModel(base);
  EXPECT_EQ(m->version(), 3u);
  ASSERT_NE(m->buffers(), nullptr);
  // Buffer 0 is the empty sentinel; activations point at it.
  const ::tflite::Buffer* b0 = m->buffers()->Get(0);
  EXPECT_TRUE(b0->data() == nullptr || b0->data()->size() == 0);
  const auto* tensors = m->subgraphs()->Get(0)->tensors();
  size_t constants = 0;
  for (uint32_t i = 0; i < tensors->size(); ++i) {
    const bool is_const = g.tensors[i].is_constant;
    constants += is_const;
    if (!is_const) {
      EXPECT_EQ(tensors->Get(i)->buffer(), 0u) << i;
      continue;
    }
    const uint32_t bi = tensors->Get(i)->buffer();
    ASSERT_LT(bi, m->buffers()->size());
    const auto* data = m->buffers()->Get(bi)->data();
    ASSERT_NE(data, nullptr);
    if (data->size() == 0) continue;  // nothing to align
    EXPECT_EQ(static_cast<size_t>(data->data() - base) % 16, 0u) << "tensor " << i;
  }
  // One buffer per constant and per metadata entry, plus the sentinel.
  EXPECT_EQ(m->buffers()->size(), 1 + constants + g.metadata.size());
  EXPECT_EQ(bytes->size() % 16, 0u);

  // Operator codes: deprecated_builtin_code = min(code, 127), builtin_code = code.
  for (uint32_t i = 0; i < m->operator_codes()->size(); ++i) {
    const auto* oc = m->operator_codes()->Get(i);
    const int32_t code = oc->builtin_code();
    EXPECT_EQ(oc->deprecated_builtin_code(), std::min(code, 127));
    EXPECT_GE(oc->version(), 1);
  }

  // Options: SOFTMAX carries beta, RESHAPE with a shape input has no options, QUANTIZE and
  // DEQUANTIZE have none, CONV has Conv2DOptions.
  const auto* ops = m->subgraphs()->Get(0)->operators();
  for (uint32_t k = 0; k < ops->size(); ++k) {
    const auto* op = ops->Get(k);
    const OpType type = g.ops[k].type;
    const auto options = op->builtin_options_type();
    switch (type) {
      case OpType::kSoftmax:
        ASSERT_EQ(options, ::tflite::BuiltinOptions_SoftmaxOptions);
        EXPECT_EQ(op->builtin_options_as_SoftmaxOptions()->beta(), 0.75f);
        break;
      case OpType::kReshape:
        EXPECT_EQ(options, g.ops[k].options.new_shape.empty() ? ::tflite::BuiltinOptions_NONE
                                                              : ::tflite::BuiltinOptions_ReshapeOptions);
        break;
      case OpType::kQuantize:
      case OpType::kDequantize:
      case OpType::kRelu:
      case OpType::kRelu6:
        EXPECT_EQ(options, ::tflite::BuiltinOptions_NONE);
        break;
      case OpType::kConv2D:
        EXPECT_EQ(options, ::tflite::BuiltinOptions_Conv2DOptions);
        break;
      default:
        EXPECT_NE(options, ::tflite::BuiltinOptions_NONE);
        break;
    }
  }
}

TEST(TfliteRoundTrip, SoftmaxBetaZeroIsStillWritten) {
  Graph g = testing::small_int8_graph();
  for (auto& op : g.ops) {
    if (op.type == OpType::kSoftmax) op.options.beta = 0.0f;
  }
  auto bytes = serialize_tflite(g);
  ASSERT_TRUE(bytes.ok());
  const auto* ops = ::tflite::GetModel(bytes->data())->subgraphs()->Get(0)->operators();
  const auto* sm = ops->Get(4)->builtin_options_as_SoftmaxOptions();
  ASSERT_NE(sm, nullptr);
  EXPECT_NE(reinterpret_cast<const flatbuffers::Table*>(sm)->GetOptionalFieldOffset(
                ::tflite::SoftmaxOptions::VT_BETA),
            0);
}

TEST(TfliteRoundTrip, SaveAndLoadFile) {
  const Graph g = testing::small_int8_graph();
  const std::string path = (std::filesystem::path(::testing::TempDir()) / "octet_small.tflite").string();
  ASSERT_TRUE(save_tflite(g, path).ok());
  auto back = load_tflite(path);
  ASSERT_TRUE(back.ok()) << back.status().message();
  expect_graph_eq(with_written_versions(g), *back);
  std::remove(path.c_str());

  auto missing = load_tflite(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(path), std::string::npos) << missing.status().message();
}

TEST(TfliteWriter, RefusesInvalidGraphs) {
  Graph g = testing::small_int8_graph();
  g.ops[1].inputs[1] = 99;
  auto bytes = serialize_tflite(g);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("cannot write .tflite"), std::string::npos);
  EXPECT_NE(bytes.status().message().find("out of range"), std::string::npos) << bytes.status().message();

  g = testing::small_int8_graph();
  g.tensors[2].data.pop_back();  // constant data shorter than its shape
  EXPECT_FALSE(serialize_tflite(g).ok());

  g = testing::small_int8_graph();
  g.tensors[2].quant.scale[1] = 0.0f;
  EXPECT_FALSE(serialize_tflite(g).ok());

  g = testing::small_int8_graph();
  g.ops[2].options.activation = runtime::Activation::kRelu;  // RELU has no fused activation
  EXPECT_FALSE(serialize_tflite(g).ok());

  g = testing::small_int8_graph();
  g.ops[1].inputs[2] = -1;  // CONV_2D requires its bias
  EXPECT_FALSE(serialize_tflite(g).ok());

  g = testing::small_int8_graph();
  g.ops[1].options.stride_w = 0;
  EXPECT_FALSE(serialize_tflite(g).ok());

  const std::string bad_path = "/nonexistent-dir/x.tflite";
  Status s = save_tflite(testing::small_int8_graph(), bad_path);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(bad_path), std::string::npos) << s.message();
}

}  // namespace
}  // namespace octet::tflite
