#include "runtime/graph.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

namespace octet::runtime {
namespace {

Tensor constant(const std::string& name, DataType type, const std::vector<uint8_t>& bytes) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = {static_cast<int32_t>(bytes.size() / static_cast<size_t>(element_size(type)))};
  t.data = bytes;
  t.is_constant = true;
  return t;
}

std::vector<uint8_t> f32_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::vector<uint8_t> f16_bytes(const std::vector<uint16_t>& v) {
  std::vector<uint8_t> b(v.size() * 2);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

TEST(Graph, NonFiniteConstantsAreNamedAndCounted) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  Graph g;
  g.add_tensor(constant("clean", DataType::kFloat32, f32_bytes({1.0f, -2.0f, 3.4e38f})));
  g.add_tensor(constant("w32", DataType::kFloat32, f32_bytes({nan, 1.0f, -inf, inf})));
  // float16: 0x7e00 NaN, 0xfc00 -Inf, 0x7bff the largest finite (65504).
  g.add_tensor(constant("w16", DataType::kFloat16, f16_bytes({0x7e00, 0xfc00, 0x7bff, 0x3c00})));
  Tensor activation;  // no data: never inspected
  activation.name = "act";
  g.add_tensor(activation);
  g.add_tensor(constant("int8", DataType::kInt8, {0xff, 0x80}));
  const std::vector<std::string> found = non_finite_constants(g);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0], "constant 'w32' holds 1 NaN and 2 Inf of 4 values");
  EXPECT_EQ(found[1], "constant 'w16' holds 1 NaN and 1 Inf of 4 values");
}

}  // namespace
}  // namespace octet::runtime
