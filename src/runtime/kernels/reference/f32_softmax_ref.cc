#include "runtime/kernels/reference/f32_softmax_ref.h"

#include <algorithm>
#include <cmath>

namespace octet::kernels {

void f32_softmax_ref(const float* input, float* output, long rows, int depth, float beta) {
  for (long r = 0; r < rows; ++r) {
    const float* in = input + r * depth;
    float* out = output + r * depth;
    float mx = in[0];
    for (int c = 1; c < depth; ++c) mx = std::max(mx, in[c]);
    float sum = 0.0f;
    for (int c = 0; c < depth; ++c) {
      out[c] = std::exp((in[c] - mx) * beta);
      sum += out[c];
    }
    const float inv = 1.0f / sum;
    for (int c = 0; c < depth; ++c) out[c] *= inv;
  }
}

}  // namespace octet::kernels
