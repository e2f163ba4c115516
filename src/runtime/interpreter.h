// Runs a Graph: create() validates the graph and prepares it for a batch size (shapes, kernels from
// the op table, one planned activation arena); invoke() then only runs the ops' eval functions, with
// no heap allocation. Not thread-safe: one invoke at a time per Interpreter (it uses its own pool).
//
// Depth-first batching: a batch larger than one sub-batch runs as sub-batches, each through every op,
// so that one sub-batch's activations stay in the L2 cache instead of each op streaming the whole
// batch through memory. Every sub-batch size has its own preparation (kernels, scratch, arena); with
// num_threads > 1 each thread runs whole sub-batches with its own preparation, and ops split their
// work over threads only when the batch runs whole (batch 1). Every image is computed by the same
// kernels either way, so outputs are byte-identical whatever the sub-batch size and thread count.
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
  // Images per sub-batch; 0 chooses it from the arena bytes per image (about kSubBatchArenaBytes of
  // activations per sub-batch). The batch runs whole with preserve_all_tensors, when an op mixes
  // images, or when a kernel's per-image result depends on the batch (the float reference
  // FULLY_CONNECTED's OpenBLAS GEMM).
  int sub_batch = 0;
};

// Activation bytes one sub-batch may use when InterpreterOptions::sub_batch is 0: half of a 512 KiB
// L2, leaving room for the weights of the op being run.
inline constexpr size_t kSubBatchArenaBytes = 256 * 1024;

class Interpreter {
 public:
  // Copies the graph (the interpreter does not refer to the caller's graph afterwards).
  static Result<std::unique_ptr<Interpreter>> create(const Graph& graph,
                                                     const InterpreterOptions& options);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Re-prepares for another batch size; pointers from input_data() etc. become invalid. On error the
  // interpreter stays prepared for the previous batch.
  Status set_batch(int batch);
  int batch() const { return batch_; }
  // Images per sub-batch for the current batch (equal to batch() when the batch runs whole).
  int sub_batch() const { return sub_batch_; }

  // Runs every op in order. Inputs must have been written through input_data(); they are left intact.
  Status invoke();
  // invoke() that also adds each op's wall time in seconds to op_seconds[i] (one entry per op), for
  // per-op profiles; invoke() itself reads no clock. When sub-batches run on several threads, an op's
  // time is its time summed over all sub-batches divided by the number of threads that ran them.
  Status invoke_timed(std::span<double> op_seconds);

  int num_inputs() const { return static_cast<int>(graph_.inputs.size()); }
  int num_outputs() const { return static_cast<int>(graph_.outputs.size()); }
  // The graph's tensor (name, type, quantization); its shape is the stored one, see *_shape().
  const Tensor& input_info(int i) const { return graph_.tensors[graph_.inputs[i]]; }
  const Tensor& output_info(int i) const { return graph_.tensors[graph_.outputs[i]]; }
  // Runtime shapes (batch applied).
  const std::vector<int32_t>& input_shape(int i) const { return shapes_[graph_.inputs[i]]; }
  const std::vector<int32_t>& output_shape(int i) const { return shapes_[graph_.outputs[i]]; }
  void* input_data(int i) { return io_data_[i]; }
  const void* output_data(int i) const { return io_data_[graph_.inputs.size() + i]; }
  size_t input_bytes(int i) const { return io_bytes_[i]; }
  size_t output_bytes(int i) const { return io_bytes_[graph_.inputs.size() + i]; }
  // Typed views; abort when the tensor has another type.
  float* input_f32(int i);
  const float* output_f32(int i) const;
  int8_t* input_i8(int i);
  const int8_t* output_i8(int i) const;

  // Any tensor by graph index: runtime shape and data (constants included; null for tensors no op
  // uses). Intermediates hold their last value only with preserve_all_tensors.
  int num_tensors() const { return static_cast<int>(shapes_.size()); }
  const Tensor& tensor_info(int tensor_index) const { return graph_.tensors[tensor_index]; }
  const std::vector<int32_t>& tensor_shape(int tensor_index) const;
  const void* tensor_data(int tensor_index) const;

  // Arena size in bytes and its plan (requests, offsets, lifetimes over op indices); with sub-batches,
  // those of one sub-batch (each thread has its own arena of that size).
  size_t arena_bytes() const;
  const ArenaPlan& arena_plan() const;
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
    size_t scratch_begin = 0;  // first entry of Instance::scratch_ptrs owned by this op
    bool batch_dependent = false;  // PrepareContext::set_batch_dependent
  };
  // The graph prepared for one batch size: tensors, kernels, persistent data, arena. Defined in
  // interpreter.cc.
  struct Instance;
  struct SubBatchRun;

  Interpreter(const Graph& graph, const InterpreterOptions& options);
  Status validate_graph() const;
  Status prepare(int batch);
  Status prepare_instance(Instance& inst, int batch, int num_threads, ThreadPool* pool);
  Status prepare_op(Instance& inst, int op_index);
  // Prepares the sub-batch instances when the batch can run as sub-batches of `sub` images (every
  // activation carries the batch in dimension 0 at both sizes); false keeps the whole batch.
  bool prepare_sub_batches(const Instance& whole, int sub);
  int choose_sub_batch(size_t whole_arena_bytes) const;
  void run_sub_batches(std::span<double> op_seconds, bool timed);
  const Instance& first() const { return *instances_.front(); }

  Graph graph_;
  InterpreterOptions options_;
  int batch_ = 0;
  int sub_batch_ = 0;
  bool prepared_ = false;
  std::unique_ptr<ThreadPool> pool_;
  // The whole batch: one instance. Sub-batches: one instance of sub_batch_ images per thread that runs
  // a full sub-batch (null for a thread that runs only the tail), then tail_ for a smaller last one.
  std::vector<std::unique_ptr<Instance>> instances_;
  std::unique_ptr<Instance> tail_;
  std::vector<std::vector<int32_t>> shapes_;  // every tensor's runtime shape at batch_
  // Graph inputs then graph outputs: data and bytes at batch_. With sub-batches they live in io_
  // and each sub-batch copies its images in and out; otherwise they point into the instance's arena.
  std::vector<void*> io_data_;
  std::vector<size_t> io_bytes_;
  std::vector<AlignedBuffer> io_;
};

}  // namespace octet::runtime
