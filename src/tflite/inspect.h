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
// zero point, as stored. With `file` (the verified bytes parse_tflite accepted `graph` from, at a
// 4-byte aligned address), each vector stored in the file counts once however many tensors share
// it (octet's writer shares identical vectors; the TFLite converter does not). Without it, each
// distinct vector contents counts once, which is what octet's writer stores. Overhead = file
// size - everything else (tables, names, shapes, padding); 0 when file_bytes is 0 or smaller than
// the payload.
//
// Target T7 (int8 file size): per_channel_required is what TFLite must read for per-channel
// quantization, 4 (float32 scale) + 8 (int64 zero point) bytes per channel of every per-channel
// tensor (weights and their int32 biases), counted per tensor as TFLite reads it (sharing ignored).
// t7_rest = file - int8 weights - int32 biases - per_channel_required (0 if negative): everything
// else (activation parameters, tables, names, metadata, padding); T7 wants it <= 4,096 bytes.
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
  uint64_t per_channel_required = 0;
  uint64_t t7_rest = 0;
};
ByteBreakdown byte_breakdown(const runtime::Graph& graph, size_t file_bytes,
                             const uint8_t* file = nullptr);

// Elements of all constant tensors except the shape/axis operands of RESHAPE and MEAN.
int64_t parameter_count(const runtime::Graph& graph);

// Plain text with aligned columns. `graph` must be valid (as returned by parse_tflite).
// `file`: as for byte_breakdown.
std::string describe_tflite(const runtime::Graph& graph, size_t file_bytes,
                            const uint8_t* file = nullptr);

// The same information as JSON: {"description", "subgraph", "file_bytes", "parameters",
// "operators": [...], "tensors": [...], "bytes": {...}, "inputs": [...], "outputs": [...]}.
nlohmann::json describe_tflite_json(const runtime::Graph& graph, size_t file_bytes,
                                   const uint8_t* file = nullptr);

}  // namespace octet::tflite
