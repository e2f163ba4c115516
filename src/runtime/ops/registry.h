// The op table: one entry per (op, input type, implementation), each with its prepare and eval
// functions. The interpreter picks an entry per op at prepare; INT8 kernels and optimized variants
// join by adding entries to the list in registry.cc.
#pragma once

#include <cstdint>
#include <span>

#include "runtime/graph.h"
#include "runtime/ops/op_context.h"

namespace octet::runtime {

// Which implementations the interpreter may use: only the reference ones, or the best available.
enum class KernelChoice : uint8_t { kReference, kAuto };
enum class KernelImpl : uint8_t { kReference, kOptimized };

// Validates, sets output shapes and OpData; the context's eval starts as the entry's eval and prepare
// may replace it (or clear it when the op is folded at prepare).
using PrepareFn = Status (*)(PrepareContext& ctx);

struct OpRegistration {
  OpType op;
  DataType input_type;  // type of input 0
  KernelImpl impl;
  const char* name;     // e.g. "f32_conv2d_ref"
  PrepareFn prepare;
  EvalFn eval;
  // Type of the weights (input 1) for ops that have them (op_has_weights): float32 input with int8
  // weights selects the dynamic-range ("hybrid") kernels. Ignored for other ops.
  DataType weights_type = DataType::kFloat32;
  // Optimized entries: whether this CPU can run the kernel (e.g. kernels::cpu_has_avx2_fma); null
  // means always. find_op_registration skips entries the CPU cannot run.
  bool (*cpu_supported)() = nullptr;
};

// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: registrations are also keyed by weights type.
bool op_has_weights(OpType op);

std::span<const OpRegistration> op_registrations();

// kReference: the reference entry. kAuto: an optimized entry when one exists, else the reference.
// Null when the combination is not supported. weights_type matters only when op_has_weights(op).
const OpRegistration* find_op_registration(OpType op, DataType input_type, KernelChoice choice,
                                           DataType weights_type = DataType::kFloat32);

}  // namespace octet::runtime
