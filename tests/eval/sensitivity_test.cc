// The held-out split, per-op sensitivity and the --max-drop search on a small hand-built CNN.
#include "eval/sensitivity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "../quant/quant_test_util.h"

namespace octet::eval {
namespace {

using quant::testing::make_dataset;
using quant::testing::make_small_cnn;

TEST(SplitHeldOut, TheLastImagesAreHeldOutTheRestCalibrate) {
  data::Dataset d = make_dataset(8, 8, 1, 50, 7);
  auto s = split_held_out(d, 20);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->calibration.size(), 30);
  ASSERT_EQ(s->held_out.size(), 20);
  EXPECT_EQ(s->held_out.class_names, d.class_names);
  EXPECT_EQ(0, std::memcmp(s->calibration.image(0), d.image(0), static_cast<size_t>(30 * d.image_bytes())));
  EXPECT_EQ(0, std::memcmp(s->held_out.image(0), d.image(30), static_cast<size_t>(20 * d.image_bytes())));
  EXPECT_TRUE(std::equal(s->held_out.labels.begin(), s->held_out.labels.end(), d.labels.begin() + 30));
  EXPECT_FALSE(split_held_out(d, 0).ok());
  auto all = split_held_out(d, 50);
  ASSERT_FALSE(all.ok());
  EXPECT_NE(all.status().message().find("leaves none to calibrate on"), std::string::npos);
}

quant::CalibrationResult calibrate_on(const runtime::Graph& g, const data::Dataset& d) {
  quant::CalibrationOptions o;
  o.samples = 100;
  o.progress = false;
  auto c = quant::calibrate(g, d, o);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return std::move(c).value();
}

TEST(LayerSensitivity, EveryOpOnceSortedByDrop) {
  runtime::Graph g = make_small_cnn(1);
  auto split = split_held_out(make_dataset(8, 8, 1, 300, 2), 100);
  ASSERT_TRUE(split.ok());
  quant::CalibrationResult c = calibrate_on(g, split->calibration);
  SensitivityOptions o;
  o.progress = false;
  auto r = layer_sensitivity(g, c, split->held_out, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->held_out, 100);
  ASSERT_EQ(r->ops.size(), g.ops.size());
  std::vector<int> seen;
  for (size_t i = 0; i < r->ops.size(); ++i) {
    const OpSensitivity& s = r->ops[i];
    seen.push_back(s.op_index);
    EXPECT_EQ(s.output, g.tensors[static_cast<size_t>(g.ops[static_cast<size_t>(s.op_index)].outputs[0])].name);
    EXPECT_DOUBLE_EQ(s.drop_pp, 100 * r->float_accuracy - 100 * s.accuracy);
    EXPECT_GT(s.model_sqnr_db, 0);  // one int8 op leaves the output close to the float one
    if (i > 0) EXPECT_GE(r->ops[i - 1].drop_pp, s.drop_pp);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(MaxDrop, AGenerousBudgetStopsAtTheInt8ModelAZeroBudgetWalksTheRanking) {
  runtime::Graph g = make_small_cnn(1);
  auto split = split_held_out(make_dataset(8, 8, 1, 300, 2), 100);
  ASSERT_TRUE(split.ok());
  quant::CalibrationResult c = calibrate_on(g, split->calibration);
  MaxDropOptions o;
  o.sensitivity.progress = false;
  o.sensitivity.quantize.activation_bits = 2;  // coarse enough to cost accuracy
  o.latency_seconds = 0.01;
  o.max_drop_pp = 100;
  auto easy = keep_float_within_drop(g, c, split->held_out, o);
  ASSERT_TRUE(easy.ok()) << easy.status().message();
  ASSERT_EQ(easy->steps.size(), 1u);
  EXPECT_TRUE(easy->met);
  EXPECT_TRUE(easy->steps[0].kept.empty());

  o.max_drop_pp = 0;
  auto strict = keep_float_within_drop(g, c, split->held_out, o);
  ASSERT_TRUE(strict.ok()) << strict.status().message();
  const std::vector<MixedStep>& steps = strict->steps;
  ASSERT_GE(steps.size(), 1u);
  EXPECT_EQ(strict->chosen, static_cast<int>(steps.size()) - 1);
  EXPECT_EQ(strict->met, steps.back().drop_pp <= 0);
  ASSERT_GT(steps[0].drop_pp, 0);  // 2-bit activations: the all-int8 model is over budget
  ASSERT_GE(steps.size(), 2u);
  // Each step keeps the next op of the sensitivity ranking float32.
  ASSERT_EQ(strict->sensitivity.ops.size(), g.ops.size());
  for (size_t k = 1; k < steps.size(); ++k) {
    ASSERT_EQ(steps[k].kept.size(), k);
    std::vector<int> expected;
    for (size_t j = 0; j < k; ++j) expected.push_back(strict->sensitivity.ops[j].op_index);
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(steps[k].kept, expected);
  }
  for (const MixedStep& s : steps) {
    EXPECT_GT(s.file_bytes, 0);
    EXPECT_GT(s.us_per_image, 0);
  }
}

TEST(MaxDrop, TheLadderTriesInt16ActivationsBeforeKeepingAnOpFloat) {
  runtime::Graph g = make_small_cnn(1);
  auto split = split_held_out(make_dataset(8, 8, 1, 300, 2), 100);
  ASSERT_TRUE(split.ok());
  quant::CalibrationResult c = calibrate_on(g, split->calibration);
  MaxDropOptions o;
  o.sensitivity.progress = false;
  o.sensitivity.quantize.activation_bits = 2;  // coarse enough to cost accuracy; 16 bits repair it
  o.latency_seconds = 0.01;
  o.max_drop_pp = 0;
  o.ladder = true;
  auto r = keep_float_within_drop(g, c, split->held_out, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::vector<MixedStep>& steps = r->steps;
  ASSERT_GT(steps[0].drop_pp, 0);
  // The first rung tried is int16 activations for the most sensitive op (weights are per-channel
  // already and there are no alternative clipping calibrations), unless that op is the SOFTMAX.
  const OpSensitivity& first = r->sensitivity.ops[0];
  ASSERT_GE(steps.size(), 2u);
  if (first.op != "SOFTMAX" && first.op != "MAX_POOL_2D" && first.op != "RESHAPE") {
    EXPECT_EQ(steps[1].change, "int16 activations for " + first.output);
    EXPECT_EQ(steps[1].int16, std::vector<std::string>{first.output});
    EXPECT_TRUE(steps[1].kept.empty());
  }
  double best = steps[0].accuracy;
  bool tried = false;
  for (size_t k = 1; k < steps.size(); ++k) {
    const MixedStep& s = steps[k];
    if (s.change.rfind("int16 activations for ", 0) == 0) {
      tried = true;
      // A rung stays only when it helps (or meets the budget).
      EXPECT_EQ(s.accepted, s.accuracy > best || s.drop_pp <= 0) << s.change;
      EXPECT_GT(s.file_bytes, 0);
      EXPECT_GT(s.us_per_image, 0);
    }
    if (s.accepted) best = s.accuracy;
  }
  EXPECT_TRUE(tried);
  // The chosen model's record lists its 16-bit ops, and the graph holds int16 tensors for them.
  const MixedStep& chosen = steps[static_cast<size_t>(r->chosen)];
  if (!chosen.int16.empty()) {
    EXPECT_EQ(r->record["int16_ops"], nlohmann::json(chosen.int16));
    EXPECT_TRUE(std::any_of(r->graph.tensors.begin(), r->graph.tensors.end(),
                            [](const runtime::Tensor& t) { return t.type == runtime::DataType::kInt16; }));
  } else {
    EXPECT_FALSE(r->record.contains("int16_ops"));
  }
}

}  // namespace
}  // namespace octet::eval
