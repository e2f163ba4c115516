// Multiply-accumulates an invoke performs, counted from a prepared interpreter's runtime shapes:
// the work figure behind "G MAC/s" and the latency bound MACs / peak (docs/benchmarks.md).
// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED count one MAC per weight use (float, int8 and
// dynamic-range alike); every other op counts 0, its cost being memory traffic, not arithmetic.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/interpreter.h"

namespace octet::runtime {

// MACs of op `op_index` for one invoke (the whole batch).
int64_t op_macs(const Interpreter& interp, int op_index);

// MACs of every op for one invoke, in op order.
std::vector<int64_t> op_macs(const Interpreter& interp);

// MACs of one image: the sum over ops divided by the batch.
int64_t model_macs_per_image(const Interpreter& interp);

}  // namespace octet::runtime
