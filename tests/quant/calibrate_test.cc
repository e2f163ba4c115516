// Calibration: index drawing, recorded ranges against a direct float run, determinism, errors.
#include "quant/calibrate.h"

#include <algorithm>
#include <cstring>
#include <set>

#include <gtest/gtest.h>

#include "quant/observer.h"
#include "quant/qparams.h"
#include "quant/quantize.h"
#include "quant_test_util.h"
#include "runtime/interpreter.h"

namespace octet::quant {
namespace {

using namespace testing;

CalibrationOptions quiet_options(int64_t samples, uint64_t seed) {
  CalibrationOptions o;
  o.samples = samples;
  o.seed = seed;
  o.progress = false;
  o.batch = 16;
  return o;
}

TEST(MinMaxObserver, SkipsNanAndCountsInf) {
  MinMaxObserver o;
  EXPECT_TRUE(o.range().empty());
  const float a[] = {NAN, 2.0f, -1.0f};
  o.update(a);
  const float b[] = {0.5f, 3.0f, NAN};
  o.update(b);
  ObservedRange r = o.range();
  EXPECT_EQ(r.min, -1.0f);
  EXPECT_EQ(r.max, 3.0f);
  EXPECT_EQ(r.count, 4);
  EXPECT_EQ(r.nan_count, 2);
  EXPECT_EQ(r.inf_count, 0);
  const float c[] = {INFINITY};
  o.update(c);
  EXPECT_EQ(o.range().inf_count, 1);
  EXPECT_FALSE(make_observer("entropy").ok());
  EXPECT_TRUE(make_observer("minmax").ok());
}

TEST(DrawIndices, DistinctSortedSeeded) {
  auto a = draw_calibration_indices(1000, 100, 5);
  auto b = draw_calibration_indices(1000, 100, 5);
  auto c = draw_calibration_indices(1000, 100, 6);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()).size(), 100u);
  EXPECT_LT(a.back(), 1000);
  auto all = draw_calibration_indices(10, 10, 1);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(all[i], i);
}

TEST(Calibrate, RangesMatchADirectFloatRun) {
  Graph g = make_small_cnn(1);
  data::Dataset d = make_dataset(8, 8, 1, 300, 2);
  auto r = calibrate(g, d, quiet_options(50, 3));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->samples(), 50);
  EXPECT_EQ(r->indices_hash, fnv1a64(r->indices.data(), r->indices.size()));
  // Recompute every range with a batch-1 interpreter, image by image.
  runtime::InterpreterOptions io;
  io.preserve_all_tensors = true;
  auto interp = runtime::Interpreter::create(g, io);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  std::vector<float> mn(g.tensors.size(), INFINITY), mx(g.tensors.size(), -INFINITY);
  for (int64_t idx : r->indices) {
    data::to_float(d, &idx, 1, (*interp)->input_f32(0));
    ASSERT_TRUE((*interp)->invoke().ok());
    for (size_t t = 0; t < g.tensors.size(); ++t) {
      if (g.tensors[t].is_constant) continue;
      const float* p = static_cast<const float*>((*interp)->tensor_data(static_cast<int>(t)));
      int64_t n = 1;
      for (int32_t dim : (*interp)->tensor_shape(static_cast<int>(t))) n *= dim;
      for (int64_t k = 0; k < n; ++k) {
        mn[t] = std::min(mn[t], p[k]);
        mx[t] = std::max(mx[t], p[k]);
      }
    }
  }
  int observed = 0;
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const TensorRange& tr = r->ranges[t];
    EXPECT_EQ(tr.observed, !g.tensors[t].is_constant) << g.tensors[t].name;
    if (!tr.observed) continue;
    ++observed;
    // Batched and single-image runs may round differently in the GEMM; allow a few ulps.
    EXPECT_NEAR(tr.range.min, mn[t], 1e-5f * std::max(1.0f, std::fabs(mn[t]))) << g.tensors[t].name;
    EXPECT_NEAR(tr.range.max, mx[t], 1e-5f * std::max(1.0f, std::fabs(mx[t]))) << g.tensors[t].name;
  }
  EXPECT_EQ(observed, 6);  // input, conv, pool, flatten, dense, probabilities
  const TensorRange& input = r->ranges[static_cast<size_t>(g.inputs[0])];
  EXPECT_LE(input.range.max, 1.0f);  // pixels / 255
  EXPECT_GT(input.range.max, 0.9f);
  EXPECT_GE(input.range.min, 0.0f);
}

TEST(Calibrate, SameSeedSameRangesAndHash) {
  Graph g = make_small_cnn(4);
  data::Dataset d = make_dataset(8, 8, 1, 200, 5);
  auto a = calibrate(g, d, quiet_options(64, 9));
  auto b = calibrate(g, d, quiet_options(64, 9));
  auto c = calibrate(g, d, quiet_options(64, 10));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->indices, b->indices);
  EXPECT_EQ(a->indices_hash, b->indices_hash);
  EXPECT_NE(a->indices_hash, c->indices_hash);
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    EXPECT_EQ(a->ranges[t].range.min, b->ranges[t].range.min);
    EXPECT_EQ(a->ranges[t].range.max, b->ranges[t].range.max);
  }
}

TEST(Calibrate, ClampsSamplesWithAWarning) {
  Graph g = make_small_cnn(1);
  data::Dataset d = make_dataset(8, 8, 1, 20, 2);
  auto r = calibrate(g, d, quiet_options(500, 1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->samples(), 20);
  EXPECT_EQ(r->samples_requested, 500);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("only 20"), std::string::npos);
}

TEST(Calibrate, Errors) {
  Graph g = make_small_cnn(1);
  data::Dataset empty = make_dataset(8, 8, 1, 0 + 1, 2);
  empty.pixels.clear();
  empty.labels.clear();
  auto e = calibrate(g, empty, quiet_options(10, 1));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("empty"), std::string::npos);
  data::Dataset wrong = make_dataset(6, 6, 1, 10, 2);
  auto w = calibrate(g, wrong, quiet_options(10, 1));
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("6x6x1"), std::string::npos) << w.status().message();
  data::Dataset d = make_dataset(8, 8, 1, 10, 2);
  EXPECT_FALSE(calibrate(g, d, quiet_options(0, 1)).ok());
  CalibrationOptions bad = quiet_options(5, 1);
  bad.method = "entropy";
  EXPECT_FALSE(calibrate(g, d, bad).ok());
}

TEST(Calibrate, EveryMethodGivesARangeInsideTheMinMaxRange) {
  Graph g = make_small_cnn(2);
  data::Dataset d = make_dataset(8, 8, 1, 200, 3);
  auto mm = calibrate(g, d, quiet_options(100, 4));
  ASSERT_TRUE(mm.ok());
  for (const CalibrationMethod& m : calibration_methods()) {
    CalibrationOptions o = quiet_options(100, 4);
    o.method = m.name;
    auto r = calibrate(g, d, o);
    ASSERT_TRUE(r.ok()) << m.name << ": " << r.status().message();
    EXPECT_EQ(r->method, m.name);
    for (size_t t = 0; t < g.tensors.size(); ++t) {
      if (!r->ranges[t].observed) continue;
      const ObservedRange& a = r->ranges[t].range;
      const ObservedRange& b = mm->ranges[t].range;
      // Both passes of the histogram methods see the same values as the min-max run.
      EXPECT_EQ(a.seen_min, b.min) << m.name << " " << g.tensors[t].name;
      EXPECT_EQ(a.seen_max, b.max) << m.name << " " << g.tensors[t].name;
      EXPECT_GE(a.min, b.min) << m.name << " " << g.tensors[t].name;
      EXPECT_LE(a.max, b.max) << m.name << " " << g.tensors[t].name;
      EXPECT_LE(a.min, a.max) << m.name << " " << g.tensors[t].name;
    }
    auto q = quantize_graph(g, &*r, {});
    EXPECT_TRUE(q.ok()) << m.name << ": " << q.status().message();
  }
}

TEST(Calibrate, ConstantActivationWarnsForHistogramMethods) {
  // All-zero conv weights and bias: the conv, pool and flatten outputs are 0 on every image.
  Graph g = make_small_cnn(1, {}, std::vector<float>(36, 0.0f), std::vector<float>(4, 0.0f));
  data::Dataset d = make_dataset(8, 8, 1, 20, 2);
  CalibrationOptions o = quiet_options(10, 1);
  o.method = "kl";
  auto r = calibrate(g, d, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  bool conv_warned = false;
  for (const std::string& w : r->warnings) conv_warned |= w.find("'conv'") != std::string::npos && w.find("no histogram") != std::string::npos;
  EXPECT_TRUE(conv_warned);
  auto q = quantize_graph(g, &*r, {});
  ASSERT_TRUE(q.ok()) << q.status().message();
  bool widened = false;
  for (const std::string& w : q->report.warnings) widened |= w.find("constant over the calibration set") != std::string::npos;
  EXPECT_TRUE(widened);
}

TEST(BiasCorrection, ChannelMeansAndCorrectedBiases) {
  Graph g = make_small_cnn(6);
  data::Dataset d = make_dataset(8, 8, 1, 100, 7);
  CalibrationOptions o = quiet_options(40, 2);
  o.channel_means = true;
  auto r = calibrate(g, d, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  // The input mean is the mean pixel / 255 of the chosen images.
  double pixels = 0;
  for (int64_t idx : r->indices) {
    std::vector<float> x(64);
    data::to_float(d, &idx, 1, x.data());
    for (float v : x) pixels += v;
  }
  const std::vector<double>& in_mean = r->ranges[static_cast<size_t>(g.inputs[0])].channel_mean;
  ASSERT_EQ(in_mean.size(), 1u);
  EXPECT_NEAR(in_mean[0], pixels / (64.0 * 40), 1e-9);
  QuantizeOptions plain, corrected;
  plain.weight_bits = corrected.weight_bits = 3;
  corrected.bias_correction = true;
  auto qp = quantize_graph(g, &*r, plain);
  auto qc = quantize_graph(g, &*r, corrected);
  ASSERT_TRUE(qp.ok() && qc.ok()) << qc.status().message();
  // Each weighted op: expected bias = b - sum((q S_w - w) E[x]) per output channel, quantized as
  // usual (§2.6) with the unchanged scales.
  int differing = 0;
  for (const Op& op : g.ops) {
    if (op.type != OpType::kConv2D && op.type != OpType::kFullyConnected) continue;
    const Tensor& fw = g.tensors[static_cast<size_t>(op.inputs[1])];
    const Tensor& qw = qc->graph.tensors[static_cast<size_t>(op.inputs[1])];
    const Tensor& fb = g.tensors[static_cast<size_t>(op.inputs[2])];
    const std::vector<double>& mean = r->ranges[static_cast<size_t>(op.inputs[0])].channel_mean;
    ASSERT_EQ(static_cast<int32_t>(mean.size()), fw.shape.back()) << fw.name;
    const size_t outs = static_cast<size_t>(fw.shape[0]), per_out = fw.data.size() / 4 / outs;
    std::vector<float> b(outs);
    std::memcpy(b.data(), fb.data.data(), outs * 4);
    for (size_t oc = 0; oc < outs; ++oc) {
      double shift = 0;
      for (size_t k = 0; k < per_out; ++k) {
        float w;
        std::memcpy(&w, fw.data.data() + 4 * (oc * per_out + k), 4);
        const double dq = static_cast<int8_t>(qw.data[oc * per_out + k]) * static_cast<double>(qw.quant.scale[oc]);
        shift += (dq - w) * mean[k % mean.size()];
      }
      b[oc] = static_cast<float>(b[oc] - shift);
    }
    const Tensor& in = qc->graph.tensors[static_cast<size_t>(op.inputs[0])];
    BiasQuant expect = quantize_bias(b.data(), static_cast<int64_t>(outs), in.quant.scale[0], qw.quant.scale);
    std::vector<int32_t> got(outs), uncorrected(outs);
    std::memcpy(got.data(), qc->graph.tensors[static_cast<size_t>(op.inputs[2])].data.data(), outs * 4);
    std::memcpy(uncorrected.data(), qp->graph.tensors[static_cast<size_t>(op.inputs[2])].data.data(), outs * 4);
    EXPECT_EQ(got, expect.values) << fw.name;
    differing += got != uncorrected;
  }
  EXPECT_EQ(differing, 2);  // 3-bit weights leave a visible mean error in both layers
  EXPECT_EQ(quantization_record(corrected, &*r)["bias_correction"], true);
  // Without recorded means the correction refuses.
  auto no_means = calibrate(g, d, quiet_options(40, 2));
  ASSERT_TRUE(no_means.ok());
  auto e = quantize_graph(g, &*no_means, corrected);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("input means"), std::string::npos) << e.status().message();
}

TEST(Calibrate, OverflowingActivationIsAnErrorNamingTheTensor) {
  // Conv weights of 3e38 overflow; the runtime's activation clamps keep the values at +-FLT_MAX,
  // so the dense output spans [-FLT_MAX, FLT_MAX] and no float32 scale covers it.
  Graph g = make_small_cnn(1, {}, std::vector<float>(36, 3e38f), std::vector<float>(4, 0.0f));
  data::Dataset d = make_dataset(8, 8, 1, 10, 2);
  auto r = calibrate(g, d, quiet_options(10, 1));
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto q = quantize_graph(g, &*r, {});
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("'dense'"), std::string::npos) << q.status().message();
}

}  // namespace
}  // namespace octet::quant
