#include "runtime/kernels/reference/qs8_pool2d_ref.h"

#include <algorithm>

namespace octet::kernels {
namespace {

struct ClippedWindow {
  int y_start, y_end, x_start, x_end;
};

ClippedWindow clip(const Qs8Pool2DParams& p, int oy, int ox) {
  const int y0 = oy * p.stride_h - p.pad_top, x0 = ox * p.stride_w - p.pad_left;
  return {y0 + std::max(0, -y0), y0 + std::min(p.filter_h, p.in_h - y0),
          x0 + std::max(0, -x0), x0 + std::min(p.filter_w, p.in_w - x0)};
}

}  // namespace

void qs8_max_pool2d_ref(const Qs8Pool2DParams& p, const int8_t* input, int8_t* output,
                        int row_begin, int row_end) {
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / p.out_h, oy = row % p.out_h;
    for (int ox = 0; ox < p.out_w; ++ox) {
      const ClippedWindow w = clip(p, oy, ox);
      int8_t* out = output + ((static_cast<long>(b) * p.out_h + oy) * p.out_w + ox) * p.channels;
      for (int c = 0; c < p.channels; ++c) {
        int32_t m = -128;
        for (int y = w.y_start; y < w.y_end; ++y) {
          for (int x = w.x_start; x < w.x_end; ++x) {
            m = std::max<int32_t>(m, input[((static_cast<long>(b) * p.in_h + y) * p.in_w + x) * p.channels + c]);
          }
        }
        m = std::min(std::max(m, p.act_min), p.act_max);
        out[c] = static_cast<int8_t>(m);
      }
    }
  }
}

void qs8_average_pool2d_ref(const Qs8Pool2DParams& p, const int8_t* input, int8_t* output,
                            int row_begin, int row_end) {
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / p.out_h, oy = row % p.out_h;
    for (int ox = 0; ox < p.out_w; ++ox) {
      const ClippedWindow w = clip(p, oy, ox);
      const int32_t n = (w.y_end - w.y_start) * (w.x_end - w.x_start);
      int8_t* out = output + ((static_cast<long>(b) * p.out_h + oy) * p.out_w + ox) * p.channels;
      for (int c = 0; c < p.channels; ++c) {
        int32_t acc = 0;
        for (int y = w.y_start; y < w.y_end; ++y) {
          for (int x = w.x_start; x < w.x_end; ++x) {
            acc += input[((static_cast<long>(b) * p.in_h + y) * p.in_w + x) * p.channels + c];
          }
        }
        int32_t avg = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
        avg = std::min(std::max(avg, p.act_min), p.act_max);
        out[c] = static_cast<int8_t>(avg);
      }
    }
  }
}

}  // namespace octet::kernels
