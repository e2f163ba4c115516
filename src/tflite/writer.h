// Writes a runtime::Graph as a .tflite file (TFLite schema version 3, one subgraph) that the
// TensorFlow Lite interpreter loads. Conventions (quantization.md §7.7): buffer 0 is the empty
// sentinel; every constant tensor gets its own buffer with 16-byte aligned data; activations use
// buffer 0; one OperatorCode per (builtin code, version) with deprecated_builtin_code =
// min(code, 127); op versions from written_op_version() (op_codes.h); RESHAPE writes
// ReshapeOptions only when new_shape is set; QUANTIZE/DEQUANTIZE/RELU/RELU6 write no options;
// SOFTMAX always writes beta. Graph metadata entries become Model.metadata with one buffer each
// (not aligned: they are bytes). Size: default-valued fields are omitted (FlatBufferBuilder's
// default), and identical vectors (quantization scales/zero points/ranges, shapes, operator
// inputs/outputs), identical QuantizationParameters tables and identical strings are stored once
// and shared by offset, e.g. the all-zero zero-point vector of a layer's weights and its bias.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "runtime/graph.h"

namespace octet::tflite {

// Validates the graph (validate_graph) and serializes it. The returned bytes start at a 16-byte
// aligned address (std::vector's allocation) so the buffer alignment holds in memory too.
Result<std::vector<uint8_t>> serialize_tflite(const runtime::Graph& graph);

// serialize_tflite + write_file_atomic; errors name the path.
Status save_tflite(const runtime::Graph& graph, const std::string& path);

}  // namespace octet::tflite
