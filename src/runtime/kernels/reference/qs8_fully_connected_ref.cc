#include "runtime/kernels/reference/qs8_fully_connected_ref.h"

#include <cmath>

namespace octet::kernels {
namespace {

int32_t accumulate(const Qs8FullyConnectedParams& p, const int8_t* in, const int8_t* w,
                   const int32_t* bias, int u) {
  int64_t acc = 0;
  for (int d = 0; d < p.depth; ++d) {
    acc += static_cast<int32_t>(w[d]) * (static_cast<int32_t>(in[d]) + p.output.input_offset);
  }
  if (bias) acc += bias[u];
  return static_cast<int32_t>(acc);  // wraps like TFLite's int32 accumulator, without UB
}

int8_t clamp_output(int64_t v, const Qs8OutputStage& s) {
  v += s.output_offset;
  v = v < s.act_min ? s.act_min : v;
  v = v > s.act_max ? s.act_max : v;
  return static_cast<int8_t>(v);
}

}  // namespace

void qs8_fully_connected_ref(const Qs8FullyConnectedParams& p, const int8_t* input,
                             const int8_t* filter, const int32_t* bias, int8_t* output,
                             int row_begin, int row_end) {
  for (int r = row_begin; r < row_end; ++r) {
    const int8_t* in = input + static_cast<long>(r) * p.depth;
    for (int u = 0; u < p.units; ++u) {
      const int32_t acc = accumulate(p, in, filter + static_cast<long>(u) * p.depth, bias, u);
      output[static_cast<long>(r) * p.units + u] = qs8_requantize_accumulator(acc, p.output, u);
    }
  }
}

void qs8_fully_connected_fp64req_ref(const Qs8FullyConnectedParams& p, const int8_t* input,
                                     const int8_t* filter, const int32_t* bias, int8_t* output,
                                     int row_begin, int row_end) {
  for (int r = row_begin; r < row_end; ++r) {
    const int8_t* in = input + static_cast<long>(r) * p.depth;
    for (int u = 0; u < p.units; ++u) {
      const int32_t acc = accumulate(p, in, filter + static_cast<long>(u) * p.depth, bias, u);
      double scaled = std::round(static_cast<double>(acc) * p.real_multipliers[u]);
      // |acc * M| < 2^31 for any sane multiplier; bound anyway so the conversion stays defined.
      scaled = scaled < -2147483648.0 ? -2147483648.0 : (scaled > 2147483647.0 ? 2147483647.0 : scaled);
      output[static_cast<long>(r) * p.units + u] = clamp_output(static_cast<int32_t>(scaled), p.output);
    }
  }
}

}  // namespace octet::kernels
