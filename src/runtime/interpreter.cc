#include "runtime/interpreter.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>

namespace octet::runtime {
namespace {

std::string tensor_label(const Graph& g, int32_t index) {
  std::string s = "tensor " + std::to_string(index);
  if (index >= 0 && index < static_cast<int32_t>(g.tensors.size()) && !g.tensors[index].name.empty()) {
    s += " ('" + g.tensors[index].name + "')";
  }
  return s;
}

std::string op_label(const Op& op, int index) {
  return "op " + std::to_string(index) + " (" + op_type_name(op.type) + ")";
}

bool known_type(DataType t) { return std::string(data_type_name(t)) != "unknown"; }

// Constants with no bytes still get a non-null pointer, so "is it available" stays a null check.
alignas(kArenaAlignment) uint8_t g_empty_constant[kArenaAlignment];

}  // namespace

void Interpreter::AlignedFree::operator()(void* p) const { std::free(p); }

Interpreter::AlignedBuffer Interpreter::allocate_aligned(size_t bytes) {
  size_t size = std::max<size_t>(kArenaAlignment, (bytes + kArenaAlignment - 1) / kArenaAlignment *
                                                      kArenaAlignment);
  void* p = std::aligned_alloc(kArenaAlignment, size);
  OCTET_CHECK_MSG(p != nullptr, "out of memory allocating " + std::to_string(size) + " bytes");
  std::memset(p, 0, size);
  return AlignedBuffer(static_cast<uint8_t*>(p));
}

Interpreter::Interpreter(const Graph& graph, const InterpreterOptions& options)
    : graph_(graph), options_(options) {}

Interpreter::~Interpreter() = default;

Result<std::unique_ptr<Interpreter>> Interpreter::create(const Graph& graph,
                                                         const InterpreterOptions& options) {
  if (options.num_threads < 1) {
    return Status::Error("interpreter: num_threads must be >= 1, is " +
                         std::to_string(options.num_threads));
  }
  if (options.batch < 1) {
    return Status::Error("interpreter: batch must be >= 1, is " + std::to_string(options.batch));
  }
  std::unique_ptr<Interpreter> interp(new Interpreter(graph, options));
  OCTET_RETURN_IF_ERROR(interp->validate_graph());
  interp->pool_ = std::make_unique<ThreadPool>(options.num_threads);
  OCTET_RETURN_IF_ERROR(interp->prepare(options.batch));
  return interp;
}

// Batch-independent structure: indices, types, constant sizes, and that the op order is a valid
// schedule (each activation produced once, before its first use).
Status Interpreter::validate_graph() const {
  const Graph& g = graph_;
  const int32_t n = static_cast<int32_t>(g.tensors.size());
  for (int32_t t = 0; t < n; ++t) {
    const Tensor& tensor = g.tensors[t];
    if (!known_type(tensor.type)) {
      return Status::Error(tensor_label(g, t) + ": unknown type " +
                           std::to_string(static_cast<int>(tensor.type)));
    }
    if (tensor.is_constant) {
      for (int32_t d : tensor.shape) {
        if (d < 0) {
          return Status::Error(tensor_label(g, t) + ": constant with shape " +
                               shape_to_string(tensor.shape));
        }
      }
      if (static_cast<int64_t>(tensor.data.size()) < tensor.byte_size()) {
        return Status::Error(tensor_label(g, t) + ": constant " + data_type_name(tensor.type) +
                             shape_to_string(tensor.shape) + " needs " +
                             std::to_string(tensor.byte_size()) + " bytes, has " +
                             std::to_string(tensor.data.size()));
      }
    }
  }
  std::vector<bool> available(n, false);
  for (int32_t t = 0; t < n; ++t) available[t] = g.tensors[t].is_constant;
  for (int32_t t : g.inputs) {
    if (t < 0 || t >= n) {
      return Status::Error("graph input " + std::to_string(t) + " out of range (" +
                           std::to_string(n) + " tensors)");
    }
    const Tensor& tensor = g.tensors[t];
    if (tensor.is_constant) return Status::Error("graph input " + tensor_label(g, t) + " is constant");
    for (size_t d = 1; d < tensor.shape.size(); ++d) {
      if (tensor.shape[d] < 1) {
        return Status::Error("graph input " + tensor_label(g, t) + " has shape " +
                             shape_to_string(tensor.shape) + "; only the batch may be unknown");
      }
    }
    available[t] = true;
  }
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    const std::string label = op_label(op, static_cast<int>(i));
    if (std::string(op_type_name(op.type)) == "UNKNOWN") {
      return Status::Error("op " + std::to_string(i) + ": unsupported op type " +
                           std::to_string(static_cast<int>(op.type)));
    }
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      int32_t t = op.inputs[k];
      if (t == -1) continue;
      if (t < -1 || t >= n) {
        return Status::Error(label + ": input " + std::to_string(k) + " is tensor " +
                             std::to_string(t) + ", out of range (" + std::to_string(n) +
                             " tensors)");
      }
      if (!available[t]) {
        return Status::Error(label + ": input " + std::to_string(k) + " " + tensor_label(g, t) +
                             " is not produced by an earlier op nor a graph input");
      }
    }
    if (op.outputs.empty()) return Status::Error(label + ": has no outputs");
    for (size_t k = 0; k < op.outputs.size(); ++k) {
      int32_t t = op.outputs[k];
      if (t < 0 || t >= n) {
        return Status::Error(label + ": output " + std::to_string(k) + " is tensor " +
                             std::to_string(t) + ", out of range (" + std::to_string(n) +
                             " tensors)");
      }
      if (available[t]) {
        return Status::Error(label + ": output " + tensor_label(g, t) +
                             " is a constant, a graph input or already produced");
      }
      available[t] = true;
    }
  }
  for (int32_t t : g.outputs) {
    if (t < 0 || t >= n) {
      return Status::Error("graph output " + std::to_string(t) + " out of range (" +
                           std::to_string(n) + " tensors)");
    }
    if (!available[t]) {
      return Status::Error("graph output " + tensor_label(g, t) + " is produced by no op");
    }
  }
  return Status::Ok();
}

Status Interpreter::prepare(int batch) {
  prepared_ = false;
  ops_.clear();
  persistent_.clear();
  scratch_bytes_.clear();
  scratch_op_.clear();
  scratch_ptrs_.clear();
  plan_ = ArenaPlan();
  arena_.reset();

  tensors_.assign(graph_.tensors.size(), RuntimeTensor());
  for (size_t t = 0; t < graph_.tensors.size(); ++t) {
    Tensor& info = graph_.tensors[t];
    RuntimeTensor& rt = tensors_[t];
    rt.info = &info;
    rt.type = info.type;
    if (info.is_constant) {
      rt.shape = info.shape;
      rt.shape_known = true;
      rt.is_static = true;
      rt.data = info.data.empty() ? g_empty_constant : info.data.data();
    }
  }
  for (int32_t t : graph_.inputs) {
    RuntimeTensor& rt = tensors_[t];
    rt.shape = graph_.tensors[t].shape;
    if (rt.shape.empty()) {
      if (batch != 1) {
        return Status::Error("graph input " + tensor_label(graph_, t) +
                             " is a scalar and has no batch dimension");
      }
    } else {
      rt.shape[0] = batch;
    }
    rt.shape_known = true;
  }
  batch_ = batch;
  ops_.resize(graph_.ops.size());
  for (size_t i = 0; i < graph_.ops.size(); ++i) {
    OCTET_RETURN_IF_ERROR(prepare_op(static_cast<int>(i)));
  }
  plan_and_allocate();
  prepared_ = true;
  return Status::Ok();
}

Status Interpreter::prepare_op(int op_index) {
  const Op& op = graph_.ops[op_index];
  PreparedOp& prepared = ops_[op_index];
  prepared.scratch_begin = scratch_bytes_.size();
  const std::string label = op_label(op, op_index);
  if (op.inputs.empty() || op.inputs[0] < 0) return Status::Error(label + ": input 0 is missing");
  const DataType type = tensors_[op.inputs[0]].type;
  const bool weighted = op_has_weights(op.type) && op.inputs.size() > 1 && op.inputs[1] >= 0;
  const DataType weights = weighted ? tensors_[op.inputs[1]].type : DataType::kFloat32;
  const OpRegistration* reg = find_op_registration(op.type, type, options_.kernels, weights);
  if (!reg) {
    std::string supported;
    for (const OpRegistration& r : op_registrations()) {
      if (r.op != op.type) continue;
      std::string name = data_type_name(r.input_type);
      if (op_has_weights(op.type)) name += std::string(" with ") + data_type_name(r.weights_type) + " weights";
      if (supported.find(name) != std::string::npos) continue;
      supported += (supported.empty() ? "" : ", ") + name;
    }
    std::string got = data_type_name(type);
    if (weighted) got += std::string(" with ") + data_type_name(weights) + " weights";
    return Status::Error(label + ": unsupported input type " + got +
                         " (supported: " + (supported.empty() ? "none" : supported) + ")");
  }
  PrepareContext ctx(this, op_index, op, batch_, options_.num_threads, options_.fc_requant);
  ctx.set_eval(reg->eval);
  Status status = reg->prepare(ctx);
  if (!status.ok()) return status;
  for (size_t k = 0; k < op.outputs.size(); ++k) {
    if (!tensors_[op.outputs[k]].shape_known) {
      return Status::Error(label + ": internal error: output " + std::to_string(k) +
                           " has no shape after prepare");
    }
  }
  prepared.registration = reg;
  prepared.eval = ctx.eval();
  prepared.kernel_name = ctx.kernel_name();
  prepared.data = ctx.take_data();
  return Status::Ok();
}

void* Interpreter::allocate_persistent(size_t bytes) {
  persistent_.push_back(allocate_aligned(bytes));
  return persistent_.back().get();
}

int Interpreter::request_scratch(int op_index, size_t bytes) {
  scratch_bytes_.push_back(bytes);
  scratch_op_.push_back(op_index);
  return static_cast<int>(scratch_bytes_.size() - ops_[op_index].scratch_begin - 1);
}

void Interpreter::plan_and_allocate() {
  const int num_ops = static_cast<int>(graph_.ops.size());
  const int last = std::max(num_ops - 1, 0);
  const int32_t n = static_cast<int32_t>(tensors_.size());
  std::vector<int> first_use(n, -1), last_use(n, -1);
  for (int32_t t : graph_.inputs) {
    first_use[t] = 0;
    last_use[t] = last;  // inputs stay intact, so invoke() can be repeated on them
  }
  for (int i = 0; i < num_ops; ++i) {
    const Op& op = graph_.ops[i];
    for (int32_t t : op.inputs) {
      if (t >= 0) last_use[t] = std::max(last_use[t], i);
    }
    for (int32_t t : op.outputs) {
      first_use[t] = i;
      last_use[t] = std::max(last_use[t], i);
    }
  }
  for (int32_t t : graph_.outputs) last_use[t] = last;

  std::vector<ArenaRequest> requests;
  for (int32_t t = 0; t < n; ++t) {
    if (tensors_[t].is_static || first_use[t] < 0) continue;
    ArenaRequest r;
    r.bytes = tensors_[t].byte_size();
    r.first_op = options_.preserve_all_tensors ? 0 : first_use[t];
    r.last_op = options_.preserve_all_tensors ? last : last_use[t];
    r.tensor = t;
    requests.push_back(r);
  }
  const size_t first_scratch = requests.size();
  for (size_t s = 0; s < scratch_bytes_.size(); ++s) {
    ArenaRequest r;
    r.bytes = scratch_bytes_[s];
    r.first_op = r.last_op = scratch_op_[s];
    r.scratch_op = scratch_op_[s];
    requests.push_back(r);
  }
  plan_ = plan_arena(std::move(requests));
  OCTET_DCHECK(plan_is_valid(plan_));
  arena_ = allocate_aligned(plan_.arena_bytes);
  for (size_t i = 0; i < first_scratch; ++i) {
    tensors_[plan_.requests[i].tensor].data = arena_.get() + plan_.offsets[i];
  }
  scratch_ptrs_.resize(scratch_bytes_.size());
  for (size_t s = 0; s < scratch_bytes_.size(); ++s) {
    scratch_ptrs_[s] = arena_.get() + plan_.offsets[first_scratch + s];
  }
}

Status Interpreter::set_batch(int batch) {
  if (batch < 1) return Status::Error("interpreter: batch must be >= 1, is " + std::to_string(batch));
  if (prepared_ && batch == batch_) return Status::Ok();
  const int previous = batch_;
  Status status = prepare(batch);
  if (!status.ok() && previous > 0) {
    Status restored = prepare(previous);
    OCTET_CHECK_MSG(restored.ok(), restored.message());
  }
  return status;
}

inline void Interpreter::run_op(size_t i) {
  const PreparedOp& p = ops_[i];
  if (!p.eval) return;
  void* const* scratch = scratch_ptrs_.data() + p.scratch_begin;
  EvalContext ctx(graph_.ops[i], p.data.get(), tensors_.data(), scratch, pool_.get());
  p.eval(ctx);
}

Status Interpreter::invoke() {
  if (!prepared_) return Status::Error("interpreter: not prepared");
  for (size_t i = 0; i < ops_.size(); ++i) run_op(i);
  return Status::Ok();
}

Status Interpreter::invoke_timed(std::span<double> op_seconds) {
  if (!prepared_) return Status::Error("interpreter: not prepared");
  if (op_seconds.size() != ops_.size()) {
    return Status::Error("interpreter: invoke_timed needs " + std::to_string(ops_.size()) +
                         " op times, was given " + std::to_string(op_seconds.size()));
  }
  using Clock = std::chrono::steady_clock;
  for (size_t i = 0; i < ops_.size(); ++i) {
    const Clock::time_point t0 = Clock::now();
    run_op(i);
    op_seconds[i] += std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return Status::Ok();
}

float* Interpreter::input_f32(int i) {
  OCTET_CHECK_MSG(input_info(i).type == DataType::kFloat32, "input is not float32");
  return static_cast<float*>(input_data(i));
}

const float* Interpreter::output_f32(int i) const {
  OCTET_CHECK_MSG(output_info(i).type == DataType::kFloat32, "output is not float32");
  return static_cast<const float*>(output_data(i));
}

int8_t* Interpreter::input_i8(int i) {
  OCTET_CHECK_MSG(input_info(i).type == DataType::kInt8, "input is not int8");
  return static_cast<int8_t*>(input_data(i));
}

const int8_t* Interpreter::output_i8(int i) const {
  OCTET_CHECK_MSG(output_info(i).type == DataType::kInt8, "output is not int8");
  return static_cast<const int8_t*>(output_data(i));
}

const std::vector<int32_t>& Interpreter::tensor_shape(int tensor_index) const {
  OCTET_CHECK(tensor_index >= 0 && tensor_index < num_tensors());
  return tensors_[tensor_index].shape;
}

const void* Interpreter::tensor_data(int tensor_index) const {
  if (tensor_index < 0 || tensor_index >= num_tensors()) return nullptr;
  return tensors_[tensor_index].data;
}

const char* Interpreter::op_kernel_name(int op_index) const {
  const PreparedOp& p = ops_[op_index];
  if (!p.registration) return "none";
  if (!p.eval) return "folded";
  return p.kernel_name ? p.kernel_name : p.registration->name;
}

}  // namespace octet::runtime
