// Dataset helpers: split_validation (deterministic, disjoint, order-preserving) and to_float.
#include "data/dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace octet::data {
namespace {

// n images of 1x1x2 whose two bytes encode the image's original index; label = index % 7.
Dataset indexed(int n) {
  Dataset d;
  d.height = d.width = 1;
  d.channels = 2;
  d.class_names = {"a", "b", "c", "d", "e", "f", "g"};
  for (int i = 0; i < n; ++i) {
    d.pixels.push_back(static_cast<uint8_t>(i & 0xFF));
    d.pixels.push_back(static_cast<uint8_t>(i >> 8));
    d.labels.push_back(static_cast<uint8_t>(i % 7));
  }
  return d;
}

std::vector<int> ids(const Dataset& d) {
  std::vector<int> out;
  for (int64_t i = 0; i < d.size(); ++i) out.push_back(d.image(i)[0] | (d.image(i)[1] << 8));
  return out;
}

TEST(SplitValidation, DisjointCompleteAndOrderPreserving) {
  Dataset train = indexed(1000);
  Dataset val = split_validation(train, 0.1, 42);
  EXPECT_EQ(val.size(), 100);
  EXPECT_EQ(train.size(), 900);
  EXPECT_EQ(train.pixels.size(), 900u * 2);
  EXPECT_EQ(val.class_names, train.class_names);
  EXPECT_EQ(val.channels, 2);
  const std::vector<int> t = ids(train), v = ids(val);
  std::set<int> all(t.begin(), t.end());
  for (int x : v) EXPECT_TRUE(all.insert(x).second) << x << " in both";
  EXPECT_EQ(all.size(), 1000u);
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
  EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
  for (int64_t i = 0; i < train.size(); ++i) EXPECT_EQ(train.labels[i], t[i] % 7);
  for (int64_t i = 0; i < val.size(); ++i) EXPECT_EQ(val.labels[i], v[i] % 7);
}

TEST(SplitValidation, DeterministicForASeed) {
  Dataset a = indexed(500), b = indexed(500), c = indexed(500);
  Dataset va = split_validation(a, 0.2, 7), vb = split_validation(b, 0.2, 7), vc = split_validation(c, 0.2, 8);
  EXPECT_EQ(va.pixels, vb.pixels);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_NE(va.pixels, vc.pixels);
}

TEST(SplitValidation, EdgeFractions) {
  Dataset a = indexed(10);
  EXPECT_EQ(split_validation(a, 0.0, 1).size(), 0);
  EXPECT_EQ(a.size(), 10);
  EXPECT_EQ(split_validation(a, 0.25, 1).size(), 3);  // round(2.5) = 3
  EXPECT_EQ(a.size(), 7);
  Dataset b = indexed(10);
  EXPECT_EQ(split_validation(b, 1.0, 1).size(), 10);
  EXPECT_EQ(b.size(), 0);
  EXPECT_TRUE(b.pixels.empty());
}

TEST(ToFloat, ScalesBy255AndGathersIndices) {
  Dataset d;
  d.height = 1;
  d.width = 2;
  d.channels = 1;
  d.class_names = {"x", "y"};
  d.pixels = {0, 255, 51, 128, 1, 2};
  d.labels = {0, 1, 1};
  const int64_t idx[2] = {2, 1};
  float out[4];
  to_float(d, idx, 2, out);
  EXPECT_EQ(out[0], 1.0f / 255.0f);
  EXPECT_EQ(out[1], 2.0f / 255.0f);
  EXPECT_EQ(out[2], 51.0f / 255.0f);
  EXPECT_EQ(out[3], 128.0f / 255.0f);
  const int64_t idx0[1] = {0};
  to_float(d, idx0, 1, out);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 1.0f);
  int32_t labels[2];
  labels_of(d, idx, 2, labels);
  EXPECT_EQ(labels[0], 1);
  EXPECT_EQ(labels[1], 1);
  EXPECT_EQ(class_counts(d), (std::vector<int64_t>{1, 2}));
}

}  // namespace
}  // namespace octet::data
