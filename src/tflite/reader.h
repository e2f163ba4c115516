// Reads a .tflite file into a runtime::Graph. Untrusted input: the FlatBuffers verifier runs
// first, then every index, size, shape and quantization parameter is checked (validate_graph),
// so a returned graph is safe to run. Every error names the file and the problem; malformed
// input never crashes or reads out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.h"
#include "runtime/graph.h"

namespace octet::tflite {

// Accepted: identifier "TFL3", Model.version 3, exactly one subgraph, only operators octet
// supports (others fail with e.g. "operator 2 uses LOGISTIC, which octet does not support"),
// tensor types float32/float16/int32/uint8/int64/int16/int8, dense tensors only. Buffer data may
// be inline or, for large-model files, at Buffer.offset/size inside `data`.
// Op::version receives the OperatorCode version; a tensor is constant when its buffer holds data.
Result<runtime::Graph> parse_tflite(const uint8_t* data, size_t size,
                                    const std::string& name_for_errors);

// read_file + parse_tflite.
Result<runtime::Graph> load_tflite(const std::string& path);

}  // namespace octet::tflite
