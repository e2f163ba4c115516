#include "nn/trainer.h"

#include <gtest/gtest.h>

#include <cstring>

#include "nn/export.h"
#include "nn/layers/batch_norm.h"
#include "runtime/interpreter.h"
#include "train_test_util.h"

namespace octet::nn {
namespace {

TEST(Trainer, LearnsAnEasyTask) {
  data::Dataset train_set = quadrant_dataset(512, 1), test_set = quadrant_dataset(200, 2);
  Model m = small_model(3);
  ThreadPool pool(2);
  TrainOptions opt;
  opt.epochs = 4;
  opt.batch = 32;
  opt.lr = 3e-3f;
  auto hist = train(m, train_set, &test_set, opt, pool);
  ASSERT_TRUE(hist.ok()) << hist.status().message();
  ASSERT_EQ(hist->size(), 4u);
  EXPECT_LT(hist->back().train_loss, hist->front().train_loss);
  EXPECT_GT(evaluate(m, test_set, pool), 0.9);
}

TEST(Trainer, SameSeedAndThreadsGiveBitIdenticalWeights) {
  data::Dataset train_set = quadrant_dataset(200, 1);
  TrainOptions opt;
  opt.epochs = 2;
  opt.batch = 16;
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    Model a = small_model(7), b = small_model(7), c = small_model(8);
    ASSERT_TRUE(train(a, train_set, nullptr, opt, pool).ok());
    ASSERT_TRUE(train(b, train_set, nullptr, opt, pool).ok());
    ASSERT_TRUE(train(c, train_set, nullptr, opt, pool).ok());
    std::vector<float> wa = all_weights(a), wb = all_weights(b), wc = all_weights(c);
    ASSERT_EQ(wa.size(), wb.size());
    EXPECT_EQ(std::memcmp(wa.data(), wb.data(), wa.size() * sizeof(float)), 0) << "threads=" << threads;
    EXPECT_NE(std::memcmp(wa.data(), wc.data(), wa.size() * sizeof(float)), 0);
  }
}

TEST(Trainer, RejectsMismatchedData) {
  data::Dataset rgb = quadrant_dataset(10, 1);
  rgb.channels = 3;
  rgb.pixels.resize(rgb.pixels.size() * 3);
  Model m = small_model(1);
  ThreadPool pool(1);
  auto r = train(m, rgb, nullptr, TrainOptions{}, pool);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("expects"), std::string::npos) << r.status().message();
}

TEST(Trainer, PreciseBatchNormStatisticsAreThePopulationStatistics) {
  // Flatten -> BatchNorm: each pixel is a channel, so the population statistics are per pixel.
  auto m = Model::from_spec(nlohmann::json::parse(R"({"input": [12, 12, 1], "layers": [
      {"type": "flatten"}, {"type": "batch_norm"}, {"type": "dense", "units": 4}]})"), "bn");
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->build(1).ok());
  data::Dataset d = quadrant_dataset(96, 3);
  ThreadPool pool(2);
  recompute_batch_norm_statistics(m.value(), d, /*batches=*/100, /*batch_size=*/16, 5, pool);  // all 6 batches
  auto* bn = static_cast<BatchNorm*>(&m->layer(1));
  for (int p = 0; p < 144; ++p) {
    double sum = 0, sq = 0;
    for (int i = 0; i < 96; ++i) {
      double v = d.pixels[static_cast<size_t>(i) * 144 + p] / 255.0;
      sum += v;
      sq += v * v;
    }
    const double mean = sum / 96, var = sq / 96 - mean * mean;
    EXPECT_NEAR(bn->moving_mean().data[p], mean, 1e-5) << "pixel " << p;
    EXPECT_NEAR(bn->moving_variance().data[p], var, 1e-5) << "pixel " << p;
  }
}

TEST(Export, GraphComputesWhatTheModelComputes) {
  // Train a little so BatchNorm's moving statistics are far from their initial values.
  data::Dataset train_set = quadrant_dataset(256, 4);
  Model m = small_model(5);
  ThreadPool pool(1);
  TrainOptions opt;
  opt.epochs = 2;
  opt.batch = 32;
  ASSERT_TRUE(train(m, train_set, nullptr, opt, pool).ok());

  auto g = export_graph(m, {{"dataset", "synthetic"}});
  ASSERT_TRUE(g.ok()) << g.status().message();
  // BatchNorm folded, ReLU/ReLU6 fused, dropout gone: conv, maxpool, dwconv, avgpool, reshape, fc, fc, softmax.
  std::vector<runtime::OpType> want = {runtime::OpType::kConv2D, runtime::OpType::kMaxPool2D,
                                       runtime::OpType::kDepthwiseConv2D, runtime::OpType::kAveragePool2D,
                                       runtime::OpType::kReshape, runtime::OpType::kFullyConnected,
                                       runtime::OpType::kFullyConnected, runtime::OpType::kSoftmax};
  ASSERT_EQ(g->ops.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(g->ops[i].type, want[i]) << "op " << i;
  EXPECT_EQ(g->ops[0].options.activation, runtime::Activation::kRelu);
  EXPECT_EQ(g->ops[2].options.activation, runtime::Activation::kRelu6);

  const int n = 16;
  runtime::InterpreterOptions io;
  io.batch = n;
  auto interp = runtime::Interpreter::create(g.value(), io);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  Tensor x({n, 12, 12, 1});
  std::vector<int64_t> idx(n);
  for (int i = 0; i < n; ++i) idx[i] = i;
  data::to_float(train_set, idx.data(), n, x.ptr());
  std::memcpy((*interp)->input_data(0), x.ptr(), x.data.size() * sizeof(float));
  ASSERT_TRUE((*interp)->invoke().ok());
  const float* probs = static_cast<const float*>((*interp)->output_data(0));

  Context ctx{false, &pool, nullptr};
  const Tensor& logits = m.forward(x, ctx);
  for (int i = 0; i < n; ++i) {
    float mx = *std::max_element(logits.ptr() + i * 4, logits.ptr() + i * 4 + 4);
    double sum = 0;
    for (int c = 0; c < 4; ++c) sum += std::exp(logits.data[i * 4 + c] - mx);
    for (int c = 0; c < 4; ++c) {
      double p = std::exp(logits.data[i * 4 + c] - mx) / sum;
      EXPECT_NEAR(probs[i * 4 + c], p, 1e-5) << "image " << i << " class " << c;
    }
  }
  ASSERT_EQ(g->metadata.size(), 1u);
  EXPECT_EQ(g->metadata[0].name, kTrainingMetadataName);
}

TEST(Export, BatchNormWithoutAProducerIsAnError) {
  auto m = Model::from_spec(nlohmann::json::parse(R"({"input": [4, 4, 1], "layers": [
      {"type": "batch_norm"}, {"type": "flatten"}, {"type": "dense", "units": 2}]})"), "bn.json");
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->build(1).ok());
  auto g = export_graph(m.value(), {});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("batch_norm"), std::string::npos);
}

}  // namespace
}  // namespace octet::nn
