// Runs a Graph: create() validates the graph and prepares it for a batch size (shapes, kernels from
// the op table, one planned activation arena); invoke() then only runs the ops' eval functions, with
// no heap allocation. Not thread-safe: one invoke at a time per Interpreter (it uses its own pool).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "runtime/graph.h"
#include "runtime/ops/op_context.h"
#include "runtime/ops/registry.h"
#include "runtime/planner.h"

namespace octet::runtime {

struct InterpreterOptions {
  int num_threads = 1;  // threads of the interpreter's own pool (the caller counts as one)
  // Batch of the graph inputs/outputs and of every activation. The graph stores 1 or -1 there.
  int batch = 1;
  KernelChoice kernels = KernelChoice::kAuto;
  // Give every tensor its own storage, so tensor_data() reads any intermediate after invoke()
  // (per-layer error analysis). Otherwise tensors share arena space once they are dead.
  bool preserve_all_tensors = false;
  // Requantization of int8 FULLY_CONNECTED: kInteger (MBQM; TFLM and TF <= 2.19 reference, the
  // default) or kFloatDouble (double-precision multiply + RHAZ; TF >= 2.20 BUILTIN_REF).
  FcRequant fc_requant = FcRequant::kInteger;
};

class Interpreter : private PrepareHooks {
 public:
  // Copies the graph (the interpreter does not refer to the caller's graph afterwards).
  static Result<std::unique_ptr<Interpreter>> create(const Graph& graph,
                                                     const InterpreterOptions& options);
  ~Interpreter() override;
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Re-prepares for another batch size; pointers from input_data() etc. become invalid. On error the
  // interpreter stays prepared for the previous batch.
  Status set_batch(int batch);
  int batch() const { return batch_; }

  // Runs every op in order. Inputs must have been written through input_data(); they are left intact.
  Status invoke();
  // invoke() that also adds each op's wall time in seconds to op_seconds[i] (one entry per op), for
  // per-op profiles; invoke() itself reads no clock.
  Status invoke_timed(std::span<double> op_seconds);

  int num_inputs() const { return static_cast<int>(graph_.inputs.size()); }
  int num_outputs() const { return static_cast<int>(graph_.outputs.size()); }
  // The graph's tensor (name, type, quantization); its shape is the stored one, see *_shape().
  const Tensor& input_info(int i) const { return graph_.tensors[graph_.inputs[i]]; }
  const Tensor& output_info(int i) const { return graph_.tensors[graph_.outputs[i]]; }
  // Runtime shapes (batch applied).
  const std::vector<int32_t>& input_shape(int i) const { return tensors_[graph_.inputs[i]].shape; }
  const std::vector<int32_t>& output_shape(int i) const { return tensors_[graph_.outputs[i]].shape; }
  void* input_data(int i) { return tensors_[graph_.inputs[i]].data; }
  const void* output_data(int i) const { return tensors_[graph_.outputs[i]].data; }
  size_t input_bytes(int i) const { return tensors_[graph_.inputs[i]].byte_size(); }
  size_t output_bytes(int i) const { return tensors_[graph_.outputs[i]].byte_size(); }
  // Typed views; abort when the tensor has another type.
  float* input_f32(int i);
  const float* output_f32(int i) const;
  int8_t* input_i8(int i);
  const int8_t* output_i8(int i) const;

  // Any tensor by graph index: runtime shape and data (constants included; null for tensors no op
  // uses). Intermediates hold their last value only with preserve_all_tensors.
  int num_tensors() const { return static_cast<int>(tensors_.size()); }
  const Tensor& tensor_info(int tensor_index) const { return graph_.tensors[tensor_index]; }
  const std::vector<int32_t>& tensor_shape(int tensor_index) const;
  const void* tensor_data(int tensor_index) const;

  // Arena size in bytes and its plan (requests, offsets, lifetimes over op indices).
  size_t arena_bytes() const { return plan_.arena_bytes; }
  const ArenaPlan& arena_plan() const { return plan_; }
  // Name of the kernel chosen for op i ("f32_conv2d_ref"), or "folded" when it ran at prepare.
  const char* op_kernel_name(int op_index) const;
  const Graph& graph() const { return graph_; }
  const InterpreterOptions& options() const { return options_; }

 private:
  struct AlignedFree {
    void operator()(void* p) const;
  };
  using AlignedBuffer = std::unique_ptr<uint8_t, AlignedFree>;
  static AlignedBuffer allocate_aligned(size_t bytes);  // zeroed, kArenaAlignment-aligned

  struct PreparedOp {
    const OpRegistration* registration = nullptr;
    EvalFn eval = nullptr;
    const char* kernel_name = nullptr;  // prepare's override of registration->name, if any
    std::unique_ptr<OpData> data;
    size_t scratch_begin = 0;  // first entry of scratch_ptrs_ owned by this op
  };

  Interpreter(const Graph& graph, const InterpreterOptions& options);
  Status validate_graph() const;
  Status prepare(int batch);
  Status prepare_op(int op_index);
  void plan_and_allocate();
  void run_op(size_t op_index);

  // PrepareHooks
  RuntimeTensor& tensor(int32_t index) override { return tensors_[index]; }
  void* allocate_persistent(size_t bytes) override;
  int request_scratch(int op_index, size_t bytes) override;

  Graph graph_;
  InterpreterOptions options_;
  int batch_ = 0;
  bool prepared_ = false;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<RuntimeTensor> tensors_;
  std::vector<PreparedOp> ops_;
  std::vector<AlignedBuffer> persistent_;
  std::vector<size_t> scratch_bytes_;  // one per scratch request, in request order
  std::vector<int> scratch_op_;
  std::vector<void*> scratch_ptrs_;
  ArenaPlan plan_;
  AlignedBuffer arena_;
};

}  // namespace octet::runtime
