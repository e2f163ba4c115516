// The AVX2 int8 CONV_2D (im2col + GEMM, and the direct kernel for small depths) and
// FULLY_CONNECTED kernels against the reference kernels, byte for byte: seeded random single-op
// graphs (odd sizes, channel counts off multiples of 8, strides, dilations, both paddings,
// per-tensor / per-channel weights, extreme zero points, clamps, multipliers above 1, wrapping
// accumulators, batches, 1 and 2 threads, both FULLY_CONNECTED requantizations) and a whole
// mnist_cnn-shaped int8 model built here with random weights.
#include <gtest/gtest.h>

#include <cmath>

#include "qs8_test_util.h"
#include "runtime/kernels/x86/cpu_features.h"
#include "runtime/kernels/x86/qs8_conv2d_direct_avx2.h"

namespace octet::runtime {
namespace {

using namespace testing;  // NOLINT

std::vector<int8_t> rand_i8s(Rng& rng, size_t n) {
  std::vector<int8_t> v(n);
  for (int8_t& x : v) x = static_cast<int8_t>(rand_int(rng, -128, 127));
  return v;
}

// Filter [channels, ...] quantization: per channel (axis 0) or per tensor. Output scales are drawn
// so that some multipliers exceed 1 (left shifts) and most are below it.
void set_filter_quant(Graph& g, int32_t w, Rng& rng, int channels, bool per_channel) {
  std::vector<float> s;
  for (int i = 0; i < (per_channel ? channels : 1); ++i) s.push_back(rand_scale(rng, 0.0005f, 0.05f));
  set_quant(g, w, s, std::vector<int64_t>(s.size(), 0), 0);
}

// Bias values: usually moderate, sometimes near the int32 limits so the accumulator wraps.
std::vector<int32_t> rand_bias(Rng& rng, int n) {
  const bool huge = rng.below(8) == 0;
  std::vector<int32_t> v(n);
  for (int32_t& b : v) {
    b = huge ? static_cast<int32_t>(rng.next_u64()) : rand_int(rng, -30000, 30000);
  }
  return v;
}

// Runs g with the reference and the automatic kernels (1 and 2 threads) and compares every byte.
void expect_auto_matches_reference(const Graph& g, int batch, const std::vector<int8_t>& x,
                                   FcRequant fc, const char* auto_kernel, const std::string& what) {
  auto ref = make_interp(g, batch, 1, fc, KernelChoice::kReference);
  ASSERT_TRUE(ref) << what;
  const std::vector<int8_t> want = run_i8(*ref, x);
  for (int threads : {1, 2}) {
    auto opt = make_interp(g, batch, threads, fc, KernelChoice::kAuto);
    ASSERT_TRUE(opt) << what;
    if (auto_kernel) {
      EXPECT_STREQ(opt->op_kernel_name(0), auto_kernel) << what;
    }
    ASSERT_EQ(run_i8(*opt, x), want) << what << " threads " << threads;
  }
}

class Qs8Avx2 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!kernels::cpu_has_avx2_fma()) GTEST_SKIP() << "this CPU has no AVX2 + FMA";
  }
};

// The kernel the automatic choice must pick for a CONV_2D with constant weights: the direct
// kernel for small depths K (the first layers), the im2col + GEMM kernel above.
const char* conv_kernel(int kh, int kw, int cin) {
  return kh * kw * cin <= kernels::kQs8DirectConvMaxK ? "qs8_conv2d_direct_avx2" : "qs8_conv2d_avx2";
}

// One random-weight CONV_2D of shape c, run with the reference and the automatic kernels.
void expect_conv_matches_reference(Rng& rng, const RandomConv& c, const std::string& what) {
  const auto [batch, h, w, cin, cout, kh, kw, o] = c;
  const bool per_channel = rng.below(4) != 0, has_bias = rng.below(4) != 0;
  GraphBuilder b;
  const int32_t in = b.input({1, h, w, cin}, DataType::kInt8);
  set_quant(b.g, in, rand_scale(rng, 0.005f, 0.1f), rand_zero_point(rng));
  const int32_t wt = i8(b, {cout, kh, kw, cin}, rand_i8s(rng, static_cast<size_t>(cout) * kh * kw * cin));
  set_filter_quant(b.g, wt, rng, cout, per_channel);
  std::vector<int32_t> inputs{in, wt};
  if (has_bias) inputs.push_back(b.i32({cout}, rand_bias(rng, cout)));
  const int32_t out = b.op(OpType::kConv2D, inputs, o, DataType::kInt8);
  set_quant(b.g, out, rand_scale(rng, 0.0005f, 0.5f), rand_zero_point(rng));
  b.output(out);
  const std::vector<int8_t> x = rand_i8s(rng, static_cast<size_t>(batch) * h * w * cin);
  expect_auto_matches_reference(b.g, batch, x, FcRequant::kInteger, conv_kernel(kh, kw, cin), what);
}

TEST_F(Qs8Avx2, Conv2DMatchesTheReferenceOnRandomShapes) {
  Rng rng(4401);
  for (int iter = 0; iter < 150; ++iter) {
    expect_conv_matches_reference(rng, random_conv(rng), "iter " + std::to_string(iter));
  }
}

// The direct kernel's cases: 1 to 4 input channels, filters up to 5x5 with K <= 32 and just above
// (the GEMM kernel), strides 1-3, dilations 1-2 (runs of one tap position along x), both paddings,
// output channels off multiples of 8, widths with an odd last pixel.
TEST_F(Qs8Avx2, Conv2DMatchesTheReferenceOnSmallDepths) {
  Rng rng(4405);
  static constexpr int kOutChannels[] = {1, 5, 8, 13, 16, 24, 31, 32, 33, 40, 64};
  for (int iter = 0; iter < 200; ++iter) {
    RandomConv c = random_conv(rng);
    c.cin = rand_int(rng, 1, 4);
    do {
      c.kh = rand_int(rng, 1, 5);
      c.kw = rand_int(rng, 1, 5);
    } while (c.kh * c.kw * c.cin > 36);
    c.cout = kOutChannels[rng.below(11)];
    c.h = rand_int(rng, 1, 20);
    c.w = rand_int(rng, 1, 20);
    c.o.stride_h = rand_int(rng, 1, 3);
    c.o.stride_w = rand_int(rng, 1, 3);
    const bool fits = (c.kh - 1) * c.o.dilation_h + 1 <= c.h && (c.kw - 1) * c.o.dilation_w + 1 <= c.w;
    c.o.padding = fits && rng.below(2) ? Padding::kValid : Padding::kSame;
    expect_conv_matches_reference(rng, c, "iter " + std::to_string(iter));
  }
}

TEST_F(Qs8Avx2, Conv2DMatchesTheReferenceOnTheSeedModelShapes) {
  Rng rng(4402);
  struct Shape {
    int h, w, cin, cout;
    Padding padding;
  };
  // mnist_cnn, cifar_standard and cifar_micro convolutions (all 3x3).
  const Shape shapes[] = {{28, 28, 1, 32, Padding::kValid},  {13, 13, 32, 64, Padding::kValid},
                          {32, 32, 3, 32, Padding::kSame},   {32, 32, 32, 32, Padding::kSame},
                          {16, 16, 32, 64, Padding::kSame},  {16, 16, 64, 64, Padding::kSame},
                          {8, 8, 64, 128, Padding::kSame},   {32, 32, 3, 16, Padding::kSame},
                          {16, 16, 16, 24, Padding::kSame},  {8, 8, 24, 32, Padding::kSame}};
  for (const Shape& s : shapes) {
    for (int batch : {1, 4}) {
      OpOptions o;
      o.padding = s.padding;
      o.activation = Activation::kRelu;
      GraphBuilder b;
      const int32_t in = b.input({1, s.h, s.w, s.cin}, DataType::kInt8);
      set_quant(b.g, in, 0.02f, rand_zero_point(rng));
      const int32_t wt = i8(b, {s.cout, 3, 3, s.cin}, rand_i8s(rng, static_cast<size_t>(s.cout) * 9 * s.cin));
      set_filter_quant(b.g, wt, rng, s.cout, true);
      const int32_t out = b.op(OpType::kConv2D, {in, wt, b.i32({s.cout}, rand_bias(rng, s.cout))}, o,
                               DataType::kInt8);
      set_quant(b.g, out, rand_scale(rng, 0.05f, 2.0f), rand_zero_point(rng));
      b.output(out);
      const std::vector<int8_t> x = rand_i8s(rng, static_cast<size_t>(batch) * s.h * s.w * s.cin);
      expect_auto_matches_reference(b.g, batch, x, FcRequant::kInteger, conv_kernel(3, 3, s.cin),
                                    std::to_string(s.h) + "x" + std::to_string(s.w) + "x" +
                                        std::to_string(s.cin) + "->" + std::to_string(s.cout));
    }
  }
}

TEST_F(Qs8Avx2, FullyConnectedMatchesTheReferenceInBothRequantModes) {
  Rng rng(4403);
  for (int iter = 0; iter < 150; ++iter) {
    const int batch = rand_int(rng, 1, 9);
    const int depth = iter < 4 ? std::vector<int>{1600, 2048, 128, 32}[iter] : rand_int(rng, 1, 300);
    const int units = iter < 4 ? std::vector<int>{128, 96, 10, 10}[iter] : rand_int(rng, 1, 70);
    const bool per_channel = rng.below(4) != 0, has_bias = rng.below(4) != 0;
    OpOptions o;
    o.activation = rand_activation(rng);
    GraphBuilder b;
    const int32_t in = b.input({1, depth}, DataType::kInt8);
    set_quant(b.g, in, rand_scale(rng, 0.005f, 0.1f), rand_zero_point(rng));
    const int32_t wt = i8(b, {units, depth}, rand_i8s(rng, static_cast<size_t>(units) * depth));
    set_filter_quant(b.g, wt, rng, units, per_channel);
    std::vector<int32_t> inputs{in, wt};
    if (has_bias) inputs.push_back(b.i32({units}, rand_bias(rng, units)));
    const int32_t out = b.op(OpType::kFullyConnected, inputs, o, DataType::kInt8);
    set_quant(b.g, out, rand_scale(rng, 0.0005f, 0.5f), rand_zero_point(rng));
    b.output(out);
    const std::vector<int8_t> x = rand_i8s(rng, static_cast<size_t>(batch) * depth);
    const std::string what = "iter " + std::to_string(iter);
    expect_auto_matches_reference(b.g, batch, x, FcRequant::kInteger, "qs8_fully_connected_avx2", what);
    expect_auto_matches_reference(b.g, batch, x, FcRequant::kFloatDouble,
                                  "qs8_fully_connected_fp64req_avx2", what + " fp64");
  }
}

// The double-precision requantization's rounding: products landing exactly on .5 (M = 0.5 and
// M = 1.5 with every accumulator parity) must round away from zero like the reference.
TEST_F(Qs8Avx2, FullyConnectedFp64RequantRoundsTiesLikeTheReference) {
  for (float s_w : {0.5f, 1.5f, 0.25f}) {
    GraphBuilder b;
    const int32_t in = b.input({1, 1}, DataType::kInt8);
    set_quant(b.g, in, 1.0f, 0);
    std::vector<int8_t> w(9);
    for (int u = 0; u < 9; ++u) w[u] = static_cast<int8_t>(u - 4);
    const int32_t wt = i8(b, {9, 1}, w);
    set_quant(b.g, wt, s_w, 0);
    const int32_t out = b.op(OpType::kFullyConnected, {in, wt}, {}, DataType::kInt8);
    set_quant(b.g, out, 1.0f, 0);
    b.output(out);
    std::vector<int8_t> x;
    for (int v = -128; v <= 127; ++v) x.push_back(static_cast<int8_t>(v));
    expect_auto_matches_reference(b.g, static_cast<int>(x.size()), x, FcRequant::kFloatDouble,
                                  "qs8_fully_connected_fp64req_avx2", "s_w " + std::to_string(s_w));
  }
}

// A weight tensor that is not constant cannot be packed at prepare: the reference kernel runs.
// (A graph input's first dimension is the batch, so the filter input has one unit.)
TEST_F(Qs8Avx2, NonConstantFilterFallsBackToTheReference) {
  GraphBuilder b;
  const int32_t in = b.input({1, 4}, DataType::kInt8);
  set_quant(b.g, in, 1.0f, 0);
  const int32_t wt = b.input({1, 4}, DataType::kInt8);
  set_quant(b.g, wt, 1.0f, 0);
  const int32_t out = b.op(OpType::kFullyConnected, {in, wt}, {}, DataType::kInt8);
  set_quant(b.g, out, 1.0f, 0);
  b.output(out);
  auto interp = make_interp(b.g, 1, 1, FcRequant::kInteger, KernelChoice::kAuto);
  ASSERT_TRUE(interp);
  EXPECT_STREQ(interp->op_kernel_name(0), "qs8_fully_connected_ref");
  const std::vector<int8_t> x{1, 2, 3, 4}, w{-1, 0, 2, 1};
  std::memcpy(interp->input_data(0), x.data(), 4);
  std::memcpy(interp->input_data(1), w.data(), 4);
  ASSERT_TRUE(interp->invoke().ok());
  EXPECT_EQ(interp->output_i8(0)[0], 9);
}

// mnist_cnn's int8 graph (conv 3x3 1->32, max pool, conv 3x3 32->64, max pool, FC 1600->128 RELU,
// FC 128->10) with random weights: every output byte equal with reference and automatic kernels.
TEST_F(Qs8Avx2, MnistShapedModelMatchesTheReference) {
  Rng rng(4404);
  GraphBuilder b;
  int32_t t = b.input({1, 28, 28, 1}, DataType::kInt8);
  set_quant(b.g, t, 1.0f / 255, -128);
  auto conv = [&](int32_t x, int cin, int cout) {
    const int32_t wt = i8(b, {cout, 3, 3, cin}, rand_i8s(rng, static_cast<size_t>(cout) * 9 * cin));
    set_filter_quant(b.g, wt, rng, cout, true);
    OpOptions o;
    o.activation = Activation::kRelu;
    const int32_t y = b.op(OpType::kConv2D, {x, wt, b.i32({cout}, rand_bias(rng, cout))}, o, DataType::kInt8);
    set_quant(b.g, y, 0.05f, -128);
    OpOptions p;
    p.filter_h = p.filter_w = p.stride_h = p.stride_w = 2;
    const int32_t z = b.op(OpType::kMaxPool2D, {y}, p, DataType::kInt8);
    set_quant(b.g, z, 0.05f, -128);
    return z;
  };
  t = conv(conv(t, 1, 32), 32, 64);
  OpOptions r;
  r.new_shape = {-1, 1600};
  t = b.op(OpType::kReshape, {t}, r, DataType::kInt8);
  set_quant(b.g, t, 0.05f, -128);
  auto fc = [&](int32_t x, int depth, int units, Activation a) {
    const int32_t wt = i8(b, {units, depth}, rand_i8s(rng, static_cast<size_t>(units) * depth));
    set_filter_quant(b.g, wt, rng, units, true);
    OpOptions o;
    o.activation = a;
    const int32_t y = b.op(OpType::kFullyConnected, {x, wt, b.i32({units}, rand_bias(rng, units))}, o,
                           DataType::kInt8);
    set_quant(b.g, y, 0.1f, a == Activation::kRelu ? -128 : 3);
    return y;
  };
  t = fc(fc(t, 1600, 128, Activation::kRelu), 128, 10, Activation::kNone);
  b.output(t);
  for (int batch : {1, 5}) {
    const std::vector<int8_t> x = rand_i8s(rng, static_cast<size_t>(batch) * 28 * 28);
    for (FcRequant fc_mode : {FcRequant::kInteger, FcRequant::kFloatDouble}) {
      expect_auto_matches_reference(b.g, batch, x, fc_mode, nullptr, "batch " + std::to_string(batch));
    }
  }
}

}  // namespace
}  // namespace octet::runtime
