// Helpers for the tflite tests: hand-built graphs and a field-by-field graph comparison.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/graph.h"

namespace octet::tflite::testing {

template <typename T>
std::vector<uint8_t> as_bytes(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Deterministic filler (no RNG dependency): a simple LCG.
inline std::vector<uint8_t> pattern_bytes(size_t n, uint32_t seed) {
  std::vector<uint8_t> b(n);
  uint32_t s = seed * 2654435761u + 1;
  for (auto& x : b) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<uint8_t>(s >> 24);
  }
  return b;
}

inline runtime::Tensor make_tensor(std::string name, runtime::DataType type,
                                   std::vector<int32_t> shape) {
  runtime::Tensor t;
  t.name = std::move(name);
  t.type = type;
  t.shape = std::move(shape);
  return t;
}

inline runtime::Tensor make_const(std::string name, runtime::DataType type,
                                  std::vector<int32_t> shape, uint32_t seed) {
  runtime::Tensor t = make_tensor(std::move(name), type, std::move(shape));
  t.is_constant = true;
  t.data = pattern_bytes(static_cast<size_t>(t.byte_size()), seed);
  return t;
}

inline runtime::QuantParams per_tensor(float scale, int64_t zero_point) {
  runtime::QuantParams q;
  q.scale = {scale};
  q.zero_point = {zero_point};
  return q;
}

inline runtime::QuantParams per_channel(int channels, int32_t axis, float base) {
  runtime::QuantParams q;
  q.axis = axis;
  for (int c = 0; c < channels; ++c) {
    q.scale.push_back(base * static_cast<float>(c + 1));
    q.zero_point.push_back(0);
    q.min.push_back(-base * 127.0f * static_cast<float>(c + 1));
    q.max.push_back(base * 127.0f * static_cast<float>(c + 1));
  }
  return q;
}

inline runtime::Op make_op(runtime::OpType type, std::vector<int32_t> inputs, int32_t output) {
  runtime::Op op;
  op.type = type;
  op.inputs = std::move(inputs);
  op.outputs = {output};
  return op;
}

// A graph that uses every OpType with non-default options; int8 with per-tensor and per-channel
// quantization (with min/max), float32, float16, int32, and also uint8/int16/int64 constants,
// an absent optional input (-1), RESHAPE both with a shape input and with new_shape options,
// hybrid and 2-input FULLY_CONNECTED, and metadata.
runtime::Graph kitchen_sink_graph();

// Small valid int8 graph (QUANTIZE -> CONV_2D -> RELU -> FC -> SOFTMAX -> DEQUANTIZE) used by
// the malformed-input tests.
runtime::Graph small_int8_graph();

// EXPECT_* on every field; expected op versions are given separately (the writer may raise
// them).
void expect_graph_eq(const runtime::Graph& want, const runtime::Graph& got);

}  // namespace octet::tflite::testing
