// Proves octet's .tflite files load and run in TensorFlow Lite (LiteRT): hand-built float
// models are written with save_tflite, run by tools/interop/tflite_run.py in LiteRT, and
// compared with outputs computed here with plain loops. Needs a Python venv with ai-edge-litert:
// $OCTET_INTEROP_VENV or <build dir>/venv-interop, created once by tools/interop/setup_venv.sh;
// skipped (with the reason) when PyPI is unreachable.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/file_io.h"
#include "tflite/writer.h"
#include "tflite_test_util.h"

namespace octet::tflite {
namespace {

namespace fs = std::filesystem;
using runtime::Activation;
using runtime::DataType;
using runtime::Graph;
using runtime::OpType;
using runtime::Padding;
using testing::as_bytes;
using testing::make_op;
using testing::make_tensor;

constexpr float kTolerance = 1e-5f;

// ---------------------------------------------------------------------------------------------
// The venv: located, or created once (setup_venv.sh is a no-op when it is ready).

struct Venv {
  std::string python;       // empty when unavailable
  std::string skip_reason;  // why, when unavailable
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

int run_shell(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  if (rc == -1 || !WIFEXITED(rc)) return -1;
  return WEXITSTATUS(rc);
}

Venv find_or_create_venv() {
  const char* env = std::getenv("OCTET_INTEROP_VENV");
  const std::string dir = (env && *env) ? env : std::string(OCTET_BINARY_DIR) + "/venv-interop";
  const std::string script = std::string(OCTET_SOURCE_DIR) + "/tools/interop/setup_venv.sh";
  const std::string marker = dir + ".pip-failed";
  const std::string log = dir + ".setup.log";

  // Tests may run in parallel processes: one creates the venv, the others wait for it.
  const int lock = ::open((dir + ".lock").c_str(), O_CREAT | O_RDWR, 0644);
  if (lock >= 0) ::flock(lock, LOCK_EX);
  Venv v;
  const std::string python = dir + "/bin/python";
  const bool ready =
      run_shell(shell_quote(python) + " -c 'import numpy, ai_edge_litert.interpreter' >/dev/null 2>&1") == 0;
  if (ready) {
    v.python = python;
  } else if (fs::exists(marker)) {
    v.skip_reason = "an earlier attempt to install ai-edge-litert into " + dir +
                    " failed (PyPI unreachable?); delete " + marker + " to retry";
  } else {
    std::fprintf(stderr, "interop: creating %s with %s (pip runs once; log %s)\n", dir.c_str(),
                 script.c_str(), log.c_str());
    const int rc = run_shell("bash " + shell_quote(script) + " " + shell_quote(dir) + " > " +
                             shell_quote(log) + " 2>&1");
    if (rc == 0) {
      v.python = python;
    } else {
      std::ofstream(marker) << "setup_venv.sh exit code " << rc << "\n";
      v.skip_reason = (rc == 3 ? "PyPI unreachable or ai-edge-litert not installable"
                               : "setup_venv.sh failed with exit code " + std::to_string(rc)) +
                      " (see " + log + "): " + slurp(log).substr(0, 400);
    }
  }
  if (lock >= 0) ::close(lock);
  return v;
}

const Venv& interop_venv() {
  static const Venv venv = find_or_create_venv();
  return venv;
}

// Runs `graph` in LiteRT on `samples` (each of the input's size) and returns the outputs.
struct LiteRtRun {
  std::vector<float> out;
  std::string error;
};

LiteRtRun run_in_litert(const Graph& graph, const std::vector<float>& samples, int count,
                        bool reference, const std::string& tag) {
  LiteRtRun r;
  const fs::path dir = fs::path(::testing::TempDir()) /
                       ("octet_interop_" + std::to_string(::getpid()) + "_" + tag);
  fs::create_directories(dir);
  const std::string model = (dir / "model.tflite").string();
  const std::string in = (dir / "in.bin").string();
  const std::string out = (dir / "out.bin").string();
  const std::string err = (dir / "stderr.txt").string();
  Status s = save_tflite(graph, model);
  if (!s.ok()) {
    r.error = s.message();
    return r;
  }
  s = write_file_atomic(in, samples.data(), samples.size() * sizeof(float));
  if (!s.ok()) {
    r.error = s.message();
    return r;
  }
  const std::string runner = std::string(OCTET_SOURCE_DIR) + "/tools/interop/tflite_run.py";
  const std::string cmd = shell_quote(interop_venv().python) + " " + shell_quote(runner) + " " +
                          shell_quote(model) + " --input " + shell_quote(in) +
                          " --dtype float32 --count " + std::to_string(count) + " --output " +
                          shell_quote(out) + (reference ? " --reference" : "") + " > " +
                          shell_quote((dir / "stdout.txt").string()) + " 2> " + shell_quote(err);
  const int rc = run_shell(cmd);
  if (rc != 0) {
    r.error = "tflite_run.py exit " + std::to_string(rc) + ": " + slurp(err);
    return r;
  }
  auto bytes = read_file(out);
  if (!bytes.ok()) {
    r.error = bytes.status().message();
    return r;
  }
  r.out.resize(bytes->size() / sizeof(float));
  std::memcpy(r.out.data(), bytes->data(), r.out.size() * sizeof(float));
  fs::remove_all(dir);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Plain-loop float references (NHWC; padding per quantization.md §4).

struct Dims {
  int n, h, w, c;
};

int out_size(Padding p, int in, int k, int stride, int dilation) {
  const int eff = (k - 1) * dilation + 1;
  return p == Padding::kSame ? (in + stride - 1) / stride : (in + stride - eff) / stride;
}

int pad_before(Padding p, int in, int out, int k, int stride, int dilation) {
  if (p == Padding::kValid) return 0;
  const int eff = (k - 1) * dilation + 1;
  return std::max((out - 1) * stride + eff - in, 0) / 2;
}

Dims window_out_dims(Dims d, int kh, int kw, int out_c, const runtime::OpOptions& o) {
  return {d.n, out_size(o.padding, d.h, kh, o.stride_h, o.dilation_h),
          out_size(o.padding, d.w, kw, o.stride_w, o.dilation_w), out_c};
}

float activate(float v, Activation a) {
  if (a == Activation::kRelu) return std::max(v, 0.0f);
  if (a == Activation::kRelu6) return std::min(std::max(v, 0.0f), 6.0f);
  return v;
}

// filter [O, KH, KW, I] (conv) or [1, KH, KW, I*M] (depthwise, depthwise = true).
std::vector<float> conv_ref(const std::vector<float>& in, Dims d, const std::vector<float>& f,
                            int kh, int kw, int out_c, const std::vector<float>& bias,
                            const runtime::OpOptions& o, bool depthwise, Dims* od) {
  const int oh = out_size(o.padding, d.h, kh, o.stride_h, o.dilation_h);
  const int ow = out_size(o.padding, d.w, kw, o.stride_w, o.dilation_w);
  const int ph = pad_before(o.padding, d.h, oh, kh, o.stride_h, o.dilation_h);
  const int pw = pad_before(o.padding, d.w, ow, kw, o.stride_w, o.dilation_w);
  *od = {d.n, oh, ow, out_c};
  std::vector<float> out(static_cast<size_t>(d.n) * oh * ow * out_c);
  for (int b = 0; b < d.n; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int oc = 0; oc < out_c; ++oc) {
          float acc = bias.empty() ? 0.0f : bias[static_cast<size_t>(oc)];
          for (int ky = 0; ky < kh; ++ky)
            for (int kx = 0; kx < kw; ++kx) {
              const int iy = y * o.stride_h - ph + ky * o.dilation_h;
              const int ix = x * o.stride_w - pw + kx * o.dilation_w;
              if (iy < 0 || iy >= d.h || ix < 0 || ix >= d.w) continue;
              const size_t pix = ((static_cast<size_t>(b) * d.h + iy) * d.w + ix) * d.c;
              if (depthwise) {
                const int ic = oc / o.depth_multiplier;
                acc += in[pix + ic] * f[(static_cast<size_t>(ky) * kw + kx) * out_c + oc];
              } else {
                for (int ic = 0; ic < d.c; ++ic) {
                  acc += in[pix + ic] *
                         f[((static_cast<size_t>(oc) * kh + ky) * kw + kx) * d.c + ic];
                }
              }
            }
          out[((static_cast<size_t>(b) * oh + y) * ow + x) * out_c + oc] = activate(acc, o.activation);
        }
  return out;
}

std::vector<float> pool_ref(const std::vector<float>& in, Dims d, const runtime::OpOptions& o,
                            bool max, Dims* od) {
  const int oh = out_size(o.padding, d.h, o.filter_h, o.stride_h, 1);
  const int ow = out_size(o.padding, d.w, o.filter_w, o.stride_w, 1);
  const int ph = pad_before(o.padding, d.h, oh, o.filter_h, o.stride_h, 1);
  const int pw = pad_before(o.padding, d.w, ow, o.filter_w, o.stride_w, 1);
  *od = {d.n, oh, ow, d.c};
  std::vector<float> out(static_cast<size_t>(d.n) * oh * ow * d.c);
  for (int b = 0; b < d.n; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int c = 0; c < d.c; ++c) {
          float acc = max ? -INFINITY : 0.0f;
          int n = 0;
          for (int ky = 0; ky < o.filter_h; ++ky)
            for (int kx = 0; kx < o.filter_w; ++kx) {
              const int iy = y * o.stride_h - ph + ky, ix = x * o.stride_w - pw + kx;
              if (iy < 0 || iy >= d.h || ix < 0 || ix >= d.w) continue;
              const float v = in[((static_cast<size_t>(b) * d.h + iy) * d.w + ix) * d.c + c];
              acc = max ? std::max(acc, v) : acc + v;
              ++n;
            }
          out[((static_cast<size_t>(b) * oh + y) * ow + x) * d.c + c] =
              activate(max ? acc : acc / static_cast<float>(n), o.activation);
        }
  return out;
}

// weights [units, depth]
std::vector<float> fc_ref(const std::vector<float>& in, const std::vector<float>& w, int units,
                          const std::vector<float>& bias, Activation a) {
  const size_t depth = w.size() / static_cast<size_t>(units);
  const size_t batches = in.size() / depth;
  std::vector<float> out(batches * units);
  for (size_t b = 0; b < batches; ++b)
    for (int u = 0; u < units; ++u) {
      float acc = bias.empty() ? 0.0f : bias[static_cast<size_t>(u)];
      for (size_t k = 0; k < depth; ++k) acc += in[b * depth + k] * w[static_cast<size_t>(u) * depth + k];
      out[b * units + u] = activate(acc, a);
    }
  return out;
}

std::vector<float> softmax_ref(const std::vector<float>& in, int row, float beta) {
  std::vector<float> out(in.size());
  for (size_t r = 0; r < in.size(); r += static_cast<size_t>(row)) {
    float mx = -INFINITY;
    for (int i = 0; i < row; ++i) mx = std::max(mx, in[r + i]);
    double sum = 0;
    for (int i = 0; i < row; ++i) sum += std::exp(static_cast<double>(beta) * (in[r + i] - mx));
    for (int i = 0; i < row; ++i)
      out[r + i] = static_cast<float>(std::exp(static_cast<double>(beta) * (in[r + i] - mx)) / sum);
  }
  return out;
}

std::vector<float> random_floats(size_t n, float lo, float hi, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

int32_t add_const_f32(Graph& g, const std::string& name, std::vector<int32_t> shape,
                      const std::vector<float>& values) {
  runtime::Tensor t = make_tensor(name, DataType::kFloat32, std::move(shape));
  t.is_constant = true;
  t.data = as_bytes(values);
  return g.add_tensor(t);
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    m = std::max(m, std::fabs(a[i] - b[i]));
    if (std::isnan(a[i]) != std::isnan(b[i])) return INFINITY;
  }
  return m;
}

// Runs in LiteRT with both resolvers and compares with `want`.
void check_in_litert(const Graph& g, const std::vector<float>& samples, int count,
                     const std::vector<float>& want, const std::string& tag) {
  for (bool reference : {false, true}) {
    const std::string which = reference ? "BUILTIN_REF" : "default (AUTO)";
    LiteRtRun r = run_in_litert(g, samples, count, reference, tag + (reference ? "_ref" : ""));
    ASSERT_TRUE(r.error.empty()) << which << ": " << r.error;
    ASSERT_EQ(r.out.size(), want.size()) << which;
    const float diff = max_abs_diff(r.out, want);
    std::printf("%s in LiteRT %s: %d samples, %zu outputs, max |diff| = %.3g\n", tag.c_str(),
                which.c_str(), count, want.size(), static_cast<double>(diff));
    ::testing::Test::RecordProperty(tag + (reference ? "_ref" : "_auto") + "_max_abs_diff",
                                    std::to_string(diff));
    EXPECT_LE(diff, kTolerance) << which;
  }
}

#define REQUIRE_INTEROP_VENV()                                              \
  do {                                                                      \
    if (interop_venv().python.empty()) GTEST_SKIP() << interop_venv().skip_reason; \
  } while (0)

// CONV_2D (SAME, stride h1 w2, RELU) -> MAX_POOL_2D -> RESHAPE (shape input) ->
// FULLY_CONNECTED -> SOFTMAX.
TEST(TfliteInterop, ConvPoolReshapeFcSoftmaxMatchesLiteRt) {
  REQUIRE_INTEROP_VENV();
  std::mt19937 rng(2024);
  const Dims in_d{1, 8, 8, 2};
  const int out_c = 4, kh = 3, kw = 3, units = 10;
  const std::vector<float> cw = random_floats(out_c * kh * kw * in_d.c, -0.5f, 0.5f, rng);
  const std::vector<float> cb = random_floats(out_c, -0.1f, 0.1f, rng);

  runtime::OpOptions conv_o;
  conv_o.padding = Padding::kSame;
  conv_o.stride_h = 1;
  conv_o.stride_w = 2;
  conv_o.activation = Activation::kRelu;
  runtime::OpOptions pool_o;
  pool_o.padding = Padding::kValid;
  pool_o.filter_h = pool_o.filter_w = 2;
  pool_o.stride_h = pool_o.stride_w = 2;

  const Dims conv_d = window_out_dims(in_d, kh, kw, out_c, conv_o);
  const Dims pool_d = window_out_dims(conv_d, pool_o.filter_h, pool_o.filter_w, out_c, pool_o);
  const int depth = pool_d.h * pool_d.w * pool_d.c;
  const std::vector<float> fw = random_floats(static_cast<size_t>(units) * depth, -0.3f, 0.3f, rng);
  const std::vector<float> fb = random_floats(units, -0.2f, 0.2f, rng);

  Graph g;
  g.name = "interop_conv";
  g.description = "octet interop test";
  const int32_t x = g.add_tensor(make_tensor("x", DataType::kFloat32, {1, in_d.h, in_d.w, in_d.c}));
  const int32_t w = add_const_f32(g, "conv/w", {out_c, kh, kw, in_d.c}, cw);
  const int32_t b = add_const_f32(g, "conv/b", {out_c}, cb);
  const int32_t c = g.add_tensor(make_tensor("conv", DataType::kFloat32, {1, conv_d.h, conv_d.w, out_c}));
  const int32_t p = g.add_tensor(make_tensor("pool", DataType::kFloat32, {1, pool_d.h, pool_d.w, out_c}));
  runtime::Tensor shape = make_tensor("flatten/shape", DataType::kInt32, {2});
  shape.is_constant = true;
  shape.data = as_bytes(std::vector<int32_t>{1, depth});
  const int32_t s = g.add_tensor(shape);
  const int32_t r = g.add_tensor(make_tensor("flat", DataType::kFloat32, {1, depth}));
  const int32_t fwt = add_const_f32(g, "fc/w", {units, depth}, fw);
  const int32_t fbt = add_const_f32(g, "fc/b", {units}, fb);
  const int32_t logits = g.add_tensor(make_tensor("logits", DataType::kFloat32, {1, units}));
  const int32_t probs = g.add_tensor(make_tensor("probs", DataType::kFloat32, {1, units}));
  runtime::Op op = make_op(OpType::kConv2D, {x, w, b}, c);
  op.options = conv_o;
  g.ops.push_back(op);
  op = make_op(OpType::kMaxPool2D, {c}, p);
  op.options = pool_o;
  g.ops.push_back(op);
  g.ops.push_back(make_op(OpType::kReshape, {p, s}, r));
  g.ops.push_back(make_op(OpType::kFullyConnected, {r, fwt, fbt}, logits));
  op = make_op(OpType::kSoftmax, {logits}, probs);
  op.options.beta = 1.0f;
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {probs};

  const int count = 4;
  const size_t per = static_cast<size_t>(in_d.h) * in_d.w * in_d.c;
  const std::vector<float> samples = random_floats(per * count, -1.0f, 1.0f, rng);
  std::vector<float> want;
  for (int i = 0; i < count; ++i) {
    std::vector<float> xi(samples.begin() + static_cast<std::ptrdiff_t>(per * i),
                          samples.begin() + static_cast<std::ptrdiff_t>(per * (i + 1)));
    Dims d1, d2;
    auto y = conv_ref(xi, in_d, cw, kh, kw, out_c, cb, conv_o, false, &d1);
    y = pool_ref(y, d1, pool_o, true, &d2);
    y = fc_ref(y, fw, units, fb, Activation::kNone);
    y = softmax_ref(y, units, 1.0f);
    want.insert(want.end(), y.begin(), y.end());
  }
  check_in_litert(g, samples, count, want, "conv_pool_fc_softmax");
}

// QUANTIZE (int8, clamping) -> DEQUANTIZE -> DEPTHWISE_CONV_2D (multiplier 2, stride h2 w1,
// dilation h1 w2, SAME, RELU6) -> AVERAGE_POOL_2D (SAME) -> ADD (RELU) -> MEAN [1,2] ->
// RELU6 -> FULLY_CONNECTED (no bias) -> RELU.
TEST(TfliteInterop, QuantizeDepthwisePoolAddMeanFcMatchesLiteRt) {
  REQUIRE_INTEROP_VENV();
  std::mt19937 rng(7);
  const Dims in_d{1, 7, 7, 3};
  const int mult = 2, out_c = in_d.c * mult, kh = 3, kw = 3, units = 4;
  const float qs = 0.05f;
  const int64_t qz = 3;
  const std::vector<float> dw = random_floats(static_cast<size_t>(kh) * kw * out_c, -0.4f, 0.4f, rng);
  const std::vector<float> db = random_floats(out_c, -0.1f, 0.1f, rng);
  const std::vector<float> fw = random_floats(static_cast<size_t>(units) * out_c, -0.5f, 0.5f, rng);

  runtime::OpOptions dw_o;
  dw_o.padding = Padding::kSame;
  dw_o.stride_h = 2;
  dw_o.stride_w = 1;
  dw_o.dilation_h = 1;
  dw_o.dilation_w = 2;
  dw_o.depth_multiplier = mult;
  dw_o.activation = Activation::kRelu6;
  runtime::OpOptions ap_o;
  ap_o.padding = Padding::kSame;
  ap_o.filter_h = 2;
  ap_o.filter_w = 3;
  ap_o.stride_h = ap_o.stride_w = 1;

  const Dims dw_d = window_out_dims(in_d, kh, kw, out_c, dw_o);

  Graph g;
  g.name = "interop_dw";
  const std::vector<int32_t> in_shape{1, in_d.h, in_d.w, in_d.c};
  const int32_t x = g.add_tensor(make_tensor("x", DataType::kFloat32, in_shape));
  runtime::Tensor xq = make_tensor("xq", DataType::kInt8, in_shape);
  xq.quant = testing::per_tensor(qs, qz);
  const int32_t q = g.add_tensor(xq);
  const int32_t dq = g.add_tensor(make_tensor("xdq", DataType::kFloat32, in_shape));
  const int32_t w = add_const_f32(g, "dw/w", {1, kh, kw, out_c}, dw);
  const int32_t b = add_const_f32(g, "dw/b", {out_c}, db);
  const std::vector<int32_t> dshape{1, dw_d.h, dw_d.w, out_c};
  const int32_t d = g.add_tensor(make_tensor("dw", DataType::kFloat32, dshape));
  const int32_t ap = g.add_tensor(make_tensor("avg", DataType::kFloat32, dshape));
  const int32_t sum = g.add_tensor(make_tensor("sum", DataType::kFloat32, dshape));
  runtime::Tensor axes = make_tensor("axes", DataType::kInt32, {2});
  axes.is_constant = true;
  axes.data = as_bytes(std::vector<int32_t>{1, 2});
  const int32_t ax = g.add_tensor(axes);
  const int32_t mean = g.add_tensor(make_tensor("mean", DataType::kFloat32, {1, out_c}));
  const int32_t r6 = g.add_tensor(make_tensor("relu6", DataType::kFloat32, {1, out_c}));
  const int32_t fwt = add_const_f32(g, "fc/w", {units, out_c}, fw);
  const int32_t fo = g.add_tensor(make_tensor("fc", DataType::kFloat32, {1, units}));
  const int32_t y = g.add_tensor(make_tensor("y", DataType::kFloat32, {1, units}));
  g.ops.push_back(make_op(OpType::kQuantize, {x}, q));
  g.ops.push_back(make_op(OpType::kDequantize, {q}, dq));
  runtime::Op op = make_op(OpType::kDepthwiseConv2D, {dq, w, b}, d);
  op.options = dw_o;
  g.ops.push_back(op);
  op = make_op(OpType::kAveragePool2D, {d}, ap);
  op.options = ap_o;
  g.ops.push_back(op);
  op = make_op(OpType::kAdd, {ap, d}, sum);
  op.options.activation = Activation::kRelu;
  g.ops.push_back(op);
  g.ops.push_back(make_op(OpType::kMean, {sum, ax}, mean));
  g.ops.push_back(make_op(OpType::kRelu6, {mean}, r6));
  g.ops.push_back(make_op(OpType::kFullyConnected, {r6, fwt, -1}, fo));
  g.ops.push_back(make_op(OpType::kRelu, {fo}, y));
  g.inputs = {x};
  g.outputs = {y};

  const int count = 5;
  const size_t per = static_cast<size_t>(in_d.h) * in_d.w * in_d.c;
  // [-8, 8] / 0.05 reaches past [-128, 127]: QUANTIZE clamps.
  const std::vector<float> samples = random_floats(per * count, -8.0f, 8.0f, rng);
  std::vector<float> want;
  for (int i = 0; i < count; ++i) {
    std::vector<float> v(samples.begin() + static_cast<std::ptrdiff_t>(per * i),
                         samples.begin() + static_cast<std::ptrdiff_t>(per * (i + 1)));
    for (float& e : v) {  // QUANTIZE (RHAZ of a float32 division) then DEQUANTIZE
      const float qv = std::clamp(std::round(e / qs) + static_cast<float>(qz), -128.0f, 127.0f);
      e = static_cast<float>(static_cast<double>(qs) * (qv - static_cast<double>(qz)));
    }
    Dims d1, d2;
    auto a = conv_ref(v, in_d, dw, kh, kw, out_c, db, dw_o, true, &d1);
    auto p = pool_ref(a, d1, ap_o, false, &d2);
    std::vector<float> m(static_cast<size_t>(out_c), 0.0f);
    for (size_t k = 0; k < a.size(); ++k) {
      const float s = std::max(p[k] + a[k], 0.0f);
      m[k % static_cast<size_t>(out_c)] += s;
    }
    for (float& e : m) e = activate(e / static_cast<float>(d1.h * d1.w), Activation::kRelu6);
    auto o = fc_ref(m, fw, units, {}, Activation::kRelu);
    want.insert(want.end(), o.begin(), o.end());
  }
  check_in_litert(g, samples, count, want, "quantize_dw_avgpool_add_mean_fc");
}

// The int8 small graph (per-channel CONV_2D v3, FC v4, SOFTMAX v2, QUANTIZE/DEQUANTIZE) must
// load and run in LiteRT; its outputs are probabilities (bit-exactness is the runtime's test).
TEST(TfliteInterop, Int8GraphLoadsAndRunsInLiteRt) {
  REQUIRE_INTEROP_VENV();
  Graph g = testing::small_int8_graph();
  // Small biases so that the output is not saturated.
  g.tensors[3].data = as_bytes(std::vector<int32_t>{40, -25});
  std::mt19937 rng(99);
  const int count = 3;
  const std::vector<float> samples = random_floats(16 * count, 0.0f, 1.0f, rng);
  std::vector<float> results[2];
  for (bool reference : {false, true}) {
    LiteRtRun r = run_in_litert(g, samples, count, reference, reference ? "int8_ref" : "int8");
    ASSERT_TRUE(r.error.empty()) << r.error;
    ASSERT_EQ(r.out.size(), 3u * count);
    for (int i = 0; i < count; ++i) {
      float sum = 0;
      for (int k = 0; k < 3; ++k) {
        const float p = r.out[static_cast<size_t>(i) * 3 + k];
        EXPECT_GE(p, 0.0f);
        EXPECT_LE(p, 1.0f);
        sum += p;
      }
      EXPECT_NEAR(sum, 1.0f, 3.0f / 256.0f) << "sample " << i;
    }
    results[reference] = r.out;
  }
  std::printf("int8 graph in LiteRT: AUTO vs BUILTIN_REF max |diff| = %.3g\n",
              static_cast<double>(max_abs_diff(results[0], results[1])));
}

}  // namespace
}  // namespace octet::tflite
