#include "runtime/kernels/x86/qs8_fully_connected_avx2.h"

#include <algorithm>

namespace octet::kernels {

size_t qs8_fully_connected_avx2_scratch_bytes(const Qs8FullyConnectedAvx2Params& p) {
  return static_cast<size_t>(p.tile) * p.gemm.k_pad * sizeof(int16_t);
}

int qs8_fully_connected_avx2_num_tiles(const Qs8FullyConnectedAvx2Params& p) {
  return (p.rows + p.tile - 1) / p.tile;
}

void qs8_fully_connected_avx2(const Qs8FullyConnectedAvx2Params& p, const int8_t* input,
                              int8_t* output, int16_t* scratch, int tile_begin, int tile_end) {
  const Qs8PackedGemm& g = p.gemm;
  for (int t = tile_begin; t < tile_end; ++t) {
    const int first = t * p.tile, count = std::min(p.tile, p.rows - first);
    for (int i = 0; i < count; ++i) {
      qs8_widen_row_avx2(input + static_cast<size_t>(first + i) * g.k, g.k, g.k_pad,
                         scratch + static_cast<size_t>(i) * g.k_pad);
    }
    qs8_gemm_avx2(g, scratch, g.k_pad, count, output + static_cast<size_t>(first) * g.n, g.n);
  }
}

}  // namespace octet::kernels
