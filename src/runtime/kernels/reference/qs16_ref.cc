#include "runtime/kernels/reference/qs16_ref.h"

#include <algorithm>
#include <cmath>

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

void qs16_conv2d_ref(const Qs16ConvParams& p, const int16_t* input, const int8_t* filter,
                     const int64_t* bias, int16_t* output, int row_begin, int row_end) {
  const ConvGeometry& g = p.geometry;
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    const int y0 = oy * g.stride_h - g.pad_top;
    for (int ox = 0; ox < g.out_w; ++ox) {
      const int x0 = ox * g.stride_w - g.pad_left;
      int16_t* out = output + ((static_cast<long>(b) * g.out_h + oy) * g.out_w + ox) * g.out_channels;
      for (int oc = 0; oc < g.out_channels; ++oc) {
        int64_t acc = 0;
        for (int ky = 0; ky < g.kernel_h; ++ky) {
          const int iy = y0 + g.dilation_h * ky;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int kx = 0; kx < g.kernel_w; ++kx) {
            const int ix = x0 + g.dilation_w * kx;
            if (ix < 0 || ix >= g.in_w) continue;
            const int16_t* in = input + ((static_cast<long>(b) * g.in_h + iy) * g.in_w + ix) * g.in_channels;
            const int8_t* w = filter + ((static_cast<long>(oc) * g.kernel_h + ky) * g.kernel_w + kx) * g.in_channels;
            for (int ic = 0; ic < g.in_channels; ++ic) acc += int64_t{w[ic]} * in[ic];
          }
        }
        if (bias) acc += bias[oc];
        out[oc] = qs16_requantize_accumulator(acc, p.output, oc);
      }
    }
  }
}

void qs16_depthwise_conv2d_ref(const Qs16ConvParams& p, const int16_t* input, const int8_t* filter,
                               const int64_t* bias, int16_t* output, int row_begin, int row_end) {
  const ConvGeometry& g = p.geometry;
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    const int y0 = oy * g.stride_h - g.pad_top;
    for (int ox = 0; ox < g.out_w; ++ox) {
      const int x0 = ox * g.stride_w - g.pad_left;
      int16_t* out = output + ((static_cast<long>(b) * g.out_h + oy) * g.out_w + ox) * g.out_channels;
      for (int oc = 0; oc < g.out_channels; ++oc) {
        const int ic = oc / p.depth_multiplier;
        int64_t acc = 0;
        for (int ky = 0; ky < g.kernel_h; ++ky) {
          const int iy = y0 + g.dilation_h * ky;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int kx = 0; kx < g.kernel_w; ++kx) {
            const int ix = x0 + g.dilation_w * kx;
            if (ix < 0 || ix >= g.in_w) continue;
            const int16_t v = input[((static_cast<long>(b) * g.in_h + iy) * g.in_w + ix) * g.in_channels + ic];
            const int8_t w = filter[(static_cast<long>(ky) * g.kernel_w + kx) * g.out_channels + oc];
            acc += int64_t{w} * v;
          }
        }
        if (bias) acc += bias[oc];
        out[oc] = qs16_requantize_accumulator(acc, p.output, oc);
      }
    }
  }
}

void qs16_fully_connected_ref(const Qs16OutputStage& s, int depth, int units, const int16_t* input,
                              const int8_t* filter, const int64_t* bias, int16_t* output,
                              int row_begin, int row_end) {
  for (int r = row_begin; r < row_end; ++r) {
    const int16_t* in = input + static_cast<long>(r) * depth;
    for (int u = 0; u < units; ++u) {
      const int8_t* w = filter + static_cast<long>(u) * depth;
      int64_t acc = 0;
      for (int d = 0; d < depth; ++d) acc += int64_t{w[d]} * in[d];
      if (bias) acc += bias[u];
      output[static_cast<long>(r) * units + u] = qs16_requantize_accumulator(acc, s, u);
    }
  }
}

void qs16_max_pool2d_ref(const Qs8Pool2DParams& p, const int16_t* input, int16_t* output,
                         int row_begin, int row_end) {
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / p.out_h, oy = row % p.out_h;
    for (int ox = 0; ox < p.out_w; ++ox) {
      const ClippedWindow w = clip(p, oy, ox);
      int16_t* out = output + ((static_cast<long>(b) * p.out_h + oy) * p.out_w + ox) * p.channels;
      for (int c = 0; c < p.channels; ++c) {
        int32_t m = -32768;
        for (int y = w.y_start; y < w.y_end; ++y) {
          for (int x = w.x_start; x < w.x_end; ++x) {
            m = std::max<int32_t>(m, input[((static_cast<long>(b) * p.in_h + y) * p.in_w + x) * p.channels + c]);
          }
        }
        out[c] = static_cast<int16_t>(std::min(std::max(m, p.act_min), p.act_max));
      }
    }
  }
}

void qs16_average_pool2d_ref(const Qs8Pool2DParams& p, const int16_t* input, int16_t* output,
                             int row_begin, int row_end) {
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / p.out_h, oy = row % p.out_h;
    for (int ox = 0; ox < p.out_w; ++ox) {
      const ClippedWindow w = clip(p, oy, ox);
      const int32_t n = (w.y_end - w.y_start) * (w.x_end - w.x_start);
      int16_t* out = output + ((static_cast<long>(b) * p.out_h + oy) * p.out_w + ox) * p.channels;
      for (int c = 0; c < p.channels; ++c) {
        int32_t acc = 0;
        for (int y = w.y_start; y < w.y_end; ++y) {
          for (int x = w.x_start; x < w.x_end; ++x) {
            acc += input[((static_cast<long>(b) * p.in_h + y) * p.in_w + x) * p.channels + c];
          }
        }
        int32_t avg = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;  // RHAZ, as TFLite
        out[c] = static_cast<int16_t>(std::min(std::max(avg, p.act_min), p.act_max));
      }
    }
  }
}

void qs16_mean_ref(const F32MeanParams& s, QuantizedMultiplier multiplier, const int16_t* input,
                   int16_t* output, int32_t* sums) {
  for (int64_t o = 0; o < s.out_elements; ++o) sums[o] = 0;
  int64_t index[kMaxMeanRank] = {};
  int64_t total = 1;
  for (int d = 0; d < s.rank; ++d) total *= s.in_dims[d];
  int64_t out = 0;  // output offset of the current input index
  for (int64_t i = 0; i < total; ++i) {
    sums[out] += input[i];  // int32, as TFLite's temp_sum (prepare bounds N so it cannot overflow)
    for (int d = s.rank - 1; d >= 0; --d) {
      ++index[d];
      out += s.out_strides[d];
      if (index[d] < s.in_dims[d]) break;
      out -= s.out_strides[d] * index[d];
      index[d] = 0;
    }
  }
  for (int64_t o = 0; o < s.out_elements; ++o) {
    const int32_t v = multiply_by_quantized_multiplier(sums[o], multiplier);
    output[o] = static_cast<int16_t>(std::min(std::max(v, int32_t{-32768}), int32_t{32767}));
  }
}

void qs16_quantize_f32_ref(const float* input, int16_t* output, long n, float scale) {
  for (long i = 0; i < n; ++i) {
    float q = std::round(input[i] / scale);  // RHAZ
    // Clamp in float so huge values, inf and NaN stay defined (NaN maps to -32768, as int8's -128).
    if (!(q >= -32768.0f)) q = -32768.0f;
    if (q > 32767.0f) q = 32767.0f;
    output[i] = static_cast<int16_t>(q);
  }
}

void f32_dequantize_qs16_ref(const int16_t* input, float* output, long n, float scale) {
  for (long i = 0; i < n; ++i) {
    output[i] = static_cast<float>(static_cast<double>(scale) * input[i]);
  }
}

}  // namespace octet::kernels
