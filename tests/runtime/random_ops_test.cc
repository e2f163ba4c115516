// Conv, depthwise conv and fully connected against the naive loops of test_util.h on seeded random
// shapes, at batch 1 and 5, with 1 and 2 threads; outputs must be bit-identical across thread counts.
#include <gtest/gtest.h>

#include "test_util.h"

namespace octet::runtime {
namespace {

using testing::close;
using testing::GraphBuilder;
using testing::make_interpreter;
using testing::random_vector;
using testing::run_f32;

struct Case {
  Graph graph;
  std::vector<float> input;     // for the largest batch
  std::vector<float> expected;  // naive result for that batch
  int per_image_in = 0, per_image_out = 0;
  std::string describe;
};

// Runs the case at batch 1 (first image) and 5, threads 1 and 2.
void check_case(const Case& c) {
  SCOPED_TRACE(c.describe);
  for (int batch : {1, 5}) {
    std::vector<float> in(c.input.begin(), c.input.begin() + batch * c.per_image_in);
    std::vector<float> outs[2];
    for (int threads : {1, 2}) {
      auto interp = make_interpreter(c.graph, batch, threads);
      ASSERT_TRUE(interp);
      outs[threads - 1] = run_f32(*interp, in);
      ASSERT_EQ(outs[threads - 1].size(), static_cast<size_t>(batch * c.per_image_out));
      for (size_t i = 0; i < outs[threads - 1].size(); ++i) {
        ASSERT_TRUE(close(outs[threads - 1][i], c.expected[i]))
            << "batch " << batch << " threads " << threads << " index " << i << ": "
            << outs[threads - 1][i] << " vs naive " << c.expected[i];
      }
    }
    ASSERT_EQ(outs[0], outs[1]) << "batch " << batch << ": results differ between 1 and 2 threads";
  }
}

OpOptions random_conv_options(Rng& rng, bool dilation) {
  OpOptions o;
  o.padding = rng.below(2) ? Padding::kSame : Padding::kValid;
  o.stride_h = 1 + rng.below(2);
  o.stride_w = 1 + rng.below(2);
  if (dilation) {
    o.dilation_h = 1 + rng.below(2);
    o.dilation_w = 1 + rng.below(2);
  }
  const Activation acts[] = {Activation::kNone, Activation::kRelu, Activation::kRelu6};
  o.activation = acts[rng.below(3)];
  return o;
}

std::string describe(int h, int w, int cin, int cout, int kh, int kw, const OpOptions& o) {
  return "in " + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(cin) +
         " out channels " + std::to_string(cout) + " kernel " + std::to_string(kh) + "x" +
         std::to_string(kw) + " stride " + std::to_string(o.stride_h) + "," +
         std::to_string(o.stride_w) + " dilation " + std::to_string(o.dilation_h) + "," +
         std::to_string(o.dilation_w) + (o.padding == Padding::kSame ? " SAME" : " VALID") +
         " act " + std::to_string(static_cast<int>(o.activation));
}

TEST(RandomOps, Conv2DMatchesNaiveLoops) {
  Rng rng(20240601);
  int done = 0;
  while (done < 40) {
    const int h = 3 + rng.below(8), w = 3 + rng.below(8), cin = 1 + rng.below(5);
    const int cout = 1 + rng.below(7), kh = 1 + rng.below(4), kw = 1 + rng.below(4);
    OpOptions o = random_conv_options(rng, true);
    if (testing::out_size(h, kh, o.stride_h, o.dilation_h, o.padding) < 1 ||
        testing::out_size(w, kw, o.stride_w, o.dilation_w, o.padding) < 1) {
      continue;
    }
    const bool has_bias = rng.below(4) != 0;
    Case c;
    c.describe = describe(h, w, cin, cout, kh, kw, o) + (has_bias ? " bias" : " no bias");
    std::vector<float> filter = random_vector(rng, static_cast<size_t>(cout) * kh * kw * cin);
    std::vector<float> bias = random_vector(rng, cout);
    GraphBuilder b;
    int32_t in = b.input({1, h, w, cin});
    int32_t wt = b.f32({cout, kh, kw, cin}, filter);
    int32_t bt = has_bias ? b.f32({cout}, bias) : -1;
    b.output(b.op(OpType::kConv2D, {in, wt, bt}, o));
    c.graph = b.g;
    c.per_image_in = h * w * cin;
    c.input = random_vector(rng, 5 * c.per_image_in);
    int oh, ow;
    c.expected = testing::naive_conv2d(c.input, 5, h, w, cin, filter, cout, kh, kw,
                                       has_bias ? bias.data() : nullptr, o, &oh, &ow);
    c.per_image_out = oh * ow * cout;
    check_case(c);
    if (::testing::Test::HasFatalFailure()) return;
    ++done;
  }
}

TEST(RandomOps, DepthwiseConv2DMatchesNaiveLoops) {
  Rng rng(777);
  int done = 0;
  while (done < 40) {
    const int h = 3 + rng.below(8), w = 3 + rng.below(8), cin = 1 + rng.below(5);
    const int m = 1 + rng.below(3), kh = 1 + rng.below(4), kw = 1 + rng.below(4);
    OpOptions o = random_conv_options(rng, true);
    o.depth_multiplier = m;
    if (testing::out_size(h, kh, o.stride_h, o.dilation_h, o.padding) < 1 ||
        testing::out_size(w, kw, o.stride_w, o.dilation_w, o.padding) < 1) {
      continue;
    }
    const bool has_bias = rng.below(4) != 0;
    Case c;
    c.describe = describe(h, w, cin, cin * m, kh, kw, o);
    std::vector<float> filter = random_vector(rng, static_cast<size_t>(kh) * kw * cin * m);
    std::vector<float> bias = random_vector(rng, cin * m);
    GraphBuilder b;
    int32_t in = b.input({1, h, w, cin});
    int32_t wt = b.f32({1, kh, kw, cin * m}, filter);
    int32_t bt = has_bias ? b.f32({cin * m}, bias) : -1;
    b.output(b.op(OpType::kDepthwiseConv2D, {in, wt, bt}, o));
    c.graph = b.g;
    c.per_image_in = h * w * cin;
    c.input = random_vector(rng, 5 * c.per_image_in);
    int oh, ow;
    c.expected = testing::naive_depthwise(c.input, 5, h, w, cin, filter, m, kh, kw,
                                          has_bias ? bias.data() : nullptr, o, &oh, &ow);
    c.per_image_out = oh * ow * cin * m;
    check_case(c);
    if (::testing::Test::HasFatalFailure()) return;
    ++done;
  }
}

TEST(RandomOps, FullyConnectedMatchesNaiveLoops) {
  Rng rng(4242);
  for (int i = 0; i < 30; ++i) {
    // Inputs [1, a, depth/a] so the FC views them as [batch, depth]; depth up to 300.
    const int a = 1 + rng.below(3), inner = 1 + rng.below(100), depth = a * inner;
    const int units = 1 + rng.below(40);
    const bool has_bias = rng.below(3) != 0;
    OpOptions o;
    const Activation acts[] = {Activation::kNone, Activation::kRelu, Activation::kRelu6};
    o.activation = acts[rng.below(3)];
    Case c;
    c.describe = "depth " + std::to_string(depth) + " units " + std::to_string(units);
    std::vector<float> filter = random_vector(rng, static_cast<size_t>(units) * depth);
    std::vector<float> bias = random_vector(rng, units);
    GraphBuilder b;
    int32_t in = b.input({1, a, inner});
    int32_t wt = b.f32({units, depth}, filter);
    int32_t bt = has_bias ? b.f32({units}, bias) : -1;
    b.output(b.op(OpType::kFullyConnected, {in, wt, bt}, o));
    c.graph = b.g;
    c.per_image_in = depth;
    c.per_image_out = units;
    c.input = random_vector(rng, 5 * depth);
    c.expected = testing::naive_fc(c.input, 5, depth, filter, units, has_bias ? bias.data() : nullptr,
                                   o.activation);
    check_case(c);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

std::vector<float> naive_average_pool(const std::vector<float>& in, int n, int h, int w, int c,
                                      const OpOptions& o) {
  int oh = testing::out_size(h, o.filter_h, o.stride_h, 1, o.padding);
  int ow = testing::out_size(w, o.filter_w, o.stride_w, 1, o.padding);
  int pt = testing::pad_before(h, o.filter_h, o.stride_h, 1, o.padding);
  int pl = testing::pad_before(w, o.filter_w, o.stride_w, 1, o.padding);
  std::vector<float> out(static_cast<size_t>(n) * oh * ow * c);
  for (int b = 0; b < n; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int ch = 0; ch < c; ++ch) {
          double sum = 0;
          int count = 0;
          for (int ky = 0; ky < o.filter_h; ++ky)
            for (int kx = 0; kx < o.filter_w; ++kx) {
              int iy = y * o.stride_h - pt + ky, ix = x * o.stride_w - pl + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              sum += in[((b * h + iy) * w + ix) * c + ch];
              ++count;
            }
          out[((b * oh + y) * ow + x) * c + ch] =
              testing::clamp_act(static_cast<float>(sum / count), o.activation);
        }
  return out;
}

TEST(RandomOps, PoolsMatchNaiveLoops) {
  Rng rng(31337);
  for (int i = 0; i < 40; ++i) {
    const int h = 2 + rng.below(9), w = 2 + rng.below(9), c = 1 + rng.below(9);
    OpOptions o = random_conv_options(rng, false);
    o.filter_h = 1 + rng.below(std::min(h, 4));
    o.filter_w = 1 + rng.below(std::min(w, 4));
    const bool is_max = rng.below(2) != 0;
    Case cs;
    cs.describe = std::string(is_max ? "max " : "average ") + describe(h, w, c, c, o.filter_h, o.filter_w, o);
    GraphBuilder b;
    int32_t in = b.input({1, h, w, c});
    b.output(b.op(is_max ? OpType::kMaxPool2D : OpType::kAveragePool2D, {in}, o));
    cs.graph = b.g;
    cs.per_image_in = h * w * c;
    cs.input = random_vector(rng, 5 * cs.per_image_in, -3.0f, 8.0f);
    int oh, ow;
    if (is_max) {
      cs.expected = testing::naive_max_pool(cs.input, 5, h, w, c, o, &oh, &ow);
    } else {
      cs.expected = naive_average_pool(cs.input, 5, h, w, c, o);
      oh = testing::out_size(h, o.filter_h, o.stride_h, 1, o.padding);
      ow = testing::out_size(w, o.filter_w, o.stride_w, 1, o.padding);
    }
    cs.per_image_out = oh * ow * c;
    check_case(cs);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// Larger batches than the FC row block and than the thread count, uneven chunks.
TEST(RandomOps, LargeBatchesAreIdenticalForAnyThreadCount) {
  Rng rng(99);
  GraphBuilder b;
  int32_t in = b.input({1, 6, 6, 3});
  OpOptions same;
  same.padding = Padding::kSame;
  same.activation = Activation::kRelu;
  int32_t c1 = b.op(OpType::kConv2D, {in, b.f32({8, 3, 3, 3}, random_vector(rng, 216)),
                                      b.f32({8}, random_vector(rng, 8))}, same);
  int32_t d1 = b.op(OpType::kDepthwiseConv2D, {c1, b.f32({1, 3, 3, 16}, random_vector(rng, 144)),
                                               -1}, same);
  int32_t f = b.op(OpType::kFullyConnected, {d1, b.f32({10, 576}, random_vector(rng, 5760)), -1});
  b.output(f);
  const int batch = 37;
  std::vector<float> x = random_vector(rng, batch * 108);
  std::vector<float> ref;
  for (int threads : {1, 2, 3, 4}) {
    auto interp = make_interpreter(b.g, batch, threads);
    ASSERT_TRUE(interp);
    std::vector<float> y = run_f32(*interp, x);
    if (threads == 1) {
      ref = y;
    } else {
      EXPECT_EQ(y, ref) << threads << " threads";
    }
  }
}

}  // namespace
}  // namespace octet::runtime
