// Structural checks on a runtime::Graph: everything the reader guarantees about a graph it
// returns and the writer requires before it serializes one. Messages name the tensor or
// operator and the problem, without a file name (callers add it with Status::with_context).
#pragma once

#include <cstdint>

#include "core/status.h"
#include "runtime/graph.h"

namespace octet::tflite {

// Largest tensor octet accepts (bytes); keeps every size computation far from overflow and
// below the 2 GiB FlatBuffers limit.
inline constexpr int64_t kMaxTensorBytes = int64_t{1} << 31;

// Checks that:
// - every tensor has a known type, non-negative dimensions, at most kMaxTensorBytes bytes;
//   constant tensors carry exactly shape x element-size bytes, others carry none;
// - quantization: scale and zero_point have equal sizes, 1 or shape[axis] entries, axis within
//   the rank (0 allowed for scalars), scales finite and > 0, zero points within the type's range
//   (int8/uint8/int16), min/max of equal sizes;
// - graph inputs/outputs and op outputs are valid tensor indices; op inputs too, except -1 where
//   the op allows an absent optional input; input counts match the op; one output per op;
// - options are sane: strides, dilations, pool filter sizes, depth multiplier >= 1; a fused
//   activation only on ops that have one; padding/activation are known values; reshape
//   new_shape entries >= -1;
// - op versions are >= 1.
Status validate_graph(const runtime::Graph& graph);

// The tensor-level part of validate_graph (used by the reader per tensor for early errors).
Status validate_tensor(const runtime::Tensor& tensor, size_t index);

// Number of elements of `shape` when all dimensions are >= 0 and the product stays below
// kMaxTensorBytes; otherwise an error naming the problem.
Result<int64_t> checked_num_elements(const std::vector<int32_t>& shape);

// "tensor 3 'conv1/weights'"
std::string describe_tensor(const runtime::Tensor& tensor, size_t index);

}  // namespace octet::tflite
