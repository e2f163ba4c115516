// INT8 FULLY_CONNECTED reference (quantization.md §4.3): acc = sum_d W[u,d] * (In[r,d] + input_offset)
// + bias[u], then one of two requantizations:
//   qs8_fully_connected_ref:         MBQM with the per-unit multiplier (TFLM, TF <= 2.19 BUILTIN_REF);
//   qs8_fully_connected_fp64req_ref: (int32) round((double)acc * M_u) with M_u = S_in*S_w[u]/S_out in
//                                    double, C round = RHAZ (TF >= 2.20 BUILTIN_REF, §3.6.3);
// then + output_offset and the clamp.
#pragma once

#include <cstdint>

#include "runtime/kernels/reference/qs8_conv2d_ref.h"

namespace octet::kernels {

struct Qs8FullyConnectedParams {
  int depth = 0, units = 0;
  Qs8OutputStage output;                  // multipliers: used by qs8_fully_connected_ref
  const double* real_multipliers = nullptr;  // one per unit: used by the fp64req variant
};

// Rows [row_begin, row_end) of input [rows, depth] -> output [rows, units]. filter [units, depth],
// bias [units] or null.
void qs8_fully_connected_ref(const Qs8FullyConnectedParams& p, const int8_t* input,
                             const int8_t* filter, const int32_t* bias, int8_t* output,
                             int row_begin, int row_end);
void qs8_fully_connected_fp64req_ref(const Qs8FullyConnectedParams& p, const int8_t* input,
                                     const int8_t* filter, const int32_t* bias, int8_t* output,
                                     int row_begin, int row_end);

}  // namespace octet::kernels
