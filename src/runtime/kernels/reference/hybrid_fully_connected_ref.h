// Dynamic-range FULLY_CONNECTED reference (quantization.md §5.2-5.3, TFLite EvalHybridDense with the
// portable tensor_utils): float32 input rows quantized at run time (symmetric, or asymmetric with a
// per-row zero point), int8 weights, float32 bias and output.
//   out[r,u] = bias[u] (or 0);  acc = sum_d W[u,d] * q[r,d] - rowsum(W[u,:]) * Z_r  (int32)
//   out[r,u] += (float)acc * (S_r * S_w[u])   (float32 product of the two scales)
// then the float activation. When the whole input is zero the matmul is skipped (out = act(bias)).
#pragma once

#include <cstdint>

#include "runtime/kernels/reference/f32_activation.h"

namespace octet::kernels {

struct HybridFullyConnectedParams {
  int depth = 0, units = 0;
  bool asymmetric = false;
  const float* filter_scales = nullptr;  // one per unit (per-tensor: the same value repeated)
  const int32_t* row_sums = nullptr;     // sum of each filter row (used when asymmetric)
  F32Clamp clamp;
};

// Quantizes rows [row_begin, row_end) of input [rows, depth] into quantized (same layout) with one
// scale and zero point per row in scales / zero_points (indexed by row), then computes those rows.
void hybrid_fully_connected_ref(const HybridFullyConnectedParams& p, const float* input,
                                const int8_t* filter, const float* bias, float* output,
                                int8_t* quantized, float* scales, int32_t* zero_points,
                                int row_begin, int row_end);

// Output rows when the whole input is zero: act(bias) or act(0).
void hybrid_fully_connected_zero_input_ref(const HybridFullyConnectedParams& p, const float* bias,
                                           float* output, int row_begin, int row_end);

}  // namespace octet::kernels
