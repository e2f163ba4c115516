#include "runtime/ops/op_context.h"

namespace octet::runtime {

std::string shape_to_string(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

RuntimeTensor& PrepareContext::input(int i) { return hooks_->tensor(op_.inputs[i]); }
RuntimeTensor& PrepareContext::output(int i) { return hooks_->tensor(op_.outputs[i]); }

Status PrepareContext::error(const std::string& message) const {
  return Status::Error("op " + std::to_string(op_index_) + " (" + op_type_name(op_.type) +
                       "): " + message);
}

Status PrepareContext::check_arity(int min_inputs, int max_inputs, int outputs) const {
  if (num_inputs() < min_inputs || num_inputs() > max_inputs) {
    std::string want = min_inputs == max_inputs
                           ? std::to_string(min_inputs)
                           : std::to_string(min_inputs) + " to " + std::to_string(max_inputs);
    return error("expects " + want + " inputs, has " + std::to_string(num_inputs()));
  }
  for (int i = 0; i < min_inputs; ++i) {
    if (op_.inputs[i] < 0) return error("input " + std::to_string(i) + " is required");
  }
  if (num_outputs() != outputs) {
    return error("expects " + std::to_string(outputs) + " outputs, has " +
                 std::to_string(num_outputs()));
  }
  return Status::Ok();
}

Status PrepareContext::check_input(int i, const char* what, DataType type, int rank) {
  if (!has_input(i)) return error(std::string(what) + " (input " + std::to_string(i) + ") is missing");
  const RuntimeTensor& t = input(i);
  if (t.type != type) {
    return error(std::string(what) + " must be " + data_type_name(type) + ", is " +
                 data_type_name(t.type));
  }
  if (rank >= 0 && t.rank() != rank) {
    return error(std::string(what) + " must have rank " + std::to_string(rank) + ", has shape " +
                 shape_to_string(t.shape));
  }
  return Status::Ok();
}

Status PrepareContext::check_output_type(int i, DataType type) {
  const RuntimeTensor& t = output(i);
  if (t.type != type) {
    return error(std::string("output must be ") + data_type_name(type) + ", is " +
                 data_type_name(t.type));
  }
  return Status::Ok();
}

Status PrepareContext::check_static(int i, const char* what) {
  if (!has_input(i) || !input(i).is_static || input(i).data == nullptr) {
    return error(std::string(what) + " (input " + std::to_string(i) + ") must be constant");
  }
  return Status::Ok();
}

Status PrepareContext::set_output_shape(int i, std::vector<int32_t> shape) {
  RuntimeTensor& t = output(i);
  for (int32_t d : shape) {
    if (d <= 0) return error("output shape " + shape_to_string(shape) + " has an empty dimension");
  }
  const std::vector<int32_t>& stored = t.info->shape;
  // A stored rank-0 shape on a tensor that is not a scalar means "unknown".
  if (!stored.empty() || shape.empty()) {
    bool agrees = stored.size() == shape.size();
    for (size_t d = 1; agrees && d < shape.size(); ++d) {
      agrees = stored[d] <= 0 || stored[d] == shape[d];
    }
    if (!agrees) {
      return error("computed output shape " + shape_to_string(shape) +
                   " disagrees with the graph's " + shape_to_string(stored) + " for tensor '" +
                   t.info->name + "'");
    }
  }
  t.shape = std::move(shape);
  t.shape_known = true;
  return Status::Ok();
}

void* PrepareContext::make_output_static(int i) {
  RuntimeTensor& t = output(i);
  t.is_static = true;
  t.data = hooks_->allocate_persistent(t.byte_size());
  return t.data;
}

void* PrepareContext::allocate_persistent(size_t bytes) { return hooks_->allocate_persistent(bytes); }

int PrepareContext::request_scratch(size_t bytes) { return hooks_->request_scratch(op_index_, bytes); }

}  // namespace octet::runtime
