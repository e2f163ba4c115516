// What an op sees of the interpreter. Prepare (once per batch size) validates its inputs, computes its
// output shapes, builds its OpData (geometry, clamps, folded constants) and asks for scratch; eval (every
// invoke) only runs, reading tensor pointers through EvalContext and never allocating or failing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "runtime/graph.h"

namespace octet::runtime {

// A tensor as prepared for the current batch size.
struct RuntimeTensor {
  const Tensor* info = nullptr;  // the graph's tensor: name, quantization, stored shape
  DataType type = DataType::kFloat32;
  std::vector<int32_t> shape;    // runtime shape (batch applied); set by the producer at prepare
  bool shape_known = false;
  // Static tensors have data fixed at prepare: graph constants and constants folded at prepare
  // (e.g. DEQUANTIZE of float16 weights). Everything else lives in the arena.
  bool is_static = false;
  void* data = nullptr;

  int64_t num_elements() const {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    return n;
  }
  size_t byte_size() const { return static_cast<size_t>(num_elements()) * element_size(type); }
  int rank() const { return static_cast<int>(shape.size()); }
  int32_t dim(int i) const { return shape[i]; }
  template <typename T>
  const T* as() const { return static_cast<const T*>(data); }
};

// Per-op state built by prepare and read by eval. Each op derives its own.
struct OpData {
  virtual ~OpData() = default;
};

class EvalContext;
using EvalFn = void (*)(const EvalContext& ctx);

std::string shape_to_string(const std::vector<int32_t>& shape);

// What the interpreter provides to prepare.
class PrepareHooks {
 public:
  virtual ~PrepareHooks() = default;
  virtual RuntimeTensor& tensor(int32_t index) = 0;
  virtual void* allocate_persistent(size_t bytes) = 0;
  virtual int request_scratch(int op_index, size_t bytes) = 0;
};

// How the int8 FULLY_CONNECTED requantizes its accumulators (quantization.md §3.6.3):
// kInteger = MultiplyByQuantizedMultiplier (TFLM, TF <= 2.19 BUILTIN_REF, optimized kernels);
// kFloatDouble = (int32) round((double)acc * M) with M in double (TF >= 2.20 BUILTIN_REF).
enum class FcRequant : uint8_t { kInteger, kFloatDouble };

class PrepareContext {
 public:
  PrepareContext(PrepareHooks* hooks, int op_index, const Op& op, int batch, int num_threads,
                 FcRequant fc_requant = FcRequant::kInteger)
      : hooks_(hooks),
        op_index_(op_index),
        op_(op),
        batch_(batch),
        num_threads_(num_threads),
        fc_requant_(fc_requant) {}

  int op_index() const { return op_index_; }
  const Op& op() const { return op_; }
  const OpOptions& options() const { return op_.options; }
  int batch() const { return batch_; }
  int num_threads() const { return num_threads_; }
  FcRequant fc_requant() const { return fc_requant_; }

  int num_inputs() const { return static_cast<int>(op_.inputs.size()); }
  int num_outputs() const { return static_cast<int>(op_.outputs.size()); }
  bool has_input(int i) const { return i < num_inputs() && op_.inputs[i] >= 0; }
  // Only for present inputs (has_input); indices were validated before prepare.
  RuntimeTensor& input(int i);
  RuntimeTensor& output(int i);

  // "op 3 (CONV_2D): <message>"
  Status error(const std::string& message) const;

  // Arity checks: inputs in [min_inputs, max_inputs] (trailing optional inputs may be -1),
  // exactly `outputs` outputs.
  Status check_arity(int min_inputs, int max_inputs, int outputs) const;
  // Input i is present, of `type`, and of rank `rank` (-1 = any). `what` names it in errors.
  Status check_input(int i, const char* what, DataType type, int rank = -1);
  Status check_output_type(int i, DataType type);
  // Input i must be static (constant or folded at prepare) with its data available.
  Status check_static(int i, const char* what);

  // Sets the runtime shape of output i. When the graph stores a known shape for the tensor, the rank
  // and every dimension but the batch one must agree.
  Status set_output_shape(int i, std::vector<int32_t> shape);
  // Makes output i static: its data (allocated here, persistent) is computed by prepare itself and
  // the op is skipped by invoke unless it also sets an eval function.
  void* make_output_static(int i);

  // Persistent memory that lives as long as this preparation (64-byte aligned, zeroed).
  void* allocate_persistent(size_t bytes);
  // Scratch memory valid during this op's eval only, placed in the arena. Returns its id.
  int request_scratch(size_t bytes);

  void set_data(std::unique_ptr<OpData> data) { data_ = std::move(data); }
  void set_eval(EvalFn eval) { eval_ = eval; }
  // Overrides the registration's kernel name (a static string) when prepare picks a variant,
  // e.g. "qs8_fully_connected_fp64req_ref".
  void set_kernel_name(const char* name) { kernel_name_ = name; }
  // The kernel's result for one image depends on how many images it runs with (a library GEMM whose
  // summation order follows the row count): the interpreter then never splits the batch.
  void set_batch_dependent() { batch_dependent_ = true; }
  bool batch_dependent() const { return batch_dependent_; }
  std::unique_ptr<OpData> take_data() { return std::move(data_); }
  EvalFn eval() const { return eval_; }
  const char* kernel_name() const { return kernel_name_; }

 private:
  PrepareHooks* hooks_;
  int op_index_;
  const Op& op_;
  int batch_;
  int num_threads_;
  FcRequant fc_requant_;
  std::unique_ptr<OpData> data_;
  EvalFn eval_ = nullptr;
  const char* kernel_name_ = nullptr;
  bool batch_dependent_ = false;
};

class EvalContext {
 public:
  EvalContext(const Op& op, const OpData* data, RuntimeTensor* tensors, void* const* scratch,
              ThreadPool* pool)
      : op_(op), data_(data), tensors_(tensors), scratch_(scratch), pool_(pool) {}

  const Op& op() const { return op_; }
  template <typename T>
  const T& data() const { return *static_cast<const T*>(data_); }
  // Present inputs only (optional absent inputs are known to prepare, which records it in OpData).
  template <typename T>
  const T* input(int i) const { return static_cast<const T*>(tensors_[op_.inputs[i]].data); }
  template <typename T>
  T* output(int i) const { return static_cast<T*>(tensors_[op_.outputs[i]].data); }
  const RuntimeTensor& input_tensor(int i) const { return tensors_[op_.inputs[i]]; }
  const RuntimeTensor& output_tensor(int i) const { return tensors_[op_.outputs[i]]; }
  void* scratch(int id) const { return scratch_[id]; }
  ThreadPool& pool() const { return *pool_; }

 private:
  const Op& op_;
  const OpData* data_;
  RuntimeTensor* tensors_;
  void* const* scratch_;
  ThreadPool* pool_;
};

}  // namespace octet::runtime
