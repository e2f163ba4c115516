// Hand-computed cases for the int16x8 ops (TFLite's 16x8 reference kernels, qs16_ref.h): int64
// accumulators, the 16-bit-reduced multiplier of the int64 MultiplyByQuantizedMultiplier, int16
// clamps, and the prepare-time errors of invalid int16 graphs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "qs8_test_util.h"
#include "runtime/kernels/reference/qs16_ref.h"

namespace octet::runtime {
namespace {

using namespace testing;  // NOLINT

std::vector<int16_t> run_i16(Interpreter& interp, const std::vector<int16_t>& input) {
  std::memcpy(interp.input_data(0), input.data(), input.size() * sizeof(int16_t));
  EXPECT_TRUE(interp.invoke().ok());
  const int16_t* out = static_cast<const int16_t*>(interp.output_data(0));
  return std::vector<int16_t>(out, out + interp.output_bytes(0) / sizeof(int16_t));
}

int32_t i16_input(GraphBuilder& b, std::vector<int32_t> shape, float scale) {
  int32_t t = b.input(std::move(shape), DataType::kInt16);
  set_quant(b.g, t, scale, 0);
  return t;
}

int32_t i64(GraphBuilder& b, std::vector<int32_t> shape, const std::vector<int64_t>& v) {
  return b.constant(std::move(shape), v, DataType::kInt64);
}

TEST(Qs16Requant, Int64MultiplierIsReducedTo16BitsAndRoundsHalfUp) {
  using kernels::multiply_by_quantized_multiplier_int64;
  // M = 0.5 = (2^30, 0): reduced to 2^14; 1.5 -> 2 and -1.5 -> -1 (ties toward +inf).
  EXPECT_EQ(multiply_by_quantized_multiplier_int64(3, {1 << 30, 0}), 2);
  EXPECT_EQ(multiply_by_quantized_multiplier_int64(-3, {1 << 30, 0}), -1);
  // M = 1/sqrt(2) = 1518500250 * 2^-31: reduced to (M + 2^15) >> 16 = 23170, so 2^20 * M gives
  // 23170 * 32 = 741440, not the exact 741455.
  EXPECT_EQ(multiply_by_quantized_multiplier_int64(int64_t{1} << 20, {1518500250, 0}), 741440);
  // Multipliers at or above 0x7FFF0000 become 0x7FFF: 32768 * 32767 / 32768 = 32767.
  EXPECT_EQ(multiply_by_quantized_multiplier_int64(32768, {2147483647, 0}), 32767);
  // Accumulators beyond int32 (int64 path): 2^40 * 2^-20 (M = 0.5, shift -19).
  EXPECT_EQ(multiply_by_quantized_multiplier_int64(int64_t{1} << 40, {1 << 30, -19}), 1 << 20);
}

TEST(Qs16Conv2D, PerChannelInt64BiasSaturationAndRelu) {
  GraphBuilder b;
  int32_t in = i16_input(b, {1, 1, 1, 2}, 1.0f);
  int32_t w = i8(b, {2, 1, 1, 2}, {1, 2, 3, -1});
  set_quant(b.g, w, {0.5f, 0.25f}, {0, 0}, 0);
  int32_t bias = i64(b, {2}, {10, 100000});
  OpOptions o;
  o.activation = Activation::kRelu;
  int32_t out = b.op(OpType::kConv2D, {in, w, bias}, o, DataType::kInt16);
  set_quant(b.g, out, 1.0f, 0);
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  EXPECT_STREQ(interp->op_kernel_name(0), "qs16_conv2d_ref");
  // ch0: 1000 - 600 + 10 = 410 -> * 0.5 = 205; ch1: 3000 + 300 + 100000 = 103300 -> * 0.25 = 25825.
  EXPECT_EQ(run_i16(*interp, {1000, -300}), (std::vector<int16_t>{205, 25825}));
  // ch0: 3 * 32767 + 10 -> 49155.5 and ch1: 2 * 32767 + 100000 -> 40883.5 both saturate.
  EXPECT_EQ(run_i16(*interp, {32767, 32767}), (std::vector<int16_t>{32767, 32767}));
  // ch0: -990 -> -495 -> RELU 0; ch1: 97000 -> 24250.
  EXPECT_EQ(run_i16(*interp, {-1000, 0}), (std::vector<int16_t>{0, 24250}));
}

TEST(Qs16DepthwiseConv2D, DepthMultiplierTwo) {
  GraphBuilder b;
  int32_t in = i16_input(b, {1, 1, 1, 2}, 1.0f);
  int32_t w = i8(b, {1, 1, 1, 4}, {1, 2, 3, 4});
  set_quant(b.g, w, 1.0f, 0);
  int32_t bias = i64(b, {4}, {0, 0, 0, 1});
  OpOptions o;
  o.depth_multiplier = 2;
  int32_t out = b.op(OpType::kDepthwiseConv2D, {in, w, bias}, o, DataType::kInt16);
  set_quant(b.g, out, 1.0f, 0);
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  // Output channel oc reads input channel oc / 2.
  EXPECT_EQ(run_i16(*interp, {100, -50}), (std::vector<int16_t>{100, 200, -150, -199}));
}

TEST(Qs16FullyConnected, IntegerAndFloatDoubleRequantDifferOnNegativeTies) {
  GraphBuilder b;
  int32_t in = i16_input(b, {1, 2}, 1.0f);
  int32_t w = i8(b, {1, 2}, {1, 0});
  set_quant(b.g, w, 0.5f, 0);
  int32_t out = b.op(OpType::kFullyConnected, {in, w}, {}, DataType::kInt16);
  set_quant(b.g, out, 1.0f, 0);
  b.output(out);
  auto integer = make_interp(b.g, 1, 1, FcRequant::kInteger);
  auto fp64 = make_interp(b.g, 1, 1, FcRequant::kFloatDouble);
  ASSERT_TRUE(integer && fp64);
  EXPECT_STREQ(fp64->op_kernel_name(0), "qs16_fully_connected_fp64req_ref");
  // 1.5 -> 2 in both; -1.5 -> -1 (int64 MBQM rounds half up) or -2 (round() away from zero).
  EXPECT_EQ(run_i16(*integer, {3, 7}), (std::vector<int16_t>{2}));
  EXPECT_EQ(run_i16(*fp64, {3, 7}), (std::vector<int16_t>{2}));
  EXPECT_EQ(run_i16(*integer, {-3, 7}), (std::vector<int16_t>{-1}));
  EXPECT_EQ(run_i16(*fp64, {-3, 7}), (std::vector<int16_t>{-2}));
}

TEST(Qs16Pool, MaxClampsToRelu6AndAverageRoundsHalfAwayFromZero) {
  GraphBuilder b;
  int32_t in = i16_input(b, {1, 2, 2, 1}, 0.001f);
  OpOptions o;
  o.filter_h = o.filter_w = 2;
  o.stride_h = o.stride_w = 2;
  o.padding = Padding::kValid;
  OpOptions relu6 = o;
  relu6.activation = Activation::kRelu6;
  int32_t mx = b.op(OpType::kMaxPool2D, {in}, relu6, DataType::kInt16);
  set_quant(b.g, mx, 0.001f, 0);
  b.output(mx);
  auto max_interp = make_interp(b.g);
  ASSERT_TRUE(max_interp);
  EXPECT_EQ(run_i16(*max_interp, {-30000, 500, 2000, -1}), (std::vector<int16_t>{2000}));
  EXPECT_EQ(run_i16(*max_interp, {-30000, 500, 20000, -1}), (std::vector<int16_t>{6000}));
  EXPECT_EQ(run_i16(*max_interp, {-30000, -500, -2, -1}), (std::vector<int16_t>{0}));

  GraphBuilder a;
  int32_t ain = i16_input(a, {1, 2, 2, 1}, 0.5f);
  int32_t avg = a.op(OpType::kAveragePool2D, {ain}, o, DataType::kInt16);
  set_quant(a.g, avg, 0.5f, 0);
  a.output(avg);
  auto avg_interp = make_interp(a.g);
  ASSERT_TRUE(avg_interp);
  EXPECT_EQ(run_i16(*avg_interp, {1, 2, 3, 5}), (std::vector<int16_t>{3}));      // 2.75
  EXPECT_EQ(run_i16(*avg_interp, {-1, -2, -3, -5}), (std::vector<int16_t>{-3}));  // -2.75
  EXPECT_EQ(run_i16(*avg_interp, {1, 1, 0, 0}), (std::vector<int16_t>{1}));      // 0.5
  EXPECT_EQ(run_i16(*avg_interp, {-1, -1, 0, 0}), (std::vector<int16_t>{-1}));   // -0.5
  EXPECT_EQ(run_i16(*avg_interp, {32767, 32767, 32767, 32767}), (std::vector<int16_t>{32767}));
}

TEST(Qs16Mean, RequantizesTheSumWithTheDividedMultiplier) {
  GraphBuilder b;
  int32_t in = i16_input(b, {1, 2, 2, 1}, 1.0f);
  int32_t axes = b.i32({2}, {1, 2});
  int32_t out = b.op(OpType::kMean, {in, axes}, {}, DataType::kInt16);
  set_quant(b.g, out, 0.5f, 0);  // M = 2 = (2^30, 2); N = 4: M' = 2^30, shift 0
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  EXPECT_EQ(interp->output_shape(0), (std::vector<int32_t>{1, 1}));
  // sum 1001: SRDHM(1001, 2^30) = 500.5 -> 501; sum -1001 -> -500.5 -> -500 (ties up).
  EXPECT_EQ(run_i16(*interp, {100, 200, 300, 401}), (std::vector<int16_t>{501}));
  EXPECT_EQ(run_i16(*interp, {-100, -200, -300, -401}), (std::vector<int16_t>{-500}));
  // 4 * 32767 / 4 * 2 saturates.
  EXPECT_EQ(run_i16(*interp, {32767, 32767, 32767, 32767}), (std::vector<int16_t>{32767}));
}

TEST(Qs16Convert, QuantizeRoundsHalfAwayAndSaturatesDequantizeScales) {
  GraphBuilder b;
  int32_t in = b.input({1, 6});
  int32_t q = b.op(OpType::kQuantize, {in}, {}, DataType::kInt16);
  set_quant(b.g, q, 0.5f, 0);
  int32_t reshaped = b.op(OpType::kReshape, {q, b.i32({3}, {1, 2, 3})}, {}, DataType::kInt16);
  set_quant(b.g, reshaped, 0.5f, 0);
  int32_t deq = b.op(OpType::kDequantize, {reshaped});
  b.output(q);
  b.output(deq);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  EXPECT_STREQ(interp->op_kernel_name(0), "qs16_quantize_f32_ref");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {1.25f, -1.25f, 1e9f, -1e9f, nan, 0.2f};
  std::memcpy(interp->input_data(0), x.data(), x.size() * sizeof(float));
  ASSERT_TRUE(interp->invoke().ok());
  const int16_t* qv = static_cast<const int16_t*>(interp->output_data(0));
  EXPECT_EQ(std::vector<int16_t>(qv, qv + 6), (std::vector<int16_t>{3, -3, 32767, -32768, -32768, 0}));
  const float* f = static_cast<const float*>(interp->output_data(1));
  EXPECT_EQ(std::vector<float>(f, f + 6), (std::vector<float>{1.5f, -1.5f, 16383.5f, -16384.0f, -16384.0f, 0.0f}));
}

TEST(Qs16Errors, NonZeroZeroPointAndMissingScaleAreRejected) {
  GraphBuilder b;
  int32_t in = b.input({1, 2}, DataType::kInt16);
  set_quant(b.g, in, 1.0f, 3);
  int32_t w = i8(b, {1, 2}, {1, 0});
  set_quant(b.g, w, 0.5f, 0);
  int32_t out = b.op(OpType::kFullyConnected, {in, w}, {}, DataType::kInt16);
  set_quant(b.g, out, 1.0f, 0);
  b.output(out);
  EXPECT_NE(create_error(b.g).find("int16 activations must have zero point 0"), std::string::npos)
      << create_error(b.g);
  set_quant(b.g, in, 1.0f, 0);
  int32_t bias = b.i32({1}, {0});  // int16 ops take int64 biases
  b.g.ops[0].inputs.push_back(bias);
  EXPECT_NE(create_error(b.g).find("bias"), std::string::npos) << create_error(b.g);
}

}  // namespace
}  // namespace octet::runtime
