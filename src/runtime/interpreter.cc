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

struct Interpreter::Instance final : PrepareHooks {
  int batch = 0;
  int num_threads = 1;         // threads its ops split their work over
  ThreadPool* pool = nullptr;  // the interpreter's pool, or own_pool
  std::unique_ptr<ThreadPool> own_pool;
  std::vector<RuntimeTensor> tensors;
  std::vector<PreparedOp> ops;
  std::vector<AlignedBuffer> persistent;
  std::vector<size_t> scratch_bytes;  // one per scratch request, in request order
  std::vector<int> scratch_op;
  std::vector<void*> scratch_ptrs;
  ArenaPlan plan;
  AlignedBuffer arena;
  std::vector<double> op_seconds;  // invoke_timed with sub-batches: this instance's share

  RuntimeTensor& tensor(int32_t index) override { return tensors[index]; }
  void* allocate_persistent(size_t bytes) override {
    persistent.push_back(allocate_aligned(bytes));
    return persistent.back().get();
  }
  int request_scratch(int op_index, size_t bytes) override {
    scratch_bytes.push_back(bytes);
    scratch_op.push_back(op_index);
    return static_cast<int>(scratch_bytes.size() - ops[op_index].scratch_begin - 1);
  }

  // Plans the arena over the op order (graph inputs and outputs stay live throughout, so invoke() can
  // be repeated); preserve keeps every tensor live.
  void plan_arena_requests(const Graph& graph, bool preserve);
  void allocate();
  void run_op(const Graph& graph, size_t i) {
    const PreparedOp& p = ops[i];
    if (!p.eval) return;
    void* const* scratch = scratch_ptrs.data() + p.scratch_begin;
    EvalContext ctx(graph.ops[i], p.data.get(), tensors.data(), scratch, pool);
    p.eval(ctx);
  }
};

void Interpreter::Instance::plan_arena_requests(const Graph& graph, bool preserve) {
  const int num_ops = static_cast<int>(graph.ops.size());
  const int last = std::max(num_ops - 1, 0);
  const int32_t n = static_cast<int32_t>(tensors.size());
  std::vector<int> first_use(n, -1), last_use(n, -1);
  for (int32_t t : graph.inputs) {
    first_use[t] = 0;
    last_use[t] = last;
  }
  for (int i = 0; i < num_ops; ++i) {
    const Op& op = graph.ops[i];
    for (int32_t t : op.inputs) {
      if (t >= 0) last_use[t] = std::max(last_use[t], i);
    }
    for (int32_t t : op.outputs) {
      first_use[t] = i;
      last_use[t] = std::max(last_use[t], i);
    }
  }
  for (int32_t t : graph.outputs) last_use[t] = last;

  std::vector<ArenaRequest> requests;
  for (int32_t t = 0; t < n; ++t) {
    if (tensors[t].is_static || first_use[t] < 0) continue;
    ArenaRequest r;
    r.bytes = tensors[t].byte_size();
    r.first_op = preserve ? 0 : first_use[t];
    r.last_op = preserve ? last : last_use[t];
    r.tensor = t;
    requests.push_back(r);
  }
  for (size_t s = 0; s < scratch_bytes.size(); ++s) {
    ArenaRequest r;
    r.bytes = scratch_bytes[s];
    r.first_op = r.last_op = scratch_op[s];
    r.scratch_op = scratch_op[s];
    requests.push_back(r);
  }
  plan = plan_arena(std::move(requests));
  OCTET_DCHECK(plan_is_valid(plan));
}

void Interpreter::Instance::allocate() {
  arena = allocate_aligned(plan.arena_bytes);
  scratch_ptrs.resize(scratch_bytes.size());
  const size_t first_scratch = plan.requests.size() - scratch_bytes.size();
  for (size_t i = 0; i < first_scratch; ++i) {
    tensors[plan.requests[i].tensor].data = arena.get() + plan.offsets[i];
  }
  for (size_t s = 0; s < scratch_bytes.size(); ++s) {
    scratch_ptrs[s] = arena.get() + plan.offsets[first_scratch + s];
  }
  op_seconds.assign(ops.size(), 0.0);
}

Interpreter::~Interpreter() = default;

Status Interpreter::prepare_instance(Instance& inst, int batch, int num_threads, ThreadPool* pool) {
  inst.batch = batch;
  inst.num_threads = num_threads;
  inst.pool = pool;
  inst.tensors.assign(graph_.tensors.size(), RuntimeTensor());
  for (size_t t = 0; t < graph_.tensors.size(); ++t) {
    Tensor& info = graph_.tensors[t];
    RuntimeTensor& rt = inst.tensors[t];
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
    RuntimeTensor& rt = inst.tensors[t];
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
  inst.ops.resize(graph_.ops.size());
  for (size_t i = 0; i < graph_.ops.size(); ++i) {
    OCTET_RETURN_IF_ERROR(prepare_op(inst, static_cast<int>(i)));
  }
  inst.plan_arena_requests(graph_, options_.preserve_all_tensors);
  return Status::Ok();
}

int Interpreter::choose_sub_batch(size_t whole_arena_bytes) const {
  if (options_.sub_batch > 0) return std::min(options_.sub_batch, batch_);
  const size_t per_image = std::max<size_t>(1, whole_arena_bytes / static_cast<size_t>(batch_));
  int sub = static_cast<int>(std::clamp<size_t>(kSubBatchArenaBytes / per_image, 1, batch_));
  // Every thread gets sub-batches, then sizes are evened out so the last one is not much smaller.
  const int threads = options_.num_threads;
  sub = std::min(sub, (batch_ + threads - 1) / threads);
  const int count = (batch_ + sub - 1) / sub;
  return (batch_ + count - 1) / count;
}

bool Interpreter::prepare_sub_batches(const Instance& whole, int sub) {
  const int count = (batch_ + sub - 1) / sub;
  const int tail = batch_ - (count - 1) * sub;
  const int workers = std::min(options_.num_threads, count);
  // An image's result may not depend on the others only if every activation carries the batch in
  // dimension 0 (no op mixes images); checked on the shapes each size actually gets.
  auto per_image = [&](const Instance& inst) {
    for (size_t t = 0; t < inst.tensors.size(); ++t) {
      const RuntimeTensor& rt = inst.tensors[t];
      const RuntimeTensor& w = whole.tensors[t];
      if (rt.is_static != w.is_static || rt.shape_known != w.shape_known) return false;
      if (rt.is_static || !rt.shape_known) continue;
      if (rt.rank() < 1 || rt.rank() != w.rank() || rt.dim(0) != inst.batch || w.dim(0) != batch_) {
        return false;
      }
      if (!std::equal(rt.shape.begin() + 1, rt.shape.end(), w.shape.begin() + 1)) return false;
    }
    return true;
  };
  auto make = [&](int images) -> std::unique_ptr<Instance> {
    auto inst = std::make_unique<Instance>();
    inst->own_pool = std::make_unique<ThreadPool>(1);
    if (!prepare_instance(*inst, images, 1, inst->own_pool.get()).ok() || !per_image(*inst)) {
      return nullptr;
    }
    return inst;
  };
  // Worker w runs the sub-batches chunk_range(count, workers, w); it needs a full-size instance
  // unless its only sub-batch is the smaller tail (never worker 0: count >= 2, so first() is valid).
  std::vector<std::unique_ptr<Instance>> instances(workers);
  std::unique_ptr<Instance> full_size = make(sub);
  if (!full_size) return false;
  for (int w = 0; w < workers; ++w) {
    int begin, end;
    chunk_range(count, workers, w, &begin, &end);
    if (tail < sub && begin == count - 1) continue;
    instances[w] = full_size ? std::move(full_size) : make(sub);
    if (!instances[w]) return false;
  }
  std::unique_ptr<Instance> tail_instance;
  if (tail < sub) {
    tail_instance = make(tail);
    if (!tail_instance) return false;
  }
  for (auto& inst : instances) {
    if (inst) inst->allocate();
  }
  if (tail_instance) tail_instance->allocate();
  instances_ = std::move(instances);
  tail_ = std::move(tail_instance);
  sub_batch_ = sub;
  const size_t num_io = graph_.inputs.size() + graph_.outputs.size();
  for (size_t k = 0; k < num_io; ++k) {
    io_.push_back(allocate_aligned(io_bytes_[k]));
    io_data_[k] = io_.back().get();
  }
  return true;
}

Status Interpreter::prepare(int batch) {
  prepared_ = false;
  instances_.clear();
  tail_.reset();
  io_.clear();
  io_data_.clear();
  io_bytes_.clear();
  shapes_.clear();

  auto whole = std::make_unique<Instance>();
  OCTET_RETURN_IF_ERROR(prepare_instance(*whole, batch, options_.num_threads, pool_.get()));
  batch_ = batch;
  for (const RuntimeTensor& rt : whole->tensors) shapes_.push_back(rt.shape);
  std::vector<int32_t> io_tensors = graph_.inputs;
  io_tensors.insert(io_tensors.end(), graph_.outputs.begin(), graph_.outputs.end());
  for (int32_t t : io_tensors) io_bytes_.push_back(whole->tensors[t].byte_size());
  io_data_.assign(io_tensors.size(), nullptr);

  const int sub = choose_sub_batch(whole->plan.arena_bytes);
  const bool splittable =
      !options_.preserve_all_tensors &&
      std::none_of(whole->ops.begin(), whole->ops.end(),
                   [](const PreparedOp& op) { return op.batch_dependent; });
  if (!splittable || sub >= batch || !prepare_sub_batches(*whole, sub)) {
    whole->allocate();
    for (size_t k = 0; k < io_tensors.size(); ++k) io_data_[k] = whole->tensors[io_tensors[k]].data;
    instances_.push_back(std::move(whole));
    sub_batch_ = batch;
  }
  prepared_ = true;
  return Status::Ok();
}

Status Interpreter::prepare_op(Instance& inst, int op_index) {
  const Op& op = graph_.ops[op_index];
  PreparedOp& prepared = inst.ops[op_index];
  prepared.scratch_begin = inst.scratch_bytes.size();
  const std::string label = op_label(op, op_index);
  if (op.inputs.empty() || op.inputs[0] < 0) return Status::Error(label + ": input 0 is missing");
  const DataType type = inst.tensors[op.inputs[0]].type;
  const bool weighted = op_has_weights(op.type) && op.inputs.size() > 1 && op.inputs[1] >= 0;
  const DataType weights = weighted ? inst.tensors[op.inputs[1]].type : DataType::kFloat32;
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
  PrepareContext ctx(&inst, op_index, op, inst.batch, inst.num_threads, options_.fc_requant);
  ctx.set_eval(reg->eval);
  Status status = reg->prepare(ctx);
  if (!status.ok()) return status;
  for (size_t k = 0; k < op.outputs.size(); ++k) {
    if (!inst.tensors[op.outputs[k]].shape_known) {
      return Status::Error(label + ": internal error: output " + std::to_string(k) +
                           " has no shape after prepare");
    }
  }
  prepared.registration = reg;
  prepared.eval = ctx.eval();
  prepared.kernel_name = ctx.kernel_name();
  prepared.data = ctx.take_data();
  prepared.batch_dependent = ctx.batch_dependent();
  return Status::Ok();
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

// What one worker needs to run its sub-batches; passed by one pointer so std::function does not
// allocate.
struct Interpreter::SubBatchRun {
  Interpreter* self;
  bool timed;
};

void Interpreter::run_sub_batches(std::span<double> op_seconds, bool timed) {
  using Clock = std::chrono::steady_clock;
  const int count = (batch_ + sub_batch_ - 1) / sub_batch_;
  const SubBatchRun run{this, timed};
  const SubBatchRun* args = &run;
  pool_->parallel_for(count, [args](int worker, int begin, int end) {
    Interpreter& self = *args->self;
    const Graph& g = self.graph_;
    const size_t num_inputs = g.inputs.size();
    for (int c = begin; c < end; ++c) {
      const int first = c * self.sub_batch_;
      const int images = std::min(self.sub_batch_, self.batch_ - first);
      Instance& inst = images < self.sub_batch_ ? *self.tail_ : *self.instances_[worker];
      // Graph inputs and outputs are laid out image after image (batch in dimension 0).
      for (size_t k = 0; k < num_inputs; ++k) {
        const size_t image_bytes = self.io_bytes_[k] / self.batch_;
        std::memcpy(inst.tensors[g.inputs[k]].data,
                    static_cast<const uint8_t*>(self.io_data_[k]) + first * image_bytes,
                    images * image_bytes);
      }
      for (size_t i = 0; i < inst.ops.size(); ++i) {
        if (!args->timed) {
          inst.run_op(g, i);
          continue;
        }
        const Clock::time_point t0 = Clock::now();
        inst.run_op(g, i);
        inst.op_seconds[i] += std::chrono::duration<double>(Clock::now() - t0).count();
      }
      for (size_t k = 0; k < g.outputs.size(); ++k) {
        const size_t image_bytes = self.io_bytes_[num_inputs + k] / self.batch_;
        std::memcpy(static_cast<uint8_t*>(self.io_data_[num_inputs + k]) + first * image_bytes,
                    inst.tensors[g.outputs[k]].data, images * image_bytes);
      }
    }
  });
  if (!timed) return;
  const int workers = std::min(pool_->num_threads(), count);
  auto collect = [&](Instance* inst) {
    if (!inst) return;
    for (size_t i = 0; i < op_seconds.size(); ++i) {
      op_seconds[i] += inst->op_seconds[i] / workers;
      inst->op_seconds[i] = 0.0;
    }
  };
  for (auto& inst : instances_) collect(inst.get());
  collect(tail_.get());
}

Status Interpreter::invoke() {
  if (!prepared_) return Status::Error("interpreter: not prepared");
  if (sub_batch_ < batch_) {
    run_sub_batches({}, false);
    return Status::Ok();
  }
  Instance& inst = *instances_.front();
  for (size_t i = 0; i < inst.ops.size(); ++i) inst.run_op(graph_, i);
  return Status::Ok();
}

Status Interpreter::invoke_timed(std::span<double> op_seconds) {
  if (!prepared_) return Status::Error("interpreter: not prepared");
  if (op_seconds.size() != graph_.ops.size()) {
    return Status::Error("interpreter: invoke_timed needs " + std::to_string(graph_.ops.size()) +
                         " op times, was given " + std::to_string(op_seconds.size()));
  }
  if (sub_batch_ < batch_) {
    run_sub_batches(op_seconds, true);
    return Status::Ok();
  }
  using Clock = std::chrono::steady_clock;
  Instance& inst = *instances_.front();
  for (size_t i = 0; i < inst.ops.size(); ++i) {
    const Clock::time_point t0 = Clock::now();
    inst.run_op(graph_, i);
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
  return shapes_[tensor_index];
}

const void* Interpreter::tensor_data(int tensor_index) const {
  if (tensor_index < 0 || tensor_index >= num_tensors()) return nullptr;
  // Graph inputs and outputs hold the whole batch; other activations belong to one sub-batch.
  for (size_t k = 0; k < graph_.inputs.size(); ++k) {
    if (graph_.inputs[k] == tensor_index) return io_data_[k];
  }
  for (size_t k = 0; k < graph_.outputs.size(); ++k) {
    if (graph_.outputs[k] == tensor_index) return io_data_[graph_.inputs.size() + k];
  }
  return first().tensors[tensor_index].data;
}

size_t Interpreter::arena_bytes() const { return first().plan.arena_bytes; }

const ArenaPlan& Interpreter::arena_plan() const { return first().plan; }

const char* Interpreter::op_kernel_name(int op_index) const {
  const PreparedOp& p = first().ops[op_index];
  if (!p.registration) return "none";
  if (!p.eval) return "folded";
  return p.kernel_name ? p.kernel_name : p.registration->name;
}

}  // namespace octet::runtime
