// What octet knows about each supported TFLite builtin operator: its name, how many inputs it
// takes and which may be absent (-1), and the operator version written to the file.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/graph.h"

namespace octet::tflite {

// True when `code` is a BuiltinOperator value octet's runtime::OpType has.
bool is_supported_builtin(int32_t code);

// "LOGISTIC" for codes octet's schema names, else "builtin operator <code>".
std::string builtin_operator_name(int32_t code);

// Input count limits per op, and whether input `i` may be the optional index -1.
struct OpArity {
  int min_inputs;
  int max_inputs;
  int optional_input;  // index of the one input that may be -1, or -1 when none may be
};
OpArity op_arity(runtime::OpType type);

// Whether the op has a fused_activation_function in its TFLite options table.
bool op_has_fused_activation(runtime::OpType type);

// The operator version the TFLite converter would write for this op, derived from its input,
// filter and output tensor types and its options (converter/tools/versioning/op_version.cc as
// summarized in quantization.md §7.7). Indices must be valid (validate_graph first).
int32_t required_op_version(const runtime::Graph& graph, const runtime::Op& op);

// The version the writer stores: the required one, or Op::version when that is higher (keeps
// the version of an op read from a converter file that used a newer kernel feature).
int32_t written_op_version(const runtime::Graph& graph, const runtime::Op& op);

}  // namespace octet::tflite
