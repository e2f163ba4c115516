// Output size and leading padding of a convolution or pooling window, as TFLite computes them:
// SAME -> ceil(in / stride); VALID -> ceil((in - eff + 1) / stride); odd padding goes at the end.
#pragma once

#include <algorithm>

#include "runtime/graph.h"

namespace octet::kernels {

struct Window1D {
  int out = 0;         // output size (<= 0 means the window does not fit)
  int pad_before = 0;  // padding before the first input element; the rest goes after
};

inline Window1D window_1d(int in, int kernel, int stride, int dilation, runtime::Padding padding) {
  int eff = (kernel - 1) * dilation + 1;
  Window1D w;
  w.out = padding == runtime::Padding::kSame ? (in + stride - 1) / stride : (in + stride - eff) / stride;
  int total = std::max((w.out - 1) * stride + eff - in, 0);
  w.pad_before = padding == runtime::Padding::kSame ? total / 2 : 0;
  return w;
}

}  // namespace octet::kernels
