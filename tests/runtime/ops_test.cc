// Hand-computed cases for every float op (and QUANTIZE / DEQUANTIZE).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "runtime/kernels/reference/quantize_ref.h"
#include "test_util.h"

namespace octet::runtime {
namespace {

using testing::GraphBuilder;
using testing::make_interpreter;
using testing::run_f32;

std::vector<float> iota(int n, float start = 1.0f) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

void expect_floats(const std::vector<float>& got, const std::vector<float>& want,
                   float tol = 1e-5f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "index " << i;
}

// Builds input -> op(input, extra inputs...) -> output, runs it on `input`.
struct OneOp {
  GraphBuilder b;
  int32_t in, out;
  std::unique_ptr<Interpreter> interp;
  OneOp(std::vector<int32_t> in_shape) { in = b.input(std::move(in_shape)); }
  std::vector<float> run(OpType type, std::vector<int32_t> extra, OpOptions o,
                         const std::vector<float>& x, int batch = 1) {
    std::vector<int32_t> inputs{in};
    inputs.insert(inputs.end(), extra.begin(), extra.end());
    out = b.op(type, inputs, o);
    b.output(out);
    interp = make_interpreter(b.g, batch);
    if (!interp) return {};
    return run_f32(*interp, x);
  }
};

TEST(Conv2D, SameWithOddPaddingPutsTheExtraRowAndColumnAtTheEnd) {
  OneOp t({1, 4, 4, 1});
  int32_t w = t.b.f32({1, 2, 2, 1}, {1, 2, 3, 4});
  int32_t bias = t.b.f32({1}, {0.5f});
  OpOptions o;
  o.padding = Padding::kSame;
  auto y = t.run(OpType::kConv2D, {w, bias}, o, iota(16));
  EXPECT_EQ(t.interp->output_shape(0), (std::vector<int32_t>{1, 4, 4, 1}));
  // out[y][x] = in[y][x] + 2 in[y][x+1] + 3 in[y+1][x] + 4 in[y+1][x+1], zero outside (bottom/right).
  expect_floats(y, {44.5f, 54.5f, 64.5f, 28.5f, 84.5f, 94.5f, 104.5f, 44.5f, 124.5f, 134.5f,
                    144.5f, 60.5f, 41.5f, 44.5f, 47.5f, 16.5f});
}

TEST(Conv2D, StrideTwoTwoFiltersAndRelu) {
  OneOp t({1, 5, 5, 1});
  std::vector<float> w(18, 1.0f);
  std::fill(w.begin() + 9, w.end(), -1.0f);
  int32_t wt = t.b.f32({2, 3, 3, 1}, w);
  int32_t bias = t.b.f32({2}, {0.0f, 100.0f});
  OpOptions o;
  o.stride_h = o.stride_w = 2;
  o.activation = Activation::kRelu;
  auto y = t.run(OpType::kConv2D, {wt, bias}, o, iota(25));
  EXPECT_EQ(t.interp->output_shape(0), (std::vector<int32_t>{1, 2, 2, 2}));
  // 3x3 window sums = 9 * centre (7, 9, 17, 19); second filter: 100 - sum, then RELU.
  expect_floats(y, {63, 37, 81, 19, 153, 0, 171, 0});
}

TEST(Conv2D, OhwiChannelOrderAndRelu6) {
  OneOp t({1, 3, 3, 2});
  int32_t w = t.b.f32({2, 2, 2, 2}, {1, 0, 0, 1, -1, 0, 0, -1, 0.5f, 0.5f, 0.5f, 0.5f, 1, 1, 1, 1});
  int32_t bias = t.b.f32({2}, {20.0f, -30.0f});
  OpOptions o;
  o.stride_h = o.stride_w = 2;
  o.activation = Activation::kRelu6;
  auto y = t.run(OpType::kConv2D, {w, bias}, o, iota(18));
  // Before the clamp: 1 + 4 - 7 - 10 + 20 = 8 and 0.5 * (1+2+3+4) + (7+8+9+10) - 30 = 9.
  expect_floats(y, {6, 6});
  o.activation = Activation::kNone;
  OneOp t2({1, 3, 3, 2});
  w = t2.b.f32({2, 2, 2, 2}, {1, 0, 0, 1, -1, 0, 0, -1, 0.5f, 0.5f, 0.5f, 0.5f, 1, 1, 1, 1});
  expect_floats(t2.run(OpType::kConv2D, {w}, o, iota(18)), {-12, 39});  // no bias input
}

TEST(Conv2D, DilationTwo) {
  OpOptions o;
  o.dilation_h = o.dilation_w = 2;
  OneOp valid({1, 5, 5, 1});
  std::vector<float> ones(9, 1.0f);
  int32_t w = valid.b.f32({1, 3, 3, 1}, ones);
  // Taps at rows/cols 0, 2, 4: (1+3+5) + (11+13+15) + (21+23+25).
  expect_floats(valid.run(OpType::kConv2D, {w}, o, iota(25)), {117});
  o.padding = Padding::kSame;  // effective 5x5 window, padding 2 on every side
  OneOp same({1, 5, 5, 1});
  w = same.b.f32({1, 3, 3, 1}, ones);
  auto y = same.run(OpType::kConv2D, {w}, o, iota(25));
  ASSERT_EQ(y.size(), 25u);
  EXPECT_FLOAT_EQ(y[0], 1 + 3 + 11 + 13);
  EXPECT_FLOAT_EQ(y[12], 117);
  EXPECT_FLOAT_EQ(y[24], 13 + 15 + 23 + 25);
}

TEST(DepthwiseConv2D, DepthMultiplierTwo) {
  OneOp t({1, 2, 2, 2});
  int32_t w = t.b.f32({1, 2, 2, 4}, {1, 0, -1, 2, 0.5f, 1, 1, 0, 2, -1, 0, 1, 1, 1, 1, 1});
  int32_t bias = t.b.f32({4}, {0, 1, 2, 3});
  OpOptions o;
  o.depth_multiplier = 2;
  auto y = t.run(OpType::kDepthwiseConv2D, {w, bias}, o, iota(8));
  EXPECT_EQ(t.interp->output_shape(0), (std::vector<int32_t>{1, 1, 1, 4}));
  // oc = ic * 2 + m; e.g. oc 0: 1*1 + 3*0.5 + 5*2 + 7*1 = 19.5.
  expect_floats(y, {19.5f, 6, 12, 21});
}

TEST(DepthwiseConv2D, SameStrideTwoWithoutBias) {
  OneOp t({1, 4, 4, 1});
  int32_t w = t.b.f32({1, 2, 2, 1}, {1, 2, 3, 4});
  OpOptions o;
  o.padding = Padding::kSame;
  o.stride_h = o.stride_w = 2;
  auto y = t.run(OpType::kDepthwiseConv2D, {w, -1}, o, iota(16));
  // out 2x2, total padding 0: windows at (0,0), (0,2), (2,0), (2,2).
  expect_floats(y, {1 + 4 + 15 + 24, 3 + 8 + 21 + 32, 9 + 20 + 39 + 56, 11 + 24 + 45 + 64});
}

TEST(FullyConnected, BiasAndRelu) {
  OneOp t({2, 3});
  int32_t w = t.b.f32({2, 3}, {1, 0, -1, 0.5f, 0.5f, 0.5f});
  int32_t bias = t.b.f32({2}, {5, -5});
  OpOptions o;
  o.activation = Activation::kRelu;
  auto y = t.run(OpType::kFullyConnected, {w, bias}, o, {1, 2, 3, 4, 5, 6}, 2);
  EXPECT_EQ(t.interp->output_shape(0), (std::vector<int32_t>{2, 2}));
  // Row 0: 1 - 3 + 5, RELU(3 - 5); row 1: 4 - 6 + 5, 7.5 - 5.
  expect_floats(y, {3, 0, 3, 2.5f});
}

TEST(FullyConnected, InputViewedAsBatchesByDepthAndNoBias) {
  OneOp t({1, 2, 2, 2});  // 8 elements, depth 4 -> 2 rows
  int32_t w = t.b.f32({1, 4}, {1, 1, 1, 1});
  auto y = t.run(OpType::kFullyConnected, {w, -1}, {}, iota(8));
  EXPECT_EQ(t.interp->output_shape(0), (std::vector<int32_t>{2, 1}));
  expect_floats(y, {10, 26});
}

TEST(FullyConnected, KeepNumDims) {
  OneOp t({1, 2, 3});
  int32_t w = t.b.f32({1, 3}, {1, 2, 3});
  OpOptions o;
  o.keep_num_dims = true;
  auto y = t.run(OpType::kFullyConnected, {w}, o, iota(6));
  EXPECT_EQ(t.interp->output_shape(0), (std::vector<int32_t>{1, 2, 1}));
  expect_floats(y, {14, 32});
}

OpOptions pool_options(int f, int s, Padding p) {
  OpOptions o;
  o.filter_h = o.filter_w = f;
  o.stride_h = o.stride_w = s;
  o.padding = p;
  return o;
}

TEST(Pool2D, MaxSameStrideTwoClipsWindows) {
  OneOp t({1, 4, 4, 1});
  auto y = t.run(OpType::kMaxPool2D, {}, pool_options(3, 2, Padding::kSame), iota(16));
  EXPECT_EQ(t.interp->output_shape(0), (std::vector<int32_t>{1, 2, 2, 1}));
  expect_floats(y, {11, 12, 15, 16});
}

TEST(Pool2D, AverageDividesByInImageTaps) {
  OneOp t({1, 4, 4, 1});
  auto y = t.run(OpType::kAveragePool2D, {}, pool_options(3, 2, Padding::kSame), iota(16));
  // Windows rows/cols {0..2} and {2,3}: 54/9, 45/6, 72/6, 54/4.
  expect_floats(y, {6, 7.5f, 12, 13.5f});
  OneOp t2({1, 3, 3, 1});  // padding 1 on every side
  y = t2.run(OpType::kAveragePool2D, {}, pool_options(3, 1, Padding::kSame), iota(9));
  expect_floats(y, {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7});
}

TEST(Pool2D, MaxWithChannelsAndFusedRelu6) {
  OneOp t({1, 2, 2, 2});
  OpOptions o = pool_options(2, 2, Padding::kValid);
  o.activation = Activation::kRelu6;
  auto y = t.run(OpType::kMaxPool2D, {}, o, {1, -5, 9, -6, 3, -7, 2, -8});
  expect_floats(y, {6, 0});
}

TEST(Mean, Axes12KeepDimsAndNot) {
  std::vector<float> x = {1, 10, 2, 20, 3, 30, 4, 40};
  for (bool keep : {true, false}) {
    OneOp t({1, 2, 2, 2});
    int32_t axes = t.b.i32({2}, {1, 2});
    OpOptions o;
    o.keep_dims = keep;
    auto y = t.run(OpType::kMean, {axes}, o, x);
    EXPECT_EQ(t.interp->output_shape(0),
              keep ? (std::vector<int32_t>{1, 1, 1, 2}) : (std::vector<int32_t>{1, 2}));
    expect_floats(y, {2.5f, 25});
  }
}

TEST(Mean, NegativeAndOtherAxes) {
  OneOp t({1, 2, 3});
  int32_t axes = t.b.i32({1}, {-1});
  auto y = t.run(OpType::kMean, {axes}, {}, iota(6));
  EXPECT_EQ(t.interp->output_shape(0), (std::vector<int32_t>{1, 2}));
  expect_floats(y, {2, 5});
  OneOp t2({2, 2});
  axes = t2.b.i32({1}, {0});
  expect_floats(t2.run(OpType::kMean, {axes}, {}, {1, 2, 3, 5}, 2), {2, 3.5f});
}

TEST(Softmax, RowsBetaAndStability) {
  OneOp t({3, 3});
  auto y = t.run(OpType::kSoftmax, {}, {}, {1, 2, 3, 0, 0, 0, 1000, 1000, -1000}, 3);
  float e1 = std::exp(-2.0f), e2 = std::exp(-1.0f), s = e1 + e2 + 1.0f;
  expect_floats(y, {e1 / s, e2 / s, 1 / s, 1 / 3.0f, 1 / 3.0f, 1 / 3.0f, 0.5f, 0.5f, 0});
  OneOp t2({1, 2});
  OpOptions o;
  o.beta = 2.0f;
  y = t2.run(OpType::kSoftmax, {}, o, {0, 1});
  float e = std::exp(2.0f);
  expect_floats(y, {1 / (1 + e), e / (1 + e)});
}

TEST(Reshape, ShapeInputWithMinusOne) {
  OneOp t({1, 2, 3});
  int32_t shape = t.b.i32({2}, {-1, 3});
  auto y = t.run(OpType::kReshape, {shape}, {}, iota(6));
  EXPECT_EQ(t.interp->output_shape(0), (std::vector<int32_t>{2, 3}));
  expect_floats(y, iota(6));
}

TEST(Reshape, OptionsShapeFollowsTheBatch) {
  OneOp t({1, 2, 2, 1});
  OpOptions o;
  o.new_shape = {1, 4};  // stored for batch 1
  auto y = t.run(OpType::kReshape, {}, o, iota(12), 3);
  EXPECT_EQ(t.interp->output_shape(0), (std::vector<int32_t>{3, 4}));
  expect_floats(y, iota(12));
  OneOp t2({-1, 4});
  int32_t shape = t2.b.i32({3}, {-1, 2, -1});  // leading -1 is the batch, the other is resolved
  y = t2.run(OpType::kReshape, {shape}, {}, iota(8), 2);
  EXPECT_EQ(t2.interp->output_shape(0), (std::vector<int32_t>{2, 2, 2}));
}

TEST(Elementwise, ReluRelu6AndAddWithFusedActivation) {
  std::vector<float> x = {-2, -0.5f, 0, 3, 7};
  OneOp r({1, 5});
  expect_floats(r.run(OpType::kRelu, {}, {}, x), {0, 0, 0, 3, 7});
  OneOp r6({1, 5});
  expect_floats(r6.run(OpType::kRelu6, {}, {}, x), {0, 0, 0, 3, 6});
  OneOp add({1, 5});
  int32_t c = add.b.f32({1, 5}, {1, 1, 1, 1, 1});
  OpOptions o;
  o.activation = Activation::kRelu6;
  expect_floats(add.run(OpType::kAdd, {c}, o, x), {0, 0.5f, 1, 4, 6});
  OneOp add2({1, 5});
  expect_floats(add2.run(OpType::kAdd, {add2.in}, {}, x), {-4, -1, 0, 6, 14});
}

TEST(Dequantize, Float16ConstantIsFoldedAtPrepare) {
  // 1.0, -2.0, 0.5, 65504 (max half), 2^-24 (smallest subnormal), -0.0
  std::vector<uint16_t> h = {0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x8000};
  const float want[] = {1.0f, -2.0f, 0.5f, 65504.0f, std::ldexp(1.0f, -24), -0.0f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(kernels::f16_to_f32(h[i]), want[i]) << i;
  EXPECT_TRUE(std::isinf(kernels::f16_to_f32(0x7C00)));
  EXPECT_TRUE(std::isnan(kernels::f16_to_f32(0x7E00)));

  // input [1,3] -> FC with float16 weights through DEQUANTIZE.
  GraphBuilder b;
  int32_t in = b.input({1, 3});
  int32_t w16 = b.constant<uint16_t>({2, 3}, {0x3C00, 0xC000, 0x3800, 0x3800, 0x3800, 0x3800},
                                     DataType::kFloat16);
  int32_t w = b.op(OpType::kDequantize, {w16});
  int32_t y = b.op(OpType::kFullyConnected, {in, w, -1});
  b.output(y);
  auto interp = make_interpreter(b.g);
  ASSERT_TRUE(interp);
  EXPECT_STREQ(interp->op_kernel_name(0), "folded");
  EXPECT_EQ(interp->arena_plan().requests.size(), 2u);  // input and output only
  expect_floats(run_f32(*interp, {1, 2, 4}), {1 - 4 + 2, 3.5f});
}

TEST(Dequantize, Int8PerTensorAndPerChannel) {
  GraphBuilder b;
  int32_t in = b.input({1, 4}, DataType::kInt8);
  b.g.tensors[in].quant.scale = {0.5f};
  b.g.tensors[in].quant.zero_point = {-1};
  int32_t y = b.op(OpType::kDequantize, {in});
  b.output(y);
  auto interp = make_interpreter(b.g);
  ASSERT_TRUE(interp);
  int8_t q[] = {-128, -1, 3, 127};
  std::memcpy(interp->input_i8(0), q, 4);
  ASSERT_TRUE(interp->invoke().ok());
  const float* out = interp->output_f32(0);
  EXPECT_EQ(std::vector<float>(out, out + 4), (std::vector<float>{-63.5f, 0, 2, 64}));

  float o[6];
  int8_t w[6] = {1, 2, 3, -1, -2, -3};
  float scales[2] = {0.5f, 2.0f};
  int32_t zps[2] = {0, 1};
  kernels::f32_dequantize_qs8_ref(w, o, 6, scales, zps, 2, 3);  // [2, 3] per-channel on axis 0
  EXPECT_EQ(std::vector<float>(o, o + 6), (std::vector<float>{0.5f, 1, 1.5f, -4, -6, -8}));
}

TEST(Quantize, RoundHalfAwayAndClamp) {
  GraphBuilder b;
  int32_t in = b.input({1, 8});
  int32_t y = b.op(OpType::kQuantize, {in}, {}, DataType::kInt8);
  b.g.tensors[y].quant.scale = {0.5f};
  b.g.tensors[y].quant.zero_point = {1};
  b.output(y);
  auto interp = make_interpreter(b.g);
  ASSERT_TRUE(interp);
  std::vector<float> x = {0.25f, -0.25f, 0.74f, 100, -100, 0.0f, 0.75f, -0.75f};
  std::memcpy(interp->input_f32(0), x.data(), x.size() * 4);
  ASSERT_TRUE(interp->invoke().ok());
  const int8_t* q = interp->output_i8(0);
  // x/0.5 = 0.5 -> 1, -0.5 -> -1, 1.48 -> 1, 200, -200, 0, 1.5 -> 2, -1.5 -> -2; then + 1, clamp.
  EXPECT_EQ(std::vector<int8_t>(q, q + 8), (std::vector<int8_t>{2, 0, 2, 127, -128, 1, 3, -1}));
}

}  // namespace
}  // namespace octet::runtime
