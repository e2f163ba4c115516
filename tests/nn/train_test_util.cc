#include "train_test_util.h"

#include <gtest/gtest.h>

namespace octet::nn {

data::Dataset quadrant_dataset(int n, uint64_t seed) {
  data::Dataset d;
  d.height = d.width = 12;
  d.channels = 1;
  d.class_names = {"tl", "tr", "bl", "br"};
  Rng rng(seed);
  d.pixels.resize(static_cast<size_t>(n) * 144);
  d.labels.resize(n);
  for (int i = 0; i < n; ++i) {
    int label = static_cast<int>(rng.below(4));
    d.labels[i] = static_cast<uint8_t>(label);
    for (int y = 0; y < 12; ++y)
      for (int x = 0; x < 12; ++x) {
        int q = (y >= 6) * 2 + (x >= 6);
        float v = (q == label ? 0.6f : 0.1f) + 0.4f * rng.uniform();
        d.pixels[static_cast<size_t>(i) * 144 + y * 12 + x] = static_cast<uint8_t>(v * 255.0f);
      }
  }
  return d;
}

namespace {

const char* kSmallSpec = R"({"name": "small", "input": [12, 12, 1], "layers": [
    {"type": "conv2d", "filters": 4, "kernel": 3, "padding": "same", "use_bias": false},
    {"type": "batch_norm"}, {"type": "relu"},
    {"type": "max_pool2d", "pool": 2},
    {"type": "depthwise_conv2d", "kernel": 3, "depth_multiplier": 2, "activation": "relu6"},
    {"type": "avg_pool2d", "pool": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 8, "activation": "relu"},
    {"type": "dropout", "rate": 0.2},
    {"type": "dense", "units": 4}]})";

}  // namespace

Model small_model(uint64_t seed) {
  auto m = Model::from_spec(nlohmann::json::parse(kSmallSpec), "small");
  EXPECT_TRUE(m.ok()) << m.status().message();
  EXPECT_TRUE(m->build(seed).ok());
  return std::move(m).value();
}

std::vector<float> all_weights(Model& m) {
  std::vector<float> w;
  for (Param* p : m.params()) w.insert(w.end(), p->value.data.begin(), p->value.data.end());
  for (Tensor* b : m.buffers()) w.insert(w.end(), b->data.begin(), b->data.end());
  return w;
}

}  // namespace octet::nn
