// Helpers for runtime tests: a small graph builder and naive loop implementations of the float ops,
// written independently of the runtime's kernels (no im2col, no GEMM).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/rng.h"
#include "runtime/graph.h"
#include "runtime/interpreter.h"

namespace octet::runtime::testing {

struct GraphBuilder {
  Graph g;

  int32_t tensor(std::vector<int32_t> shape, DataType type = DataType::kFloat32,
                 std::string name = "") {
    Tensor t;
    if (name.empty()) {  // (not "t" + to_string(): GCC 12 warns -Wrestrict on that spuriously)
      name = std::to_string(g.tensors.size());
      name.insert(name.begin(), 't');
    }
    t.name = std::move(name);
    t.type = type;
    t.shape = std::move(shape);
    return g.add_tensor(std::move(t));
  }
  int32_t input(std::vector<int32_t> shape, DataType type = DataType::kFloat32) {
    int32_t t = tensor(std::move(shape), type);
    g.inputs.push_back(t);
    return t;
  }
  template <typename T>
  int32_t constant(std::vector<int32_t> shape, const std::vector<T>& values, DataType type) {
    int32_t t = tensor(std::move(shape), type);
    g.tensors[t].is_constant = true;
    g.tensors[t].data.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(g.tensors[t].data.data(), values.data(), g.tensors[t].data.size());
    return t;
  }
  int32_t f32(std::vector<int32_t> shape, const std::vector<float>& v) {
    return constant(std::move(shape), v, DataType::kFloat32);
  }
  int32_t i32(std::vector<int32_t> shape, const std::vector<int32_t>& v) {
    return constant(std::move(shape), v, DataType::kInt32);
  }
  // An activation whose stored shape is unknown (computed at prepare).
  int32_t act(DataType type = DataType::kFloat32) { return tensor({}, type); }
  int32_t op(OpType type, std::vector<int32_t> inputs, OpOptions options = {},
             DataType out_type = DataType::kFloat32) {
    int32_t out = act(out_type);
    g.ops.push_back(Op{type, 1, std::move(inputs), {out}, std::move(options)});
    return out;
  }
  void output(int32_t t) { g.outputs.push_back(t); }
};

inline std::vector<float> random_vector(Rng& rng, size_t n, float lo = -1.0f, float hi = 1.0f) {
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(lo, hi);
  return v;
}

inline float clamp_act(float x, Activation a) {
  if (a == Activation::kRelu || a == Activation::kRelu6) x = std::max(x, 0.0f);
  if (a == Activation::kRelu6) x = std::min(x, 6.0f);
  return x;
}

inline int out_size(int in, int k, int stride, int dil, Padding p) {
  int eff = (k - 1) * dil + 1;
  return p == Padding::kSame ? (in + stride - 1) / stride : (in - eff + stride) / stride;
}
inline int pad_before(int in, int k, int stride, int dil, Padding p) {
  if (p == Padding::kValid) return 0;
  int eff = (k - 1) * dil + 1;
  int out = out_size(in, k, stride, dil, p);
  return std::max((out - 1) * stride + eff - in, 0) / 2;
}

// Naive NHWC convolution, filter OHWI; accumulates in double.
inline std::vector<float> naive_conv2d(const std::vector<float>& in, int n, int h, int w, int cin,
                                       const std::vector<float>& filter, int cout, int kh, int kw,
                                       const float* bias, const OpOptions& o, int* oh_out,
                                       int* ow_out) {
  int oh = out_size(h, kh, o.stride_h, o.dilation_h, o.padding);
  int ow = out_size(w, kw, o.stride_w, o.dilation_w, o.padding);
  int pt = pad_before(h, kh, o.stride_h, o.dilation_h, o.padding);
  int pl = pad_before(w, kw, o.stride_w, o.dilation_w, o.padding);
  std::vector<float> out(static_cast<size_t>(n) * oh * ow * cout);
  for (int b = 0; b < n; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int oc = 0; oc < cout; ++oc) {
          double acc = bias ? bias[oc] : 0.0;
          for (int ky = 0; ky < kh; ++ky)
            for (int kx = 0; kx < kw; ++kx) {
              int iy = y * o.stride_h - pt + ky * o.dilation_h;
              int ix = x * o.stride_w - pl + kx * o.dilation_w;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              for (int ic = 0; ic < cin; ++ic)
                acc += static_cast<double>(in[((b * h + iy) * w + ix) * cin + ic]) *
                       filter[((oc * kh + ky) * kw + kx) * cin + ic];
            }
          out[((b * oh + y) * ow + x) * cout + oc] = clamp_act(static_cast<float>(acc), o.activation);
        }
  *oh_out = oh;
  *ow_out = ow;
  return out;
}

// Naive depthwise conv, filter [1, KH, KW, Cin*M].
inline std::vector<float> naive_depthwise(const std::vector<float>& in, int n, int h, int w,
                                          int cin, const std::vector<float>& filter, int m, int kh,
                                          int kw, const float* bias, const OpOptions& o,
                                          int* oh_out, int* ow_out) {
  int oh = out_size(h, kh, o.stride_h, o.dilation_h, o.padding);
  int ow = out_size(w, kw, o.stride_w, o.dilation_w, o.padding);
  int pt = pad_before(h, kh, o.stride_h, o.dilation_h, o.padding);
  int pl = pad_before(w, kw, o.stride_w, o.dilation_w, o.padding);
  int cout = cin * m;
  std::vector<float> out(static_cast<size_t>(n) * oh * ow * cout);
  for (int b = 0; b < n; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int ic = 0; ic < cin; ++ic)
          for (int mm = 0; mm < m; ++mm) {
            int oc = ic * m + mm;
            double acc = bias ? bias[oc] : 0.0;
            for (int ky = 0; ky < kh; ++ky)
              for (int kx = 0; kx < kw; ++kx) {
                int iy = y * o.stride_h - pt + ky * o.dilation_h;
                int ix = x * o.stride_w - pl + kx * o.dilation_w;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                acc += static_cast<double>(in[((b * h + iy) * w + ix) * cin + ic]) *
                       filter[(ky * kw + kx) * cout + oc];
              }
            out[((b * oh + y) * ow + x) * cout + oc] =
                clamp_act(static_cast<float>(acc), o.activation);
          }
  *oh_out = oh;
  *ow_out = ow;
  return out;
}

inline std::vector<float> naive_fc(const std::vector<float>& in, int rows, int depth,
                                   const std::vector<float>& w, int units, const float* bias,
                                   Activation a) {
  std::vector<float> out(static_cast<size_t>(rows) * units);
  for (int r = 0; r < rows; ++r)
    for (int u = 0; u < units; ++u) {
      double acc = bias ? bias[u] : 0.0;
      for (int d = 0; d < depth; ++d) acc += static_cast<double>(in[r * depth + d]) * w[u * depth + d];
      out[r * units + u] = clamp_act(static_cast<float>(acc), a);
    }
  return out;
}

inline std::vector<float> naive_max_pool(const std::vector<float>& in, int n, int h, int w, int c,
                                         const OpOptions& o, int* oh_out, int* ow_out) {
  int oh = out_size(h, o.filter_h, o.stride_h, 1, o.padding);
  int ow = out_size(w, o.filter_w, o.stride_w, 1, o.padding);
  int pt = pad_before(h, o.filter_h, o.stride_h, 1, o.padding);
  int pl = pad_before(w, o.filter_w, o.stride_w, 1, o.padding);
  std::vector<float> out(static_cast<size_t>(n) * oh * ow * c);
  for (int b = 0; b < n; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int ch = 0; ch < c; ++ch) {
          float m = -INFINITY;
          for (int ky = 0; ky < o.filter_h; ++ky)
            for (int kx = 0; kx < o.filter_w; ++kx) {
              int iy = y * o.stride_h - pt + ky, ix = x * o.stride_w - pl + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              m = std::max(m, in[((b * h + iy) * w + ix) * c + ch]);
            }
          out[((b * oh + y) * ow + x) * c + ch] = clamp_act(m, o.activation);
        }
  *oh_out = oh;
  *ow_out = ow;
  return out;
}

// Relative-or-absolute closeness for float results computed in another summation order.
inline bool close(float a, float b, float tol = 1e-4f) {
  return std::fabs(a - b) <= tol * std::max(1.0f, std::max(std::fabs(a), std::fabs(b)));
}

inline std::unique_ptr<Interpreter> make_interpreter(const Graph& g, int batch = 1, int threads = 1,
                                                     bool preserve = false) {
  InterpreterOptions o;
  o.batch = batch;
  o.num_threads = threads;
  o.preserve_all_tensors = preserve;
  auto r = Interpreter::create(g, o);
  if (!r.ok()) {
    ADD_FAILURE() << r.status().message();
    return nullptr;
  }
  return std::move(r).value();
}

inline std::vector<float> run_f32(Interpreter& interp, const std::vector<float>& input) {
  std::memcpy(interp.input_f32(0), input.data(), input.size() * sizeof(float));
  EXPECT_TRUE(interp.invoke().ok());
  const float* out = interp.output_f32(0);
  return std::vector<float>(out, out + interp.output_bytes(0) / sizeof(float));
}

}  // namespace octet::runtime::testing
