// Helpers shared by the layers: thread-count-independent batch splitting, per-thread scratch,
// ordered reduction of per-group partial gradients, and Keras' Glorot-uniform initialiser.
//
// Determinism: work is cut into groups whose boundaries depend only on the batch size and the
// layer geometry, never on the number of threads. Each group's GEMMs therefore have the same
// shapes and operands whatever the pool size, and partial gradients are kept per group and
// summed in group order. So outputs and gradients are bit-identical run after run AND across
// thread counts (a stronger property than the per-chunk reduction layer.h asks for).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "core/status.h"
#include "core/thread_pool.h"
#include "runtime/graph.h"

namespace octet::nn {

// A batch of `items` split into `count` groups of `size` consecutive items (the last may be short).
struct BatchGroups {
  int items = 0, size = 1, count = 0;
  int begin(int g) const { return g * size; }
  int end(int g) const { return std::min(items, (g + 1) * size); }
};

// Groups of about target_rows GEMM rows (rows_per_item rows per item), but at least
// min(min_groups, items) groups so every thread of a small pool gets work.
BatchGroups split_batch(int items, int64_t rows_per_item, int64_t target_rows, int min_groups);

// One growable float buffer per pool chunk; call reserve() before parallel_for, get() inside.
class ThreadScratch {
 public:
  void reserve(int chunks, int64_t floats) {
    if (static_cast<int>(bufs_.size()) < chunks) bufs_.resize(chunks);
    for (int i = 0; i < chunks; ++i)
      if (static_cast<int64_t>(bufs_[i].size()) < floats) bufs_[i].resize(floats);
  }
  float* get(int chunk) { return bufs_[chunk].data(); }

 private:
  std::vector<std::vector<float>> bufs_;
};

// dst[e] += parts[0][e] + parts[1][e] + ... (left to right, in group order) for e in [0, size),
// where parts[g] starts at parts + g * size. Parallel over e, so the order per element is fixed.
void add_partials(const float* parts, int count, int64_t size, float* dst, ThreadPool& pool);

// Calls fn(begin, end) over [0, n) in a few large contiguous blocks (serially when n is small).
// Only for element-wise work whose result does not depend on the split. min_per_block: items
// below which waking a thread costs more than it saves.
void parallel_elementwise(ThreadPool& pool, int64_t n, const std::function<void(int64_t, int64_t)>& fn,
                          int64_t min_per_block = 1 << 15);

// Keras GlorotUniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)), drawn in storage order.
void glorot_uniform(Tensor& t, int64_t fan_in, int64_t fan_out, Rng& rng);

// Window geometry of a 2-D pooling layer over [H, W, C] (TFLite's output size and padding).
struct PoolGeometry {
  int in_h = 0, in_w = 0, channels = 0;
  int out_h = 0, out_w = 0;
  int pad_top = 0, pad_left = 0;
};
Result<PoolGeometry> pool_geometry(const char* kind, const Shape& input_shape, int pool_h, int pool_w,
                                   int stride_h, int stride_w, runtime::Padding padding);

}  // namespace octet::nn
