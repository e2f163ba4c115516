#include "runtime/kernels/reference/hybrid_fully_connected_ref.h"

#include "runtime/kernels/reference/hybrid_quantize_ref.h"

namespace octet::kernels {

void hybrid_fully_connected_zero_input_ref(const HybridFullyConnectedParams& p, const float* bias,
                                           float* output, int row_begin, int row_end) {
  for (int r = row_begin; r < row_end; ++r) {
    float* out = output + static_cast<long>(r) * p.units;
    for (int u = 0; u < p.units; ++u) out[u] = p.clamp(bias ? bias[u] : 0.0f);
  }
}

void hybrid_fully_connected_ref(const HybridFullyConnectedParams& p, const float* input,
                                const int8_t* filter, const float* bias, float* output,
                                int8_t* quantized, float* scales, int32_t* zero_points,
                                int row_begin, int row_end) {
  for (int r = row_begin; r < row_end; ++r) {
    const float* in = input + static_cast<long>(r) * p.depth;
    int8_t* q = quantized + static_cast<long>(r) * p.depth;
    if (p.asymmetric) {
      hybrid_asymmetric_quantize_ref(in, p.depth, q, &scales[r], &zero_points[r]);
    } else {
      hybrid_symmetric_quantize_ref(in, p.depth, q, &scales[r]);
      zero_points[r] = 0;
    }
    float* out = output + static_cast<long>(r) * p.units;
    for (int u = 0; u < p.units; ++u) {
      const int8_t* w = filter + static_cast<long>(u) * p.depth;
      int64_t dot = 0;
      for (int d = 0; d < p.depth; ++d) dot += static_cast<int32_t>(w[d]) * static_cast<int32_t>(q[d]);
      if (p.asymmetric) dot -= static_cast<int64_t>(p.row_sums[u]) * zero_points[r];
      const int32_t acc = static_cast<int32_t>(dot);
      const float scale = scales[r] * p.filter_scales[u];
      float v = bias ? bias[u] : 0.0f;
      v += static_cast<float>(acc) * scale;
      out[u] = p.clamp(v);
    }
  }
}

}  // namespace octet::kernels
