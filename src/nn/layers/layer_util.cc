#include "nn/layers/layer_util.h"

#include <cmath>
#include <string>

#include "runtime/kernels/conv_geometry.h"

namespace octet::nn {

BatchGroups split_batch(int items, int64_t rows_per_item, int64_t target_rows, int min_groups) {
  BatchGroups g;
  g.items = items;
  if (items <= 0) return g;
  int64_t by_rows = std::max<int64_t>(1, (target_rows + rows_per_item - 1) / std::max<int64_t>(1, rows_per_item));
  int64_t by_spread = std::max(1, (items + min_groups - 1) / std::max(1, min_groups));
  g.size = static_cast<int>(std::min(by_rows, by_spread));
  g.count = (items + g.size - 1) / g.size;
  return g;
}

void add_partials(const float* parts, int count, int64_t size, float* dst, ThreadPool& pool) {
  parallel_elementwise(pool, size, [&](int64_t b, int64_t e) {
    for (int g = 0; g < count; ++g) {
      const float* p = parts + g * size;
      for (int64_t i = b; i < e; ++i) dst[i] += p[i];
    }
  });
}

void parallel_elementwise(ThreadPool& pool, int64_t n, const std::function<void(int64_t, int64_t)>& fn,
                          int64_t min_per_block) {
  min_per_block = std::max<int64_t>(1, min_per_block);
  int blocks = static_cast<int>(std::min<int64_t>(pool.num_threads(), (n + min_per_block - 1) / min_per_block));
  if (blocks <= 1) {
    if (n > 0) fn(0, n);
    return;
  }
  pool.parallel_for(blocks, [&](int, int b, int e) {
    int64_t lo = n * b / blocks, hi = n * e / blocks;
    fn(lo, hi);
  });
}

void glorot_uniform(Tensor& t, int64_t fan_in, int64_t fan_out, Rng& rng) {
  float limit = static_cast<float>(std::sqrt(6.0 / static_cast<double>(fan_in + fan_out)));
  for (float& v : t.data) v = rng.uniform(-limit, limit);
}

Result<PoolGeometry> pool_geometry(const char* kind, const Shape& input_shape, int pool_h, int pool_w,
                                   int stride_h, int stride_w, runtime::Padding padding) {
  const std::string k = kind;
  if (input_shape.size() != 3)
    return Status::Error(k + ": input must be [H, W, C] (got " + shape_to_string(input_shape) + ")");
  if (pool_h < 1 || pool_w < 1 || stride_h < 1 || stride_w < 1)
    return Status::Error(k + ": pool size and strides must be positive");
  PoolGeometry g;
  g.in_h = input_shape[0], g.in_w = input_shape[1], g.channels = input_shape[2];
  if (g.in_h < 1 || g.in_w < 1 || g.channels < 1) return Status::Error(k + ": empty input " + shape_to_string(input_shape));
  kernels::Window1D wy = kernels::window_1d(g.in_h, pool_h, stride_h, 1, padding);
  kernels::Window1D wx = kernels::window_1d(g.in_w, pool_w, stride_w, 1, padding);
  if (wy.out < 1 || wx.out < 1)
    return Status::Error(k + ": pool " + std::to_string(pool_h) + "x" + std::to_string(pool_w) +
                         " does not fit input " + shape_to_string(input_shape) + " with VALID padding");
  g.out_h = wy.out, g.out_w = wx.out, g.pad_top = wy.pad_before, g.pad_left = wx.pad_before;
  return g;
}

}  // namespace octet::nn
