// Malformed .tflite input must always produce an error naming the file and the problem, never
// a crash or an out-of-bounds read (this test also runs under ASan/UBSan).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "tflite/reader.h"
#include "tflite/schema/octet_tflite_generated.h"
#include "tflite/validate.h"
#include "tflite/writer.h"
#include "tflite_test_util.h"

namespace octet::tflite {
namespace {

namespace tfl = ::tflite;
using runtime::Graph;

constexpr const char* kName = "model.tflite";

std::vector<uint8_t> small_file() {
  auto bytes = serialize_tflite(testing::small_int8_graph());
  OCTET_CHECK(bytes.ok());
  return std::move(bytes).value();
}

Result<Graph> parse(const std::vector<uint8_t>& b) { return parse_tflite(b.data(), b.size(), kName); }

// Expects an error whose message starts with the file name and contains `needle`.
void expect_error(const std::vector<uint8_t>& b, const std::string& needle) {
  auto r = parse(b);
  ASSERT_FALSE(r.ok()) << "expected an error containing '" << needle << "'";
  const std::string msg = r.status().message();
  EXPECT_EQ(msg.rfind(std::string(kName) + ": ", 0), 0u) << msg;
  EXPECT_NE(msg.find(needle), std::string::npos) << msg;
}

// Byte offset of `p` (a pointer into the file held by `b`).
size_t offset_of(const std::vector<uint8_t>& b, const void* p) {
  return static_cast<size_t>(static_cast<const uint8_t*>(p) - b.data());
}

template <typename T>
void poke(std::vector<uint8_t>& b, size_t off, T v) {
  ASSERT_LE(off + sizeof(T), b.size());
  std::memcpy(b.data() + off, &v, sizeof(T));
}

// Offset of a scalar field of a table inside the file (the field must be present).
size_t field_offset(const std::vector<uint8_t>& b, const void* table, flatbuffers::voffset_t vt) {
  const auto* t = reinterpret_cast<const flatbuffers::Table*>(table);
  const flatbuffers::voffset_t o = t->GetOptionalFieldOffset(vt);
  EXPECT_NE(o, 0) << "field not present";
  return offset_of(b, table) + o;
}

const tfl::Model* model_of(const std::vector<uint8_t>& b) { return tfl::GetModel(b.data()); }
const tfl::SubGraph* subgraph_of(const std::vector<uint8_t>& b) {
  return model_of(b)->subgraphs()->Get(0);
}

TEST(TfliteMalformed, ValidFileParses) {
  auto r = parse(small_file());
  ASSERT_TRUE(r.ok()) << r.status().message();
}

std::vector<uint8_t> kitchen_file() {
  auto bytes = serialize_tflite(testing::kitchen_sink_graph());
  OCTET_CHECK(bytes.ok());
  return std::move(bytes).value();
}

class TfliteMalformedFiles : public ::testing::TestWithParam<bool> {
 protected:
  std::vector<uint8_t> file() const { return GetParam() ? kitchen_file() : small_file(); }
};

INSTANTIATE_TEST_SUITE_P(SmallAndKitchenSink, TfliteMalformedFiles, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "KitchenSink" : "Small"; });

TEST_P(TfliteMalformedFiles, TruncatedAtEveryOffset) {
  const std::vector<uint8_t> full = file();
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> b(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = parse(b);
    EXPECT_FALSE(r.ok()) << "truncated to " << n << " of " << full.size() << " bytes parsed";
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().rfind(kName, 0), 0u);
    }
  }
}

TEST_P(TfliteMalformedFiles, RandomByteFlipsNeverCrash) {
  const std::vector<uint8_t> full = file();
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> pos(0, full.size() - 1);
  std::uniform_int_distribution<int> val(1, 255);
  int errors = 0, parsed = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    std::vector<uint8_t> b = full;
    const int flips = iter < 3000 ? 1 : 1 + iter % 8;
    for (int f = 0; f < flips; ++f) b[pos(rng)] ^= static_cast<uint8_t>(val(rng));
    auto r = parse(b);
    if (r.ok()) {
      ++parsed;  // e.g. a flipped weight byte: the graph must still be structurally valid
      EXPECT_TRUE(validate_graph(*r).ok());
    } else {
      ++errors;
      EXPECT_EQ(r.status().message().rfind(kName, 0), 0u) << r.status().message();
    }
  }
  EXPECT_GT(errors, 0);
  std::printf("byte flips (seed 12345): %d rejected, %d still valid\n", errors, parsed);
}

TEST_P(TfliteMalformedFiles, EveryByteSetToEveryBoundaryValue) {
  const std::vector<uint8_t> full = file();
  for (size_t i = 0; i < full.size(); ++i) {
    for (uint8_t v : {uint8_t{0x00}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::vector<uint8_t> b = full;
      b[i] = v;
      auto r = parse(b);
      if (r.ok()) {
        EXPECT_TRUE(validate_graph(*r).ok());
      }
    }
  }
}

TEST(TfliteMalformed, WrongIdentifier) {
  std::vector<uint8_t> b = small_file();
  std::memcpy(b.data() + 4, "TFL2", 4);
  expect_error(b, "identifier 'TFL2', expected 'TFL3'");
  std::vector<uint8_t> junk(64, 0xAB);
  expect_error(junk, "not a .tflite file");
}

TEST(TfliteMalformed, SchemaVersion2) {
  std::vector<uint8_t> b = small_file();
  poke<uint32_t>(b, field_offset(b, model_of(b), tfl::Model::VT_VERSION), 2);
  expect_error(b, "schema version 2, expected 3");
}

TEST(TfliteMalformed, SubgraphCountMustBeOne) {
  for (int n : {0, 2}) {
    flatbuffers::FlatBufferBuilder fbb;
    std::vector<flatbuffers::Offset<tfl::SubGraph>> sgs;
    for (int i = 0; i < n; ++i) sgs.push_back(tfl::CreateSubGraph(fbb));
    std::vector<flatbuffers::Offset<tfl::Buffer>> bufs{tfl::CreateBuffer(fbb)};
    auto model = tfl::CreateModel(fbb, 3, 0, fbb.CreateVector(sgs), 0, fbb.CreateVector(bufs));
    tfl::FinishModelBuffer(fbb, model);
    std::vector<uint8_t> b(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
    expect_error(b, std::to_string(n) + " subgraphs");
  }
}

TEST(TfliteMalformed, OperatorInputOutOfRange) {
  std::vector<uint8_t> b = small_file();
  const auto* inputs = subgraph_of(b)->operators()->Get(1)->inputs();
  poke<int32_t>(b, offset_of(b, inputs->data()) + 4, 999);
  expect_error(b, "operator 1 (CONV_2D): input 1 is tensor 999, out of range");
}

TEST(TfliteMalformed, AbsentInputOnlyWhereOptional) {
  std::vector<uint8_t> b = small_file();
  const auto* inputs = subgraph_of(b)->operators()->Get(1)->inputs();
  poke<int32_t>(b, offset_of(b, inputs->data()) + 8, -1);  // CONV_2D bias
  expect_error(b, "input 2 is absent (-1) but is not optional");
  b = small_file();
  inputs = subgraph_of(b)->operators()->Get(1)->inputs();
  poke<int32_t>(b, offset_of(b, inputs->data()), -2);
  expect_error(b, "out of range");
}

TEST(TfliteMalformed, GraphOutputOutOfRange) {
  std::vector<uint8_t> b = small_file();
  poke<int32_t>(b, offset_of(b, subgraph_of(b)->outputs()->data()), 12345);
  expect_error(b, "graph output 0 is tensor 12345, out of range");
}

TEST(TfliteMalformed, BufferIndexOutOfRange) {
  std::vector<uint8_t> b = small_file();
  const auto* w = subgraph_of(b)->tensors()->Get(2);  // constant "w"
  poke<uint32_t>(b, field_offset(b, w, tfl::Tensor::VT_BUFFER), 77);
  expect_error(b, "tensor 2 'w' uses buffer 77, out of range");
}

TEST(TfliteMalformed, BufferTooSmallForShape) {
  std::vector<uint8_t> b = small_file();
  const auto* shape = subgraph_of(b)->tensors()->Get(2)->shape();  // [2,3,3,1]
  poke<int32_t>(b, offset_of(b, shape->data()) + 4, 4);
  expect_error(b, "tensor 2 'w': buffer 1 has 18 bytes, shape and type need 24");
}

TEST(TfliteMalformed, NegativeAndHugeShapes) {
  std::vector<uint8_t> b = small_file();
  const auto* shape = subgraph_of(b)->tensors()->Get(0)->shape();
  poke<int32_t>(b, offset_of(b, shape->data()) + 4, -3);
  expect_error(b, "negative dimension");

  b = small_file();
  shape = subgraph_of(b)->tensors()->Get(0)->shape();
  for (int i = 0; i < 4; ++i) poke<int32_t>(b, offset_of(b, shape->data()) + 4 * i, 1 << 30);
  expect_error(b, "too large");
}

TEST(TfliteMalformed, ScaleAndZeroPointCountMismatch) {
  std::vector<uint8_t> b = small_file();
  const auto* q = subgraph_of(b)->tensors()->Get(2)->quantization();  // 2 per-channel scales
  poke<uint32_t>(b, offset_of(b, q->zero_point()) , 1);  // zero_point length 2 -> 1
  expect_error(b, "2 scales but 1 zero points");

  // Equal counts that match neither 1 nor the channel count: shorten all four vectors of the
  // kitchen-sink depthwise filter (8 channels along axis 3) to 5 entries.
  auto bytes = serialize_tflite(testing::kitchen_sink_graph());
  ASSERT_TRUE(bytes.ok());
  b = *bytes;
  const auto* tensors = subgraph_of(b)->tensors();
  uint32_t dw = 0;
  while (tensors->Get(dw)->name()->str() != "dw/filter") ++dw;
  q = tensors->Get(dw)->quantization();
  for (const void* v : {static_cast<const void*>(q->scale()), static_cast<const void*>(q->zero_point()),
                        static_cast<const void*>(q->min()), static_cast<const void*>(q->max())}) {
    poke<uint32_t>(b, offset_of(b, v), 5);
  }
  expect_error(b, "5 scales, expected 1 or 8");
}

TEST(TfliteMalformed, ZeroNegativeNanInfScales) {
  const float bad[] = {0.0f, -0.5f, std::numeric_limits<float>::quiet_NaN(),
                       std::numeric_limits<float>::infinity()};
  for (float v : bad) {
    std::vector<uint8_t> b = small_file();
    const auto* q = subgraph_of(b)->tensors()->Get(1)->quantization();
    poke<float>(b, offset_of(b, q->scale()->data()), v);
    expect_error(b, "tensor 1 'xq': quantization scale[0]");
  }
}

TEST(TfliteMalformed, MinMaxCountMismatch) {
  std::vector<uint8_t> b = small_file();
  const auto* q = subgraph_of(b)->tensors()->Get(2)->quantization();
  poke<uint32_t>(b, offset_of(b, q->min()), 1);  // min length 2 -> 1
  expect_error(b, "min has 1 entries but max has 2");
}

TEST(TfliteMalformed, QuantizedDimensionOutOfRange) {
  // The kitchen-sink depthwise filter is per-channel along axis 3 (stored, non-default).
  auto bytes = serialize_tflite(testing::kitchen_sink_graph());
  ASSERT_TRUE(bytes.ok());
  std::vector<uint8_t> b = *bytes;
  const auto* tensors = subgraph_of(b)->tensors();
  uint32_t dw = 0;
  while (tensors->Get(dw)->name()->str() != "dw/filter") ++dw;
  const auto* q = tensors->Get(dw)->quantization();
  poke<int32_t>(b, field_offset(b, q, tfl::QuantizationParameters::VT_QUANTIZED_DIMENSION), 4);
  expect_error(b, "quantized_dimension 4 is outside the tensor's rank 4");
  poke<int32_t>(b, field_offset(b, q, tfl::QuantizationParameters::VT_QUANTIZED_DIMENSION), 2);
  expect_error(b, "8 scales, expected 1 or 3");
}

TEST(TfliteMalformed, ZeroPointOutOfTypeRange) {
  std::vector<uint8_t> b = small_file();
  const auto* q = subgraph_of(b)->tensors()->Get(1)->quantization();
  poke<int64_t>(b, offset_of(b, q->zero_point()->data()), 300);
  expect_error(b, "zero_point[0] = 300 is out of range for int8");
}

TEST(TfliteMalformed, UnsupportedOperatorIsNamed) {
  std::vector<uint8_t> b = small_file();
  const auto* op = subgraph_of(b)->operators()->Get(2);  // RELU
  const auto* oc = model_of(b)->operator_codes()->Get(op->opcode_index());
  ASSERT_EQ(oc->builtin_code(), tfl::BuiltinOperator_RELU);
  poke<int32_t>(b, field_offset(b, oc, tfl::OperatorCode::VT_BUILTIN_CODE), 14);
  poke<int8_t>(b, field_offset(b, oc, tfl::OperatorCode::VT_DEPRECATED_BUILTIN_CODE), 14);
  auto r = parse(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "model.tflite: operator 2 uses LOGISTIC, which octet does not support");

  // A code octet's schema does not name, and one only in deprecated_builtin_code.
  poke<int32_t>(b, field_offset(b, oc, tfl::OperatorCode::VT_BUILTIN_CODE), 200);
  expect_error(b, "operator 2 uses builtin operator 200, which octet does not support");
  poke<int32_t>(b, field_offset(b, oc, tfl::OperatorCode::VT_BUILTIN_CODE), 0);
  poke<int8_t>(b, field_offset(b, oc, tfl::OperatorCode::VT_DEPRECATED_BUILTIN_CODE), 28);
  expect_error(b, "operator 2 uses TANH");
}

TEST(TfliteMalformed, DeprecatedBuiltinCodeAloneIsRead) {
  // Files from before schema v3a only have deprecated_builtin_code: max(code, deprecated).
  std::vector<uint8_t> b = small_file();
  const auto* op = subgraph_of(b)->operators()->Get(2);
  const auto* oc = model_of(b)->operator_codes()->Get(op->opcode_index());
  poke<int32_t>(b, field_offset(b, oc, tfl::OperatorCode::VT_BUILTIN_CODE), 0);
  auto r = parse(b);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->ops[2].type, runtime::OpType::kRelu);
}

TEST(TfliteMalformed, UnsupportedTensorTypeIsNamed) {
  std::vector<uint8_t> b = small_file();
  const auto* t = subgraph_of(b)->tensors()->Get(1);  // int8
  poke<int8_t>(b, field_offset(b, t, tfl::Tensor::VT_TYPE), tfl::TensorType_STRING);
  expect_error(b, "tensor 1 'xq' has type STRING, which octet does not support");
}

TEST(TfliteMalformed, BadOptions) {
  // CONV_2D options of the small graph: padding SAME (0, not stored), strides 1.
  std::vector<uint8_t> b = small_file();
  const auto* conv = subgraph_of(b)->operators()->Get(1)->builtin_options_as_Conv2DOptions();
  ASSERT_NE(conv, nullptr);
  poke<int32_t>(b, field_offset(b, conv, tfl::Conv2DOptions::VT_STRIDE_W), 0);
  expect_error(b, "operator 1 (CONV_2D): stride_w is 0, must be >= 1");

  b = small_file();
  const auto* fc = subgraph_of(b)->operators()->Get(3)->builtin_options_as_FullyConnectedOptions();
  ASSERT_NE(fc, nullptr);
  poke<int8_t>(b, field_offset(b, fc, tfl::FullyConnectedOptions::VT_FUSED_ACTIVATION_FUNCTION),
               tfl::ActivationFunctionType_TANH);
  expect_error(b, "operator 3 (FULLY_CONNECTED): fused activation TANH, which octet does not support");

  b = small_file();
  const auto* op = subgraph_of(b)->operators()->Get(1);
  poke<uint8_t>(b, field_offset(b, op, tfl::Operator::VT_BUILTIN_OPTIONS_TYPE),
                tfl::BuiltinOptions_SoftmaxOptions);
  expect_error(b, "has builtin options SoftmaxOptions, expected Conv2DOptions");
}

TEST(TfliteMalformed, OpcodeIndexOutOfRange) {
  std::vector<uint8_t> b = small_file();
  const auto* op = subgraph_of(b)->operators()->Get(1);
  poke<uint32_t>(b, field_offset(b, op, tfl::Operator::VT_OPCODE_INDEX), 50);
  expect_error(b, "operator 1 uses operator code 50, out of range");
}

TEST(TfliteMalformed, UnalignedInputIsCopiedNotMisread) {
  const std::vector<uint8_t> full = small_file();
  std::vector<uint8_t> shifted(full.size() + 1);
  std::memcpy(shifted.data() + 1, full.data(), full.size());
  auto r = parse_tflite(shifted.data() + 1, full.size(), kName);
  ASSERT_TRUE(r.ok()) << r.status().message();
}

// Large-model layout: constant data after the flatbuffer, referenced by Buffer.offset/size.
std::vector<uint8_t> offset_buffer_file(uint64_t offset_shift, uint64_t size_override) {
  const std::vector<float> w = {1.5f, -2.0f};
  auto build = [&](uint64_t offset) {
    flatbuffers::FlatBufferBuilder fbb;
    std::vector<flatbuffers::Offset<tfl::Buffer>> bufs{
        tfl::CreateBuffer(fbb),
        tfl::CreateBuffer(fbb, 0, offset, size_override ? size_override : sizeof(float) * 2)};
    std::vector<int32_t> shape{2};
    std::vector<flatbuffers::Offset<tfl::Tensor>> tensors{
        tfl::CreateTensorDirect(fbb, &shape, tfl::TensorType_FLOAT32, 0, "in"),
        tfl::CreateTensorDirect(fbb, &shape, tfl::TensorType_FLOAT32, 1, "w"),
        tfl::CreateTensorDirect(fbb, &shape, tfl::TensorType_FLOAT32, 0, "out")};
    std::vector<int32_t> op_in{0, 1}, op_out{2}, g_in{0}, g_out{2};
    std::vector<flatbuffers::Offset<tfl::Operator>> ops{tfl::CreateOperatorDirect(
        fbb, 0, &op_in, &op_out, tfl::BuiltinOptions_AddOptions, tfl::CreateAddOptions(fbb).Union())};
    std::vector<flatbuffers::Offset<tfl::SubGraph>> sgs{
        tfl::CreateSubGraphDirect(fbb, &tensors, &g_in, &g_out, &ops, "main")};
    std::vector<flatbuffers::Offset<tfl::OperatorCode>> codes{tfl::CreateOperatorCode(fbb, 0, 0, 1, tfl::BuiltinOperator_ADD)};
    tfl::FinishModelBuffer(fbb, tfl::CreateModelDirect(fbb, 3, &codes, &sgs, "ext", &bufs));
    return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  };
  // The layout does not depend on the offset's value (> 1 is always stored): build twice.
  const size_t fb_size = build(2).size();
  std::vector<uint8_t> file = build(fb_size + offset_shift);
  const std::vector<uint8_t> data = testing::as_bytes(w);
  file.insert(file.end(), data.begin(), data.end());
  return file;
}

TEST(TfliteMalformed, BufferDataAfterTheFlatbufferIsRead) {
  auto r = parse(offset_buffer_file(0, 0));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->tensors[1].is_constant);
  EXPECT_EQ(r->tensors[1].data, testing::as_bytes(std::vector<float>{1.5f, -2.0f}));

  expect_error(offset_buffer_file(4, 0), "beyond the end of the file");
  expect_error(offset_buffer_file(0, ~uint64_t{0} - 3), "beyond the end of the file");
}

}  // namespace
}  // namespace octet::tflite
