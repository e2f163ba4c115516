#include "runtime/macs.h"

namespace octet::runtime {
namespace {

int64_t elements(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

}  // namespace

int64_t op_macs(const Interpreter& interp, int op_index) {
  const Op& op = interp.graph().ops[op_index];
  if (op.inputs.size() < 2 || op.inputs[1] < 0 || op.outputs.empty()) return 0;
  const std::vector<int32_t>& filter = interp.tensor_shape(op.inputs[1]);
  const int64_t outputs = elements(interp.tensor_shape(op.outputs[0]));
  switch (op.type) {
    case OpType::kConv2D:  // filter OHWI: each output value sums KH * KW * Cin products
      return filter.size() == 4 ? outputs * filter[1] * filter[2] * filter[3] : 0;
    case OpType::kDepthwiseConv2D:  // filter 1HWC: each output value sums KH * KW products
      return filter.size() == 4 ? outputs * filter[1] * filter[2] : 0;
    case OpType::kFullyConnected:  // weights [units, depth]: each output value sums depth products
      return filter.size() == 2 ? outputs * filter[1] : 0;
    default:
      return 0;
  }
}

std::vector<int64_t> op_macs(const Interpreter& interp) {
  std::vector<int64_t> macs(interp.graph().ops.size());
  for (size_t i = 0; i < macs.size(); ++i) macs[i] = op_macs(interp, static_cast<int>(i));
  return macs;
}

int64_t model_macs_per_image(const Interpreter& interp) {
  int64_t total = 0;
  for (int64_t m : op_macs(interp)) total += m;
  return total / interp.batch();
}

}  // namespace octet::runtime
