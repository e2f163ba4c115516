// Hand-computed cases for every int8 op (quantization.md §4) and the prepare-time errors of invalid
// quantized graphs.
#include <gtest/gtest.h>

#include <cmath>

#include "qs8_test_util.h"
#include "runtime/kernels/reference/qs8_softmax_ref.h"
#include "runtime/ops/registry.h"

namespace octet::runtime {
namespace {

using namespace testing;  // NOLINT

TEST(Qs8Conv2D, SamePaddingWithInputZeroPointSkipsPaddedTaps) {
  GraphBuilder b;
  int32_t in = b.input({1, 3, 3, 1}, DataType::kInt8);
  set_quant(b.g, in, 0.5f, 10);
  int32_t w = i8(b, {1, 3, 3, 1}, std::vector<int8_t>(9, 1));
  set_quant(b.g, w, 1.0f, 0);
  int32_t bias = b.i32({1}, {0});
  OpOptions o;
  o.padding = Padding::kSame;
  int32_t out = b.op(OpType::kConv2D, {in, w, bias}, o, DataType::kInt8);
  set_quant(b.g, out, 0.5f, -5);  // M = 0.5 * 1 / 0.5 = 1: out = acc - 5
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  EXPECT_STREQ(interp->op_kernel_name(0), "qs8_conv2d_ref");
  // q - Z_in = 1..9; corners see 4 in-image taps, edges 6, the centre 9.
  std::vector<int8_t> got = run_i8(*interp, {11, 12, 13, 14, 15, 16, 17, 18, 19});
  std::vector<int8_t> want = {12 - 5, 21 - 5, 16 - 5, 27 - 5, 45 - 5, 33 - 5, 24 - 5, 39 - 5, 28 - 5};
  EXPECT_EQ(got, want);
}

TEST(Qs8Conv2D, PerChannelMultipliersBiasAndRelu6) {
  GraphBuilder b;
  int32_t in = b.input({1, 1, 1, 2}, DataType::kInt8);
  set_quant(b.g, in, 1.0f, -128);
  // Three output channels with scales 0.5, 0.25 and 1: M = {0.5, 0.25, 1} for S_out = 1.
  int32_t w = i8(b, {3, 1, 1, 2}, {1, 0, 1, 0, 127, 127});
  set_quant(b.g, w, {0.5f, 0.25f, 1.0f}, {0, 0, 0}, 0);
  int32_t bias = b.i32({3}, {0, 0, -20000});
  OpOptions o;
  o.activation = Activation::kRelu6;
  int32_t out = b.op(OpType::kConv2D, {in, w, bias}, o, DataType::kInt8);
  set_quant(b.g, out, 1.0f, 0);  // act range [0, 6]
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  // x - Z = {3 + 128 - 128, ...}: input q {-125, -128} -> offsets {3, 0}.
  // ch0: acc 3 * 0.5 = 1.5 -> 2 (SRDHM ties up); ch1: 3 * 0.25 = 0.75 -> 1;
  // ch2: 381 - 20000 -> negative -> clamped to 0 by RELU6.
  EXPECT_EQ(run_i8(*interp, {-125, -128}), (std::vector<int8_t>{2, 1, 0}));
  // offsets {100, 0}: ch0 50, ch1 25 -> RELU6 clamps both to 6.
  EXPECT_EQ(run_i8(*interp, {-28, -128}), (std::vector<int8_t>{6, 6, 0}));
}

TEST(Qs8DepthwiseConv2D, MultiplierTwoChannelsAndOptionalBias) {
  GraphBuilder b;
  int32_t in = b.input({1, 2, 2, 1}, DataType::kInt8);
  set_quant(b.g, in, 1.0f, 1);
  int32_t w = i8(b, {1, 2, 2, 2}, {1, -1, 1, -1, 1, -1, 1, -1});
  set_quant(b.g, w, {1.0f, 0.5f}, {0, 0}, 3);
  OpOptions o;
  o.depth_multiplier = 2;
  int32_t out = b.op(OpType::kDepthwiseConv2D, {in, w}, o, DataType::kInt8);
  set_quant(b.g, out, 1.0f, 127);
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  // sum (q - 1) = 0 + 1 + 2 + 3 = 6: ch0 = 6 + 127 -> 127 (saturates); ch1 = -6 * 0.5 + 127 = 124.
  EXPECT_EQ(run_i8(*interp, {1, 2, 3, 4}), (std::vector<int8_t>{127, 124}));
  // Negative tie: sum = -3 -> ch1 = 1.5 -> 2 (SRDHM rounds half up) -> 129 -> 127; ch0 = -3 + 127.
  EXPECT_EQ(run_i8(*interp, {0, 0, 0, 1}), (std::vector<int8_t>{124, 127}));
}

TEST(Qs8FullyConnected, IntegerAndFloatDoubleRequantDifferOnTies) {
  GraphBuilder b;
  int32_t in = b.input({1, 2}, DataType::kInt8);
  set_quant(b.g, in, 1.0f, 0);
  int32_t w = i8(b, {4, 2}, {-1, 0, -1, 0, 127, 0, 127, 0});
  set_quant(b.g, w, {0.5f, 0.25f, 1.0f, 1.0f}, {0, 0, 0, 0}, 0);
  int32_t bias = b.i32({4}, {0, 0, -1000, 0});
  int32_t out = b.op(OpType::kFullyConnected, {in, w, bias}, {}, DataType::kInt8);
  set_quant(b.g, out, 1.0f, 0);
  b.output(out);
  auto integer = make_interp(b.g);
  auto fp64 = make_interp(b.g, 1, 1, FcRequant::kFloatDouble);
  ASSERT_TRUE(integer && fp64);
  EXPECT_STREQ(integer->op_kernel_name(0), "qs8_fully_connected_ref");
  EXPECT_STREQ(fp64->op_kernel_name(0), "qs8_fully_connected_fp64req_ref");
  // acc = {-3, -3, 381 - 1000, 381}: -1.5 -> -1 (MBQM) or -2 (RHAZ); -0.75 -> -1; saturations.
  EXPECT_EQ(run_i8(*integer, {3, 9}), (std::vector<int8_t>{-1, -1, -128, 127}));
  EXPECT_EQ(run_i8(*fp64, {3, 9}), (std::vector<int8_t>{-2, -1, -128, 127}));
}

TEST(Qs8FullyConnected, PerTensorWithoutBiasKeepNumDims) {
  GraphBuilder b;
  int32_t in = b.input({1, 2, 3}, DataType::kInt8);
  set_quant(b.g, in, 0.5f, -128);
  int32_t w = i8(b, {1, 3}, {1, 2, 3});
  set_quant(b.g, w, 0.5f, 0);
  OpOptions o;
  o.keep_num_dims = true;
  int32_t out = b.op(OpType::kFullyConnected, {in, w}, o, DataType::kInt8);
  set_quant(b.g, out, 0.25f, -128);  // M = 1
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  EXPECT_EQ(interp->output_shape(0), (std::vector<int32_t>{1, 2, 1}));
  // row 0: offsets {1,1,1} -> 6 -> -122; row 1: {10, 0, 0} -> 10 -> -118
  EXPECT_EQ(run_i8(*interp, {-127, -127, -127, -118, -128, -128}), (std::vector<int8_t>{-122, -118}));
}

TEST(Qs8Pool, MaxPoolClampsToFusedRelu6) {
  GraphBuilder b;
  int32_t in = b.input({1, 2, 2, 1}, DataType::kInt8);
  set_quant(b.g, in, 0.1f, -128);
  OpOptions o;
  o.filter_h = o.filter_w = 2;
  o.activation = Activation::kRelu6;
  int32_t out = b.op(OpType::kMaxPool2D, {in}, o, DataType::kInt8);
  set_quant(b.g, out, 0.1f, -128);
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  EXPECT_EQ(run_i8(*interp, {-128, 5, -3, 100}), (std::vector<int8_t>{-68}));  // -128 + RHAZ(60)
  EXPECT_EQ(run_i8(*interp, {-128, -100, -90, -128}), (std::vector<int8_t>{-90}));
}

TEST(Qs8Pool, AveragePoolRoundsTiesAwayFromZeroAndCountsInImageTaps) {
  GraphBuilder b;
  int32_t in = b.input({1, 1, 2, 4}, DataType::kInt8);
  set_quant(b.g, in, 1.0f, 3);
  OpOptions o;
  o.filter_h = 1;
  o.filter_w = 2;
  int32_t out = b.op(OpType::kAveragePool2D, {in}, o, DataType::kInt8);
  set_quant(b.g, out, 1.0f, 3);
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  // channel pairs: (1,2) 1.5 -> 2; (-1,-2) -1.5 -> -2; (1,-2) -0.5 -> -1; (0,1) 0.5 -> 1
  EXPECT_EQ(run_i8(*interp, {1, -1, 1, 0, 2, -2, -2, 1}), (std::vector<int8_t>{2, -2, -1, 1}));

  GraphBuilder b2;  // SAME 3x3 over 2x2: every window holds the 4 pixels (divisor 4, not 9)
  int32_t in2 = b2.input({1, 2, 2, 1}, DataType::kInt8);
  set_quant(b2.g, in2, 1.0f, 0);
  OpOptions o2;
  o2.filter_h = o2.filter_w = 3;
  o2.padding = Padding::kSame;
  int32_t out2 = b2.op(OpType::kAveragePool2D, {in2}, o2, DataType::kInt8);
  set_quant(b2.g, out2, 1.0f, 0);
  b2.output(out2);
  auto interp2 = make_interp(b2.g);
  ASSERT_TRUE(interp2);
  EXPECT_EQ(run_i8(*interp2, {10, 20, 30, 42}), (std::vector<int8_t>{26, 26, 26, 26}));  // 25.5
}

TEST(Qs8Mean, NineElementsUseTheTruncatedPreDividedMultiplier) {
  GraphBuilder b;
  int32_t in = b.input({1, 3, 3, 1}, DataType::kInt8);
  set_quant(b.g, in, 1.0f, 0);
  int32_t axes = b.i32({2}, {1, 2});
  int32_t out = b.op(OpType::kMean, {in, axes}, {}, DataType::kInt8);
  set_quant(b.g, out, 1.0f, 0);
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  EXPECT_EQ(interp->output_shape(0), (std::vector<int32_t>{1, 1}));
  // M = (2^30, 1); k = 3; M' = 2^33 / 9 = 954437176 (truncated), shift -2. sum 13: SRDHM gives
  // 5.78 -> 6, then 6 / 4 = 1.5 -> 2 (the exact mean 1.44 would round to 1).
  EXPECT_EQ(run_i8(*interp, {1, 1, 1, 1, 1, 2, 2, 2, 2}), (std::vector<int8_t>{2}));
  // sum 9 -> exactly 1 (SRDHM 3.99999 -> 4, / 4 = 1); sum -13 -> -1.44 -> SRDHM -5.78 -> -6 -> -2
  EXPECT_EQ(run_i8(*interp, {1, 1, 1, 1, 1, 1, 1, 1, 1}), (std::vector<int8_t>{1}));
  EXPECT_EQ(run_i8(*interp, {-1, -1, -1, -1, -1, -2, -2, -2, -2}), (std::vector<int8_t>{-2}));
}

TEST(Qs8Mean, ZeroPointsAndKeepDims) {
  GraphBuilder b;
  int32_t in = b.input({1, 2, 3, 2}, DataType::kInt8);
  set_quant(b.g, in, 0.5f, -128);
  int32_t axes = b.i32({2}, {1, 2});
  OpOptions o;
  o.keep_dims = true;
  int32_t out = b.op(OpType::kMean, {in, axes}, o, DataType::kInt8);
  set_quant(b.g, out, 0.25f, 127);
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  EXPECT_EQ(interp->output_shape(0), (std::vector<int32_t>{1, 1, 1, 2}));
  // channel 0: all -128 -> mean 0 -> 127; channel 1: all -118 (real 5) -> 20 / 0.25... saturates low
  std::vector<int8_t> x(12);
  for (int i = 0; i < 12; ++i) x[i] = i % 2 ? -125 : -128;  // channel 1: offset 3 -> x2 = 6 -> 133
  EXPECT_EQ(run_i8(*interp, x), (std::vector<int8_t>{127, 127}));
  set_quant(b.g, out, 0.25f, -128);
  auto interp2 = make_interp(b.g);
  ASSERT_TRUE(interp2);
  EXPECT_EQ(run_i8(*interp2, x), (std::vector<int8_t>{-128, -122}));
}

TEST(Qs8Softmax, HandTracedRows) {
  GraphBuilder b;
  int32_t in = b.input({1, 4}, DataType::kInt8);
  set_quant(b.g, in, 0.1f, 0);
  int32_t out = b.op(OpType::kSoftmax, {in}, {}, DataType::kInt8);
  set_quant(b.g, out, 1.0f / 256, -128);
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  EXPECT_STREQ(interp->op_kernel_name(0), "qs8_softmax_ref");
  // Four equal logits: 1/4 each = 64/256 -> 64 - 128.
  EXPECT_EQ(run_i8(*interp, {7, 7, 7, 7}), (std::vector<int8_t>{-64, -64, -64, -64}));
  // One dominant logit (25.5 above the others): exactly 1 -> 256 - 128 -> clamped to 127; the
  // others underflow to -128.
  EXPECT_EQ(run_i8(*interp, {127, -128, -128, -128}), (std::vector<int8_t>{127, -128, -128, -128}));
  // Two equal maxima and two far below: 1/2 -> 0.
  EXPECT_EQ(run_i8(*interp, {100, 100, -128, -128}), (std::vector<int8_t>{0, 0, -128, -128}));
}

TEST(Qs8Softmax, FixedPointPiecesApproximateTheirFunctions) {
  // exp on Q5.26 inputs: exp(0) = 1, exp(-1), exp(-2.5).
  EXPECT_EQ(kernels::qs8_softmax_exp_on_negative_values(0), 2147483647);
  EXPECT_NEAR(kernels::qs8_softmax_exp_on_negative_values(-(1 << 26)) / 2147483648.0, std::exp(-1.0), 1e-6);
  EXPECT_NEAR(kernels::qs8_softmax_exp_on_negative_values(-(5 << 25)) / 2147483648.0, std::exp(-2.5), 1e-6);
  // 1 / (1 + x) for x = 0.5 (Q0.31 2^30): 2/3.
  EXPECT_NEAR(kernels::qs8_softmax_one_over_one_plus_x(1 << 30) / 2147483648.0, 2.0 / 3.0, 1e-6);
}

TEST(Qs8Add, SameScalesSaturationAndZeroPoints) {
  GraphBuilder b;
  int32_t x = b.input({1, 4}, DataType::kInt8);
  int32_t y = b.input({1, 4}, DataType::kInt8);
  set_quant(b.g, x, 1.0f, 0);
  set_quant(b.g, y, 1.0f, 0);
  int32_t out = b.op(OpType::kAdd, {x, y}, {}, DataType::kInt8);
  set_quant(b.g, out, 1.0f, 0);
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  const std::vector<int8_t> a = {3, 100, -100, -7}, c = {4, 100, -100, 7};
  std::memcpy(interp->input_data(0), a.data(), 4);
  std::memcpy(interp->input_data(1), c.data(), 4);
  ASSERT_TRUE(interp->invoke().ok());
  const int8_t* o = interp->output_i8(0);
  EXPECT_EQ(std::vector<int8_t>(o, o + 4), (std::vector<int8_t>{7, 127, -128, 0}));
}

TEST(Qs8Relu, RequantizesThenClamps) {
  for (OpType t : {OpType::kRelu, OpType::kRelu6}) {
    GraphBuilder b;
    int32_t in = b.input({1, 4}, DataType::kInt8);
    set_quant(b.g, in, 0.5f, 0);
    int32_t out = b.op(t, {in}, {}, DataType::kInt8);
    set_quant(b.g, out, 0.25f, -128);  // M = 2; RELU6 max = -128 + 24 = -104
    b.output(out);
    auto interp = make_interp(b.g);
    ASSERT_TRUE(interp);
    std::vector<int8_t> want = {-128, -108, t == OpType::kRelu6 ? int8_t{-104} : int8_t{-88}, -128};
    EXPECT_EQ(run_i8(*interp, {-5, 10, 20, 0}), want);
  }
}

TEST(Qs8Quantize, RequantizeInt8ToInt8) {
  GraphBuilder b;
  int32_t in = b.input({1, 4}, DataType::kInt8);
  set_quant(b.g, in, 1.0f, 0);
  int32_t out = b.op(OpType::kQuantize, {in}, {}, DataType::kInt8);
  set_quant(b.g, out, 2.0f, -1);
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  EXPECT_STREQ(interp->op_kernel_name(0), "qs8_requantize_ref");
  // 1.5 -> 2, -1.5 -> -1 (SRDHM ties up), 63.5 -> 64, -64
  EXPECT_EQ(run_i8(*interp, {3, -3, 127, -128}), (std::vector<int8_t>{1, -2, 63, -65}));
}

TEST(Qs8Quantize, Int8Uint8FlipAndUint8Dequantize) {
  GraphBuilder b;
  int32_t in = b.input({1, 3}, DataType::kInt8);
  set_quant(b.g, in, 0.5f, 0);
  int32_t u = b.op(OpType::kQuantize, {in}, {}, DataType::kUInt8);
  set_quant(b.g, u, 0.5f, 128);
  int32_t back = b.op(OpType::kQuantize, {u}, {}, DataType::kInt8);
  set_quant(b.g, back, 0.25f, 0);  // uint8 -> int8 with a real requantization (M = 2)
  int32_t f = b.op(OpType::kDequantize, {u}, {}, DataType::kFloat32);
  b.output(u);
  b.output(back);
  b.output(f);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  EXPECT_STREQ(interp->op_kernel_name(1), "qu8_requantize_ref");
  EXPECT_STREQ(interp->op_kernel_name(2), "f32_dequantize_qu8_ref");
  const std::vector<int8_t> x = {-128, 0, 50};
  std::memcpy(interp->input_data(0), x.data(), 3);
  ASSERT_TRUE(interp->invoke().ok());
  const uint8_t* uo = static_cast<const uint8_t*>(interp->output_data(0));
  EXPECT_EQ(std::vector<uint8_t>(uo, uo + 3), (std::vector<uint8_t>{0, 128, 178}));
  const int8_t* bo = static_cast<const int8_t*>(interp->output_data(1));
  EXPECT_EQ(std::vector<int8_t>(bo, bo + 3), (std::vector<int8_t>{-128, 0, 100}));
  const float* fo = static_cast<const float*>(interp->output_data(2));
  EXPECT_EQ(std::vector<float>(fo, fo + 3), (std::vector<float>{-64.0f, 0.0f, 25.0f}));
}

TEST(Qs8Quantize, FloatToInt8RoundsHalfAwayFromZero) {
  GraphBuilder b;
  int32_t in = b.input({1, 5});
  int32_t out = b.op(OpType::kQuantize, {in}, {}, DataType::kInt8);
  set_quant(b.g, out, 1.0f, 0);
  b.output(out);
  auto interp = make_interp(b.g);
  ASSERT_TRUE(interp);
  const std::vector<float> x = {0.5f, -0.5f, 2.5f, -2.5f, 1000.0f};
  std::memcpy(interp->input_data(0), x.data(), sizeof(float) * 5);
  ASSERT_TRUE(interp->invoke().ok());
  const int8_t* o = interp->output_i8(0);
  EXPECT_EQ(std::vector<int8_t>(o, o + 5), (std::vector<int8_t>{1, -1, 3, -3, 127}));
}

// ---- errors ----

struct ConvCase {
  GraphBuilder b;
  int32_t in, w, bias, out;
  ConvCase(int cout = 2) {
    in = b.input({1, 3, 3, 2}, DataType::kInt8);
    set_quant(b.g, in, 0.5f, 0);
    w = i8(b, {cout, 1, 1, 2}, std::vector<int8_t>(cout * 2, 1));
    std::vector<float> s(cout, 0.1f);
    std::vector<int64_t> z(cout, 0);
    set_quant(b.g, w, s, z, 0);
    bias = b.i32({cout}, std::vector<int32_t>(cout, 0));
    out = b.op(OpType::kConv2D, {in, w, bias}, {}, DataType::kInt8);
    set_quant(b.g, out, 0.2f, 0);
    b.output(out);
  }
};

void expect_error(const Graph& g, const std::string& a, const std::string& b) {
  const std::string msg = create_error(g);
  EXPECT_NE(msg.find(a), std::string::npos) << msg;
  EXPECT_NE(msg.find(b), std::string::npos) << msg;
}

TEST(Qs8Errors, InvalidQuantizedGraphsNameTheOp) {
  {
    ConvCase c;
    EXPECT_EQ(create_error(c.b.g), "(created)");
  }
  {
    ConvCase c;
    c.b.g.tensors[c.out].quant = {};
    expect_error(c.b.g, "op 0 (CONV_2D)", "output '");
  }
  {
    ConvCase c;
    set_quant(c.b.g, c.w, {0.1f, 0.2f, 0.3f}, {0, 0, 0}, 0);
    expect_error(c.b.g, "op 0 (CONV_2D)", "has 3 scales; expected 1 or one per output channel (2)");
  }
  {
    ConvCase c;
    set_quant(c.b.g, c.w, {0.1f, 0.2f}, {0, 3}, 0);
    expect_error(c.b.g, "op 0 (CONV_2D)", "zero point 3");
  }
  {
    ConvCase c;
    set_quant(c.b.g, c.w, {0.1f, 0.2f}, {0}, 0);
    expect_error(c.b.g, "op 0 (CONV_2D)", "2 scales but 1 zero points");
  }
  {
    ConvCase c;
    set_quant(c.b.g, c.w, {0.1f, 0.2f}, {0, 0}, 3);  // axis 3 has 2 entries too, but ...
    c.b.g.tensors[c.w].quant.axis = 1;               // axis 1 has 1
    expect_error(c.b.g, "op 0 (CONV_2D)", "quantized along axis 1");
  }
  {
    ConvCase c;
    c.b.g.tensors[c.bias].shape = {1};
    c.b.g.tensors[c.bias].data.resize(4);
    expect_error(c.b.g, "op 0 (CONV_2D)", "bias shape [1] does not match 2 output channels");
  }
  {
    ConvCase c;
    c.b.g.tensors[c.bias].type = DataType::kFloat32;
    expect_error(c.b.g, "op 0 (CONV_2D)", "bias must be int32");
  }
  {
    ConvCase c;
    set_quant(c.b.g, c.in, 0.5f, 200);
    expect_error(c.b.g, "op 0 (CONV_2D)", "zero point 200 outside [-128, 127]");
  }
  {  // softmax output parameters
    GraphBuilder b;
    int32_t in = b.input({1, 4}, DataType::kInt8);
    set_quant(b.g, in, 0.1f, 0);
    int32_t out = b.op(OpType::kSoftmax, {in}, {}, DataType::kInt8);
    set_quant(b.g, out, 1.0f / 128, -128);
    b.output(out);
    expect_error(b.g, "op 0 (SOFTMAX)", "must have scale 1/256 and zero point -128");
    set_quant(b.g, out, 1.0f / 256, 0);
    expect_error(b.g, "op 0 (SOFTMAX)", "must have scale 1/256 and zero point -128");
  }
  {  // pooling must not requantize
    GraphBuilder b;
    int32_t in = b.input({1, 2, 2, 1}, DataType::kInt8);
    set_quant(b.g, in, 0.1f, 0);
    OpOptions o;
    o.filter_h = o.filter_w = 2;
    int32_t out = b.op(OpType::kAveragePool2D, {in}, o, DataType::kInt8);
    set_quant(b.g, out, 0.2f, 0);
    b.output(out);
    expect_error(b.g, "op 0 (AVERAGE_POOL_2D)", "input and output quantization differ");
  }
  {  // FC: weights with a missing scale, hybrid weights with wrong channel count
    GraphBuilder b;
    int32_t in = b.input({1, 4}, DataType::kInt8);
    set_quant(b.g, in, 0.1f, 0);
    int32_t w = i8(b, {2, 4}, std::vector<int8_t>(8, 1));
    int32_t out = b.op(OpType::kFullyConnected, {in, w}, {}, DataType::kInt8);
    set_quant(b.g, out, 0.1f, 0);
    b.output(out);
    expect_error(b.g, "op 0 (FULLY_CONNECTED)", "has no quantization scale");
    GraphBuilder h;
    int32_t hin = h.input({1, 4});
    int32_t hw = i8(h, {2, 4}, std::vector<int8_t>(8, 1));
    set_quant(h.g, hw, {0.1f, 0.1f, 0.1f, 0.1f}, {0, 0, 0, 0}, 1);
    h.output(h.op(OpType::kFullyConnected, {hin, hw}));
    expect_error(h.g, "op 0 (FULLY_CONNECTED)", "has 4 scales; expected 1 or one per output channel (2)");
  }
  {  // ADD whose output scale is too small for the 2^20 scheme
    GraphBuilder b;
    int32_t x = b.input({1, 2}, DataType::kInt8);
    int32_t y = b.input({1, 2}, DataType::kInt8);
    set_quant(b.g, x, 1.0f, 0);
    set_quant(b.g, y, 1.0f, 0);
    int32_t out = b.op(OpType::kAdd, {x, y}, {}, DataType::kInt8);
    set_quant(b.g, out, 1e-7f, 0);
    b.output(out);
    expect_error(b.g, "op 0 (ADD)", "too small");
  }
}

}  // namespace
}  // namespace octet::runtime
