// describe_tflite / describe_tflite_json: the numbers a user reads off `octet inspect`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tflite/inspect.h"
#include "tflite/reader.h"
#include "tflite/writer.h"
#include "tflite_test_util.h"

namespace octet::tflite {
namespace {

TEST(TfliteInspect, ByteBreakdownAddsUpToTheFileSize) {
  const runtime::Graph g = testing::small_int8_graph();
  auto bytes = serialize_tflite(g);
  ASSERT_TRUE(bytes.ok());
  const ByteBreakdown b = byte_breakdown(g, bytes->size());
  EXPECT_EQ(b.int8_weights, 2u * 9 + 3u * 32);  // conv filter + fc weights
  EXPECT_EQ(b.int32_biases, 2u * 4);
  EXPECT_EQ(b.float32_weights, 0u);
  EXPECT_EQ(b.float16_weights, 0u);
  EXPECT_EQ(b.other_constants, 0u);
  // Scales 4 B, zero points 8 B, min/max 4 B each, every distinct vector once (the writer shares
  // equal vectors): scales xq, w (2), b (2), c (= r's), fw, fo, s; zero points [-128] (xq, c, r, s),
  // [0,0] (w, b), [0] (fw), [3] (fo); w's min and max (2 + 2).
  EXPECT_EQ(b.quant_params, 4u * 9 + 8u * 5 + 4u * 4);
  // Counted from the file's own vectors: the same, since the writer stored each of them once.
  EXPECT_EQ(byte_breakdown(g, bytes->size(), bytes->data()).quant_params, b.quant_params);
  // T7: the per-channel params TFLite reads (w and b: 2 scales + 2 zero points each, not shared).
  EXPECT_EQ(b.per_channel_required, 2u * (2 * 4 + 2 * 8));
  EXPECT_EQ(b.t7_rest, bytes->size() - b.int8_weights - b.int32_biases - b.per_channel_required);
  EXPECT_EQ(b.float32_weights + b.int8_weights + b.int32_biases + b.float16_weights +
                b.quant_params + b.other_constants + b.metadata + b.flatbuffer_overhead,
            bytes->size());
  EXPECT_EQ(parameter_count(g), 2 * 9 + 2 + 3 * 32);
}

TEST(TfliteInspect, KitchenSinkClassifiesEveryConstant) {
  const runtime::Graph g = testing::kitchen_sink_graph();
  const ByteBreakdown b = byte_breakdown(g, 100000);
  EXPECT_EQ(b.int32_biases, 16u);                 // conv/bias
  EXPECT_EQ(b.float16_weights, 10u);              // fp16/const
  EXPECT_EQ(b.float32_weights, 12u + 24u + 0u);   // hybrid/bias, nobias/weights, empty
  EXPECT_EQ(b.other_constants, 8u + 8u + 3u + 8u + 16u);  // axes, shape, u8, i16, i64
  EXPECT_EQ(b.metadata, 5u + 37u);
  // Shape/axis operands are not parameters.
  EXPECT_EQ(parameter_count(g), 108 + 4 + 72 + 40 + 5 + 15 + 3 + 6 + 3 + 4 + 2 + 0);
}

TEST(TfliteInspect, TextNamesOpsTensorsAndAffineMaps) {
  const runtime::Graph g = testing::small_int8_graph();
  auto bytes = serialize_tflite(g);
  ASSERT_TRUE(bytes.ok());
  auto back = parse_tflite(bytes->data(), bytes->size(), "small.tflite");
  ASSERT_TRUE(back.ok());
  const std::string text = describe_tflite(*back, bytes->size());
  std::printf("%s", text.c_str());
  for (const char* needle :
       {"CONV_2D", "FULLY_CONNECTED", "SOFTMAX", "[1,4,4,1]", "[2,3,3,1]c", "kernel 3x3 stride 1x1 SAME",
        "per-channel axis 0 x2", "S=0.00392157 Z=-128", "int8 weights", "flatbuffer overhead",
        "real = 0.00392157 * (q - (-128))", "q = round(p / 255 / 0.00392157) + (-128)",
        "parameters:  116", "no-bias", "RELU", "the 116 parameters take 464 bytes as float32", "(ideal 4.00x)"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle;
  }
  // Columns are aligned: every line of the operator table has its "op" column at one offset.
  const size_t table = text.find("Operators");
  ASSERT_NE(table, std::string::npos);
  const size_t header = text.find('\n', table) + 1;
  const size_t col = text.find("op", header) - header;
  size_t line = text.find('\n', header) + 1;
  for (int i = 0; i < 6; ++i) {
    EXPECT_NE(text[line + col], ' ') << "row " << i;
    EXPECT_EQ(text[line + col - 1], ' ') << "row " << i;
    line = text.find('\n', line) + 1;
  }
}

TEST(TfliteInspect, JsonHasTheSameNumbers) {
  const runtime::Graph g = testing::small_int8_graph();
  auto bytes = serialize_tflite(g);
  ASSERT_TRUE(bytes.ok());
  const nlohmann::json j = describe_tflite_json(g, bytes->size());
  EXPECT_EQ(j["parameters"].get<int64_t>(), parameter_count(g));
  EXPECT_EQ(j["operators"].size(), g.ops.size());
  EXPECT_EQ(j["tensors"].size(), g.tensors.size());
  EXPECT_EQ(j["operators"][1]["type"], "CONV_2D");
  EXPECT_EQ(j["bytes"]["file"].get<size_t>(), bytes->size());
  EXPECT_EQ(j["inputs"][0]["name"], "x");
  EXPECT_EQ(j["inputs"][0]["quantized_tensor"], "xq");
  EXPECT_EQ(j["inputs"][0]["zero_point"], -128);
  EXPECT_EQ(j["tensors"][2]["quantization"]["scale"].size(), 2u);
}

}  // namespace
}  // namespace octet::tflite
