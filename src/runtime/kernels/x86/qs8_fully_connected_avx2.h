// INT8 FULLY_CONNECTED for AVX2, bit-exact with qs8_fully_connected_ref and, when the packed GEMM
// carries real multipliers, with qs8_fully_connected_fp64req_ref: tiles of input rows are widened to
// int16 and multiplied by the weights packed at prepare (qs8_gemm_avx2.h).
// Only call when kernels::cpu_has_avx2_fma() is true.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/kernels/x86/qs8_gemm_avx2.h"

namespace octet::kernels {

struct Qs8FullyConnectedAvx2Params {
  Qs8PackedGemm gemm;  // n = units, k = depth
  int rows = 0;
  int tile = 1;        // rows per tile (qs8_gemm_tile_rows)
};

size_t qs8_fully_connected_avx2_scratch_bytes(const Qs8FullyConnectedAvx2Params& p);
int qs8_fully_connected_avx2_num_tiles(const Qs8FullyConnectedAvx2Params& p);

// Tiles [tile_begin, tile_end) of input [rows, depth] into output [rows, units]; scratch is this
// thread's qs8_fully_connected_avx2_scratch_bytes.
void qs8_fully_connected_avx2(const Qs8FullyConnectedAvx2Params& p, const int8_t* input,
                              int8_t* output, int16_t* scratch, int tile_begin, int tile_end);

}  // namespace octet::kernels
