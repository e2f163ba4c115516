// Cross-layer equalization: the float function is preserved, each pair's channel ranges meet at
// sqrt(r1 * r2), and layers joined through RELU6 or a shared tensor are left alone.
#include "quant/equalize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>

#include "quant_test_util.h"
#include "runtime/interpreter.h"

namespace octet::quant {
namespace {

using namespace testing;

enum class Head { kAvgPoolReshape, kMean };

// input [1,8,8,2] -> CONV_2D 3x3 (4, RELU) -> MAX_POOL 2x2 -> DEPTHWISE 3x3 x2 (8, RELU) ->
// AVERAGE_POOL 2x2 + RESHAPE [1,32] or MEAN [1,2] -> FULLY_CONNECTED (6, RELU) ->
// FULLY_CONNECTED (3) = the output logits. Channel c of each weight layer is scaled by 3^c so the
// ranges differ a lot between channels.
Graph make_chain(Head head, Activation first_activation = Activation::kRelu) {
  Rng rng(7);
  Graph g;
  g.name = "main";
  auto skewed = [&](std::vector<int32_t> shape, int channel_axis, int fan_in) {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    std::vector<float> v = random_weights(rng, static_cast<size_t>(n), fan_in, 0.05f);
    int64_t inner = 1;
    for (size_t k = static_cast<size_t>(channel_axis) + 1; k < shape.size(); ++k) inner *= shape[k];
    for (int64_t e = 0; e < n; ++e) v[static_cast<size_t>(e)] *= std::pow(3.0f, static_cast<float>(e / inner % shape[channel_axis]));
    return v;
  };
  const int32_t in = add_activation(g, "input", {1, 8, 8, 2});
  g.inputs = {in};
  const int32_t cw = add_f32(g, "conv/kernel", {4, 3, 3, 2}, skewed({4, 3, 3, 2}, 0, 18));
  const int32_t cb = add_f32(g, "conv/bias", {4}, random_weights(rng, 4, 4, 0.1f));
  const int32_t conv = add_activation(g, "conv", {1, 8, 8, 4});
  Op c{OpType::kConv2D, 1, {in, cw, cb}, {conv}, {}};
  c.options.padding = runtime::Padding::kSame;
  c.options.activation = first_activation;
  g.ops.push_back(c);
  const int32_t pool = add_activation(g, "pool", {1, 4, 4, 4});
  Op mp{OpType::kMaxPool2D, 1, {conv}, {pool}, {}};
  mp.options.filter_h = mp.options.filter_w = mp.options.stride_h = mp.options.stride_w = 2;
  g.ops.push_back(mp);
  const int32_t dw_w = add_f32(g, "dw/kernel", {1, 3, 3, 8}, skewed({1, 3, 3, 8}, 3, 9));
  const int32_t dw_b = add_f32(g, "dw/bias", {8}, random_weights(rng, 8, 8, 0.1f));
  const int32_t dw = add_activation(g, "dw", {1, 4, 4, 8});
  Op d{OpType::kDepthwiseConv2D, 1, {pool, dw_w, dw_b}, {dw}, {}};
  d.options.padding = runtime::Padding::kSame;
  d.options.depth_multiplier = 2;
  d.options.activation = Activation::kRelu;
  g.ops.push_back(d);
  int32_t features = 0, width = 0;
  if (head == Head::kAvgPoolReshape) {
    const int32_t avg = add_activation(g, "avg", {1, 2, 2, 8});
    Op ap{OpType::kAveragePool2D, 1, {dw}, {avg}, {}};
    ap.options.filter_h = ap.options.filter_w = ap.options.stride_h = ap.options.stride_w = 2;
    g.ops.push_back(ap);
    const int32_t shape = add_i32(g, "flatten/shape", {-1, 32});
    features = add_activation(g, "flatten", {1, 32});
    g.ops.push_back(Op{OpType::kReshape, 1, {avg, shape}, {features}, {}});
    width = 32;
  } else {
    const int32_t axes = add_i32(g, "mean/axes", {1, 2});
    features = add_activation(g, "mean", {1, 8});
    g.ops.push_back(Op{OpType::kMean, 1, {dw, axes}, {features}, {}});
    width = 8;
  }
  const int32_t f1w = add_f32(g, "fc1/kernel", {6, width}, skewed({6, width}, 0, width));
  const int32_t f1b = add_f32(g, "fc1/bias", {6}, random_weights(rng, 6, 6, 0.1f));
  const int32_t fc1 = add_activation(g, "fc1", {1, 6});
  Op f1{OpType::kFullyConnected, 1, {features, f1w, f1b}, {fc1}, {}};
  f1.options.activation = Activation::kRelu;
  g.ops.push_back(f1);
  const int32_t f2w = add_f32(g, "fc2/kernel", {3, 6}, random_weights(rng, 18, 6));
  const int32_t f2b = add_f32(g, "fc2/bias", {3}, random_weights(rng, 3, 3));
  const int32_t logits = add_activation(g, "logits", {1, 3});
  g.ops.push_back(Op{OpType::kFullyConnected, 1, {fc1, f2w, f2b}, {logits}, {}});
  g.outputs = {logits};
  return g;
}

// The outputs of `g` on `images` seeded random inputs, image after image.
std::vector<float> run(const Graph& g, int images) {
  runtime::InterpreterOptions o;
  o.batch = 1;
  auto interp = runtime::Interpreter::create(g, o);
  EXPECT_TRUE(interp.ok()) << interp.status().message();
  Rng rng(11);
  std::vector<float> out;
  for (int i = 0; i < images; ++i) {
    float* x = (*interp)->input_f32(0);
    for (size_t k = 0; k < (*interp)->input_bytes(0) / sizeof(float); ++k) x[k] = rng.uniform(0.0f, 1.0f);
    EXPECT_TRUE((*interp)->invoke().ok());
    const float* y = (*interp)->output_f32(0);
    out.insert(out.end(), y, y + (*interp)->output_bytes(0) / sizeof(float));
  }
  return out;
}

class EqualizeChain : public ::testing::TestWithParam<Head> {};

TEST_P(EqualizeChain, FindsEveryPairThroughPoolsReshapeAndMean) {
  const Graph g = make_chain(GetParam());
  const EqualizeReport r = find_equalize_pairs(g);
  ASSERT_EQ(r.pairs.size(), 3u);
  EXPECT_EQ(r.pairs[0].first_op, 0);
  EXPECT_EQ(r.pairs[0].second_op, 2);
  EXPECT_EQ(r.pairs[0].channels, 4);
  EXPECT_EQ(r.pairs[1].first_op, 2);
  EXPECT_EQ(r.pairs[1].channels, 8);
  EXPECT_EQ(r.pairs[2].channels, 6);
  ASSERT_EQ(r.skipped.size(), 1u);  // the last layer: its output is the graph output
  EXPECT_NE(r.skipped[0].find("graph output"), std::string::npos) << r.skipped[0];
}

TEST_P(EqualizeChain, KeepsTheFloatFunction) {
  const Graph original = make_chain(GetParam());
  Graph g = original;
  auto r = equalize_graph(g);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->converged);
  // The weights did change (the channels were far from balanced)...
  EXPECT_NE(std::memcmp(g.tensors[1].data.data(), original.tensors[1].data.data(), original.tensors[1].data.size()), 0);
  // ...but not the outputs, beyond float rounding.
  const std::vector<float> a = run(original, 20), b = run(g, 20);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4 * (1 + std::fabs(a[i]))) << "output " << i;
}

TEST_P(EqualizeChain, ChannelRangesOfEachPairMeet) {
  Graph g = make_chain(GetParam());
  const EqualizeReport before = find_equalize_pairs(g);
  std::vector<std::vector<double>> r1_before, r2_before;
  for (const EqualizePair& p : before.pairs) {
    r1_before.push_back(first_channel_ranges(g, p));
    r2_before.push_back(second_channel_ranges(g, p));
  }
  auto r = equalize_graph(g);
  ASSERT_TRUE(r.ok()) << r.status().message();
  for (size_t k = 0; k < r->pairs.size(); ++k) {
    const std::vector<double> r1 = first_channel_ranges(g, r->pairs[k]), r2 = second_channel_ranges(g, r->pairs[k]);
    for (size_t c = 0; c < r1.size(); ++c) {
      EXPECT_NEAR(r1[c], r2[c], 1e-5 * r2[c]) << r->pairs[k].description << " channel " << c;
    }
  }
  // The first pair of the first sweep meets at exactly sqrt(r1 * r2) of the original ranges; no
  // later pair touches its first op, so its r1 keeps that value.
  Graph single = make_chain(GetParam());
  EqualizeOptions one;
  one.max_iterations = 1;
  ASSERT_TRUE(equalize_graph(single, one).ok());
  const std::vector<double> r1 = first_channel_ranges(single, before.pairs[0]);
  for (size_t c = 0; c < r1.size(); ++c) {
    const double expected = std::sqrt(r1_before[0][c] * r2_before[0][c]);
    EXPECT_NEAR(r1[c], expected, 1e-5 * expected) << "channel " << c;
  }
}

INSTANTIATE_TEST_SUITE_P(Heads, EqualizeChain, ::testing::Values(Head::kAvgPoolReshape, Head::kMean));

TEST(Equalize, SkipsAFusedRelu6AndLeavesItsWeights) {
  const Graph original = make_chain(Head::kMean, Activation::kRelu6);
  Graph g = original;
  auto r = equalize_graph(g);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->pairs.size(), 2u);
  EXPECT_EQ(r->pairs[0].first_op, 2);
  ASSERT_EQ(r->skipped.size(), 2u);
  EXPECT_NE(r->skipped[0].find("CONV_2D #0: fused RELU6"), std::string::npos) << r->skipped[0];
  EXPECT_EQ(g.tensors[1].data, original.tensors[1].data);  // conv/kernel untouched
  EXPECT_EQ(g.tensors[2].data, original.tensors[2].data);  // conv/bias untouched
}

TEST(Equalize, SkipsATensorWithASecondConsumer) {
  Graph g = make_chain(Head::kMean);
  g.outputs.push_back(3);  // 'conv' is also a graph output now
  const EqualizeReport r = find_equalize_pairs(g);
  ASSERT_EQ(r.pairs.size(), 2u);
  EXPECT_NE(r.skipped[0].find("'conv' is a graph output"), std::string::npos) << r.skipped[0];

  Graph h = make_chain(Head::kMean);
  const int32_t extra = add_activation(h, "extra", {1, 4, 4, 4});
  Op mp{OpType::kMaxPool2D, 1, {3}, {extra}, {}};  // a second reader of 'conv'
  mp.options.filter_h = mp.options.filter_w = mp.options.stride_h = mp.options.stride_w = 2;
  h.ops.insert(h.ops.begin() + 1, mp);
  h.outputs.push_back(extra);
  const EqualizeReport s = find_equalize_pairs(h);
  EXPECT_NE(s.skipped[0].find("'conv' has 2 consumers"), std::string::npos) << s.skipped[0];
}

TEST(Equalize, MeanOverChannelsEndsTheChain) {
  Graph g = make_chain(Head::kMean);
  for (Tensor& t : g.tensors) {
    if (t.name == "mean/axes") {
      const int32_t axis = 3;
      std::memcpy(t.data.data() + 4, &axis, 4);
    }
  }
  const EqualizeReport r = find_equalize_pairs(g);
  ASSERT_EQ(r.pairs.size(), 2u);
  EXPECT_NE(r.skipped[0].find("DEPTHWISE_CONV_2D #2: followed by MEAN"), std::string::npos) << r.skipped[0];
}

}  // namespace
}  // namespace octet::quant
