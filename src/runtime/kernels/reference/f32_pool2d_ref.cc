#include "runtime/kernels/reference/f32_pool2d_ref.h"

#include <algorithm>
#include <limits>

namespace octet::kernels {
namespace {

// The in-image part [start, end) of a window starting at `origin` (may be negative).
inline void clip(int origin, int filter, int size, int* start, int* end) {
  *start = std::max(0, -origin);
  *end = std::min(filter, size - origin);
}

template <bool kMax>
void pool(const F32Pool2DParams& p, const float* input, float* output, int row_begin, int row_end) {
  const int c = p.channels;
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / p.out_h, oy = row % p.out_h;
    const float* image = input + static_cast<long>(b) * p.in_h * p.in_w * c;
    const int y0 = oy * p.stride_h - p.pad_top;
    int fy0, fy1;
    clip(y0, p.filter_h, p.in_h, &fy0, &fy1);
    for (int ox = 0; ox < p.out_w; ++ox) {
      const int x0 = ox * p.stride_w - p.pad_left;
      int fx0, fx1;
      clip(x0, p.filter_w, p.in_w, &fx0, &fx1);
      float* __restrict out = output + (static_cast<long>(row) * p.out_w + ox) * c;
      // Channels innermost (contiguous); each channel still sees its taps in (fy, fx) order.
      const float init = kMax ? std::numeric_limits<float>::lowest() : 0.0f;
      for (int ch = 0; ch < c; ++ch) out[ch] = init;
      for (int fy = fy0; fy < fy1; ++fy) {
        for (int fx = fx0; fx < fx1; ++fx) {
          const float* __restrict in = image + (static_cast<long>(y0 + fy) * p.in_w + x0 + fx) * c;
          for (int ch = 0; ch < c; ++ch) {
            if (kMax) {
              out[ch] = std::max(out[ch], in[ch]);
            } else {
              out[ch] += in[ch];
            }
          }
        }
      }
      if (kMax) {
        for (int ch = 0; ch < c; ++ch) out[ch] = p.clamp(out[ch]);
      } else {
        const float count = static_cast<float>((fy1 - fy0) * (fx1 - fx0));
        for (int ch = 0; ch < c; ++ch) out[ch] = p.clamp(out[ch] / count);
      }
    }
  }
}

}  // namespace

void f32_max_pool2d_ref(const F32Pool2DParams& p, const float* input, float* output, int row_begin,
                        int row_end) {
  pool<true>(p, input, output, row_begin, row_end);
}

void f32_average_pool2d_ref(const F32Pool2DParams& p, const float* input, float* output,
                            int row_begin, int row_end) {
  pool<false>(p, input, output, row_begin, row_end);
}

}  // namespace octet::kernels
