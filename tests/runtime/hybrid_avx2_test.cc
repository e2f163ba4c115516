// The AVX2 dynamic-range ("hybrid") CONV_2D and FULLY_CONNECTED kernels against the reference
// kernels, bit for bit: the input quantizers on random rows (ties, zeros, one-sided ranges, NaN and
// infinity), seeded random single-op graphs (odd channel counts, strides, padding, dilation,
// batches, all-zero images and rows, per-channel / equal per-channel / per-tensor scales, with and
// without bias, NONE / RELU / RELU6, symmetric and asymmetric FC inputs, 1 and 2 threads) and a
// whole mnist_cnn-shaped dynamic-range model built here with random weights.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "qs8_test_util.h"
#include "runtime/kernels/reference/hybrid_quantize_ref.h"
#include "runtime/kernels/x86/cpu_features.h"
#include "runtime/kernels/x86/hybrid_avx2.h"

namespace octet::runtime {
namespace {

using namespace testing;  // NOLINT

std::vector<int8_t> rand_weights(Rng& rng, size_t n) {
  std::vector<int8_t> v(n);
  for (int8_t& x : v) x = static_cast<int8_t>(rand_int(rng, -127, 127));
  return v;
}

// Weight scales for `channels` output channels: per channel (distinct), per channel but all equal
// (the reference's per-tensor conv variant), or one per-tensor scale.
void set_weight_scales(Graph& g, int32_t w, Rng& rng, int channels) {
  std::vector<float> s;
  const int kind = rand_int(rng, 0, 3);
  if (kind == 0) {
    s.push_back(rand_scale(rng, 0.0005f, 0.05f));
  } else if (kind == 1) {
    s.assign(channels, rand_scale(rng, 0.0005f, 0.05f));
  } else {
    for (int i = 0; i < channels; ++i) s.push_back(rand_scale(rng, 0.0005f, 0.05f));
  }
  set_quant(g, w, s, std::vector<int64_t>(s.size(), 0), 0);
}

// `count` blocks of `block` floats: mostly mixed-sign values of a random magnitude, sometimes one
// sign only, all zero (with a -0.0), or integers and halves (ties after scaling).
std::vector<float> rand_inputs(Rng& rng, int count, int block) {
  std::vector<float> x;
  for (int i = 0; i < count; ++i) {
    const int kind = rand_int(rng, 0, 7);
    const float m = rand_scale(rng, 0.01f, 20.0f);
    for (int j = 0; j < block; ++j) {
      float v;
      if (kind == 0) v = j == 0 ? -0.0f : 0.0f;
      else if (kind == 1) v = rng.uniform(0.0f, m);
      else if (kind == 2) v = rng.uniform(-m, 0.0f);
      else if (kind == 3) v = static_cast<float>(rand_int(rng, -254, 254)) * 0.5f;
      else v = rng.uniform(-m, m);
      x.push_back(v);
    }
  }
  return x;
}

std::vector<uint32_t> bits(const std::vector<float>& v) {
  std::vector<uint32_t> b(v.size());
  std::memcpy(b.data(), v.data(), v.size() * sizeof(float));
  return b;
}

// Runs g with the reference and the automatic kernels (1 and 2 threads); every output bit equal.
void expect_auto_matches_reference(const Graph& g, int batch, const std::vector<float>& x,
                                   const char* auto_kernel, const std::string& what) {
  auto ref = make_interp(g, batch, 1, FcRequant::kInteger, KernelChoice::kReference);
  ASSERT_TRUE(ref) << what;
  const std::vector<uint32_t> want = bits(run_f32(*ref, x));
  for (int threads : {1, 2}) {
    auto opt = make_interp(g, batch, threads, FcRequant::kInteger, KernelChoice::kAuto);
    ASSERT_TRUE(opt) << what;
    if (auto_kernel) {
      EXPECT_STREQ(opt->op_kernel_name(0), auto_kernel) << what;
    }
    ASSERT_EQ(bits(run_f32(*opt, x)), want) << what << " threads " << threads;
  }
}

class HybridAvx2 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!kernels::cpu_has_avx2_fma()) GTEST_SKIP() << "this CPU has no AVX2 + FMA";
  }
};

TEST_F(HybridAvx2, QuantizersMatchTheReference) {
  Rng rng(5501);
  const float inf = std::numeric_limits<float>::infinity();
  for (int iter = 0; iter < 400; ++iter) {
    const int n = iter < 40 ? iter + 1 : rand_int(rng, 1, 300);
    std::vector<float> x = rand_inputs(rng, 1, n);
    if (iter % 50 == 7) x[rng.below(n)] = std::nanf("");
    if (iter % 50 == 9) x[rng.below(n)] = -inf;
    if (iter % 50 == 11) x[rng.below(n)] = inf;
    std::vector<int8_t> want(n), got(n);
    float want_scale = 0, got_scale = 0;
    int32_t want_z = 0, got_z = 0;
    kernels::hybrid_symmetric_quantize_ref(x.data(), n, want.data(), &want_scale);
    kernels::hybrid_symmetric_quantize_avx2(x.data(), n, got.data(), &got_scale);
    ASSERT_EQ(got, want) << "symmetric iter " << iter;
    ASSERT_EQ(std::bit_cast<uint32_t>(got_scale), std::bit_cast<uint32_t>(want_scale)) << iter;
    kernels::hybrid_asymmetric_quantize_ref(x.data(), n, want.data(), &want_scale, &want_z);
    kernels::hybrid_asymmetric_quantize_avx2(x.data(), n, got.data(), &got_scale, &got_z);
    ASSERT_EQ(got, want) << "asymmetric iter " << iter;
    ASSERT_EQ(std::bit_cast<uint32_t>(got_scale), std::bit_cast<uint32_t>(want_scale)) << iter;
    ASSERT_EQ(got_z, want_z) << iter;
  }
}

// Symmetric ties: with max |x| = 127 the inverse scale is 1, so k + 0.5 rounds away from zero.
TEST_F(HybridAvx2, SymmetricQuantizerRoundsTiesAwayFromZero) {
  std::vector<float> x{127.0f, -0.5f, 0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 126.5f, -126.5f, 0.49999997f};
  std::vector<int8_t> q(x.size());
  float scale = 0;
  kernels::hybrid_symmetric_quantize_avx2(x.data(), static_cast<long>(x.size()), q.data(), &scale);
  EXPECT_EQ(scale, 1.0f);
  EXPECT_EQ(q, (std::vector<int8_t>{127, -1, 1, 2, -2, 3, -3, 127, -127, 0}));
}

TEST_F(HybridAvx2, Conv2DMatchesTheReferenceOnRandomShapes) {
  Rng rng(5502);
  for (int iter = 0; iter < 150; ++iter) {
    const auto [batch, h, w, cin, cout, kh, kw, o] = random_conv(rng);

    GraphBuilder b;
    const int32_t in = b.input({1, h, w, cin});
    const int32_t wt = i8(b, {cout, kh, kw, cin}, rand_weights(rng, static_cast<size_t>(cout) * kh * kw * cin));
    set_weight_scales(b.g, wt, rng, cout);
    std::vector<int32_t> inputs{in, wt};
    if (rng.below(4) != 0) inputs.push_back(b.f32({cout}, random_vector(rng, cout, -0.5f, 0.5f)));
    b.output(b.op(OpType::kConv2D, inputs, o));
    const std::vector<float> x = rand_inputs(rng, batch, h * w * cin);
    expect_auto_matches_reference(b.g, batch, x, "hybrid_conv2d_avx2", "iter " + std::to_string(iter));
  }
}

TEST_F(HybridAvx2, Conv2DMatchesTheReferenceOnTheSeedModelShapes) {
  Rng rng(5503);
  struct Shape {
    int h, w, cin, cout;
    Padding padding;
  };
  // The convolutions the dynamic-range seed models quantize (all 3x3, RELU).
  const Shape shapes[] = {{13, 13, 32, 64, Padding::kValid}, {32, 32, 32, 32, Padding::kSame},
                          {16, 16, 32, 64, Padding::kSame},  {16, 16, 64, 64, Padding::kSame},
                          {8, 8, 64, 128, Padding::kSame},   {16, 16, 16, 24, Padding::kSame},
                          {8, 8, 24, 32, Padding::kSame}};
  for (const Shape& s : shapes) {
    for (int batch : {1, 4}) {
      OpOptions o;
      o.padding = s.padding;
      o.activation = Activation::kRelu;
      GraphBuilder b;
      const int32_t in = b.input({1, s.h, s.w, s.cin});
      const int32_t wt = i8(b, {s.cout, 3, 3, s.cin}, rand_weights(rng, static_cast<size_t>(s.cout) * 9 * s.cin));
      set_weight_scales(b.g, wt, rng, s.cout);
      b.output(b.op(OpType::kConv2D, {in, wt, b.f32({s.cout}, random_vector(rng, s.cout, -0.2f, 0.2f))}, o));
      const std::vector<float> x = rand_inputs(rng, batch, s.h * s.w * s.cin);
      expect_auto_matches_reference(b.g, batch, x, "hybrid_conv2d_avx2",
                                    std::to_string(s.h) + "x" + std::to_string(s.w) + "x" +
                                        std::to_string(s.cin) + "->" + std::to_string(s.cout));
    }
  }
}

TEST_F(HybridAvx2, FullyConnectedMatchesTheReferenceOnRandomShapes) {
  Rng rng(5504);
  for (int iter = 0; iter < 200; ++iter) {
    const int batch = rand_int(rng, 1, 9);
    const int depth = iter < 4 ? std::vector<int>{1600, 2048, 128, 96}[iter] : rand_int(rng, 1, 300);
    const int units = iter < 4 ? std::vector<int>{128, 96, 10, 10}[iter] : rand_int(rng, 1, 70);
    OpOptions o;
    o.activation = rand_activation(rng);
    o.asymmetric_quantize_inputs = rng.below(2) != 0;
    GraphBuilder b;
    const int32_t in = b.input({1, depth});
    const int32_t wt = i8(b, {units, depth}, rand_weights(rng, static_cast<size_t>(units) * depth));
    set_weight_scales(b.g, wt, rng, units);
    std::vector<int32_t> inputs{in, wt};
    if (rng.below(4) != 0) inputs.push_back(b.f32({units}, random_vector(rng, units, -0.5f, 0.5f)));
    b.output(b.op(OpType::kFullyConnected, inputs, o));
    std::vector<float> x = rand_inputs(rng, batch, depth);
    if (iter % 25 == 5) std::fill(x.begin(), x.end(), 0.0f);  // the whole input zero: act(bias)
    if (iter % 25 == 6) x[rng.below(x.size())] = std::nanf("");
    expect_auto_matches_reference(b.g, batch, x, "hybrid_fully_connected_avx2",
                                  "iter " + std::to_string(iter));
  }
}

// mnist_cnn's dynamic-range graph with every weighted op hybrid (conv 3x3 1->32, max pool, conv
// 3x3 32->64, max pool, FC 1600->128 RELU asymmetric, FC 128->10, softmax), random weights: every
// output bit equal with reference and automatic kernels (the float max pool and the softmax are
// bit-identical in both).
TEST_F(HybridAvx2, MnistShapedModelMatchesTheReference) {
  Rng rng(5505);
  GraphBuilder b;
  int32_t t = b.input({1, 28, 28, 1});
  auto conv = [&](int32_t x, int cin, int cout) {
    const int32_t wt = i8(b, {cout, 3, 3, cin}, rand_weights(rng, static_cast<size_t>(cout) * 9 * cin));
    set_weight_scales(b.g, wt, rng, cout);
    OpOptions o;
    o.activation = Activation::kRelu;
    const int32_t y = b.op(OpType::kConv2D, {x, wt, b.f32({cout}, random_vector(rng, cout, -0.1f, 0.1f))}, o);
    OpOptions p;
    p.filter_h = p.filter_w = p.stride_h = p.stride_w = 2;
    return b.op(OpType::kMaxPool2D, {y}, p);
  };
  t = conv(conv(t, 1, 32), 32, 64);
  OpOptions r;
  r.new_shape = {-1, 1600};
  t = b.op(OpType::kReshape, {t}, r);
  auto fc = [&](int32_t x, int depth, int units, Activation a, bool asymmetric) {
    const int32_t wt = i8(b, {units, depth}, rand_weights(rng, static_cast<size_t>(units) * depth));
    set_weight_scales(b.g, wt, rng, units);
    OpOptions o;
    o.activation = a;
    o.asymmetric_quantize_inputs = asymmetric;
    return b.op(OpType::kFullyConnected, {x, wt, b.f32({units}, random_vector(rng, units, -0.1f, 0.1f))}, o);
  };
  t = fc(fc(t, 1600, 128, Activation::kRelu, true), 128, 10, Activation::kNone, false);
  b.output(b.op(OpType::kSoftmax, {t}));
  for (int batch : {1, 5}) {
    std::vector<float> x(static_cast<size_t>(batch) * 28 * 28);
    for (float& v : x) v = rng.below(3) == 0 ? 0.0f : rng.uniform(0.0f, 1.0f);
    expect_auto_matches_reference(b.g, batch, x, "hybrid_conv2d_avx2", "batch " + std::to_string(batch));
  }
}

}  // namespace
}  // namespace octet::runtime
