// `octet inspect`: a human-readable (and a JSON) description of a model read from a .tflite
// file: operators with shapes and options, tensors with types and quantization, parameter
// count, where the file's bytes go, and the affine maps of quantized inputs and outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "runtime/graph.h"

namespace octet::tflite {

// Byte breakdown of a serialized model. Every constant tensor falls in exactly one class:
// float32 (weights and float biases), int8 (weights), int32 biases (input 2 of CONV_2D,
// DEPTHWISE_CONV_2D, FULLY_CONNECTED), float16, or other constants (shape/axis operands, uint8,
// int16, int64, other int32). Quantization parameters count 4 bytes per scale/min/max and 8 per
// zero point. Overhead = file size - everything else (tables, names, shapes, padding); 0 when
// file_bytes is 0 or smaller than the payload.
struct ByteBreakdown {
  uint64_t float32_weights = 0;
  uint64_t int8_weights = 0;
  uint64_t int32_biases = 0;
  uint64_t float16_weights = 0;
  uint64_t quant_params = 0;
  uint64_t other_constants = 0;
  uint64_t metadata = 0;
  uint64_t flatbuffer_overhead = 0;
  uint64_t file_bytes = 0;
};
ByteBreakdown byte_breakdown(const runtime::Graph& graph, size_t file_bytes);

// Elements of all constant tensors except the shape/axis operands of RESHAPE and MEAN.
int64_t parameter_count(const runtime::Graph& graph);

// Plain text with aligned columns. `graph` must be valid (as returned by parse_tflite).
std::string describe_tflite(const runtime::Graph& graph, size_t file_bytes);

// The same information as JSON: {"description", "subgraph", "file_bytes", "parameters",
// "operators": [...], "tensors": [...], "bytes": {...}, "inputs": [...], "outputs": [...]}.
nlohmann::json describe_tflite_json(const runtime::Graph& graph, size_t file_bytes);

}  // namespace octet::tflite
