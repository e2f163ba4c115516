// Seeded random int8 and hybrid cases against plain loops written here: int64 accumulation, then the
// formulas of quantization.md §3-5 through an independent oracle (qs8_test_util.h). Batches 1 and 3,
// 1 and 2 threads; int8 results must be identical, hybrid results equal up to float rounding.
#include <gtest/gtest.h>

#include <cmath>

#include "qs8_test_util.h"
#include "runtime/ops/registry.h"
#include "runtime/kernels/reference/hybrid_quantize_ref.h"
#include "runtime/kernels/x86/qs8_conv2d_direct_avx2.h"

namespace octet::runtime {
namespace {

using namespace testing;  // NOLINT

int8_t rand_i8(Rng& rng, int lo = -128, int hi = 127) { return static_cast<int8_t>(rand_int(rng, lo, hi)); }

struct ConvSpec {
  bool depthwise = false;
  int n = 1, h = 1, w = 1, cin = 1, cout = 1, kh = 1, kw = 1, m = 1;
  OpOptions o;
  bool per_channel = true, has_bias = true;
  float s_in = 1, s_out = 1;
  int32_t z_in = 0, z_out = 0;
  std::vector<float> s_w;
  std::vector<int8_t> filter;
  std::vector<int32_t> bias;
};

ConvSpec random_conv(Rng& rng, bool depthwise, int batch) {
  ConvSpec c;
  c.depthwise = depthwise;
  c.n = batch;
  c.h = rand_int(rng, 1, 8);
  c.w = rand_int(rng, 1, 8);
  c.cin = rand_int(rng, 1, 5);
  c.m = depthwise ? rand_int(rng, 1, 3) : 1;
  c.cout = depthwise ? c.cin * c.m : rand_int(rng, 1, 6);
  c.kh = rand_int(rng, 1, 3);
  c.kw = rand_int(rng, 1, 3);
  c.o.stride_h = rand_int(rng, 1, 2);
  c.o.stride_w = rand_int(rng, 1, 2);
  c.o.dilation_h = rand_int(rng, 1, 2);
  c.o.dilation_w = rand_int(rng, 1, 2);
  c.o.depth_multiplier = c.m;
  const bool fits = (c.kh - 1) * c.o.dilation_h + 1 <= c.h && (c.kw - 1) * c.o.dilation_w + 1 <= c.w;
  c.o.padding = fits && rng.below(2) ? Padding::kValid : Padding::kSame;
  c.o.activation = static_cast<Activation>(std::vector<int>{0, 1, 3}[rng.below(3)]);
  c.per_channel = rng.below(4) != 0;
  c.has_bias = depthwise ? rng.below(2) != 0 : true;
  c.s_in = rand_scale(rng, 0.005f, 0.1f);
  c.s_out = rand_scale(rng, 0.01f, 0.5f);
  c.z_in = rand_zero_point(rng);
  c.z_out = rand_zero_point(rng);
  const int filter_size = depthwise ? c.kh * c.kw * c.cout : c.cout * c.kh * c.kw * c.cin;
  for (int i = 0; i < filter_size; ++i) c.filter.push_back(rand_i8(rng, -127, 127));
  for (int i = 0; i < (c.per_channel ? c.cout : 1); ++i) c.s_w.push_back(rand_scale(rng, 0.001f, 0.05f));
  for (int i = 0; i < c.cout; ++i) c.bias.push_back(rand_int(rng, -20000, 20000));
  return c;
}

Graph conv_graph(const ConvSpec& c, DataType act_type) {
  GraphBuilder b;
  int32_t in = b.input({1, c.h, c.w, c.cin}, act_type);
  if (act_type == DataType::kInt8) set_quant(b.g, in, c.s_in, c.z_in);
  std::vector<int32_t> wshape = c.depthwise ? std::vector<int32_t>{1, c.kh, c.kw, c.cout}
                                            : std::vector<int32_t>{c.cout, c.kh, c.kw, c.cin};
  int32_t w = i8(b, wshape, c.filter);
  set_quant(b.g, w, c.s_w, std::vector<int64_t>(c.s_w.size(), 0), c.depthwise ? 3 : 0);
  std::vector<int32_t> inputs{in, w};
  if (c.has_bias) {
    if (act_type == DataType::kInt8) {
      inputs.push_back(b.i32({c.cout}, c.bias));
    } else {
      std::vector<float> fb;
      for (int32_t v : c.bias) fb.push_back(v * 1e-4f);
      inputs.push_back(b.f32({c.cout}, fb));
    }
  }
  int32_t out = b.op(c.depthwise ? OpType::kDepthwiseConv2D : OpType::kConv2D, inputs, c.o, act_type);
  if (act_type == DataType::kInt8) set_quant(b.g, out, c.s_out, c.z_out);
  b.output(out);
  return b.g;
}

// Calls f(b, oy, ox, oc, taps) where taps(fn) visits every in-image (iy, ix, ic, filter index).
template <typename F>
void for_each_output(const ConvSpec& c, int* oh, int* ow, F f) {
  *oh = out_size(c.h, c.kh, c.o.stride_h, c.o.dilation_h, c.o.padding);
  *ow = out_size(c.w, c.kw, c.o.stride_w, c.o.dilation_w, c.o.padding);
  const int pt = pad_before(c.h, c.kh, c.o.stride_h, c.o.dilation_h, c.o.padding);
  const int pl = pad_before(c.w, c.kw, c.o.stride_w, c.o.dilation_w, c.o.padding);
  for (int b = 0; b < c.n; ++b)
    for (int y = 0; y < *oh; ++y)
      for (int x = 0; x < *ow; ++x)
        for (int oc = 0; oc < c.cout; ++oc) {
          auto taps = [&](auto fn) {
            for (int ky = 0; ky < c.kh; ++ky)
              for (int kx = 0; kx < c.kw; ++kx) {
                const int iy = y * c.o.stride_h - pt + ky * c.o.dilation_h;
                const int ix = x * c.o.stride_w - pl + kx * c.o.dilation_w;
                if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
                if (c.depthwise) {
                  fn(((b * c.h + iy) * c.w + ix) * c.cin + oc / c.m, (ky * c.kw + kx) * c.cout + oc);
                } else {
                  for (int ic = 0; ic < c.cin; ++ic)
                    fn(((b * c.h + iy) * c.w + ix) * c.cin + ic, ((oc * c.kh + ky) * c.kw + kx) * c.cin + ic);
                }
              }
          };
          f(b, y, x, oc, taps);
        }
}

std::vector<int8_t> oracle_conv(const ConvSpec& c, const std::vector<int8_t>& x) {
  int oh = 0, ow = 0;
  std::vector<int8_t> out;
  int32_t lo, hi;
  oracle_act_range(c.o.activation, c.s_out, c.z_out, &lo, &hi);
  for_each_output(c, &oh, &ow, [&](int, int, int, int oc, auto taps) {
    int64_t acc = 0;
    taps([&](int xi, int wi) { acc += static_cast<int64_t>(c.filter[wi]) * (x[xi] - c.z_in); });
    if (c.has_bias) acc += c.bias[oc];
    const float sw = c.s_w[c.per_channel ? oc : 0];
    const OracleMultiplier m = oracle_multiplier(static_cast<double>(c.s_in) * sw / c.s_out);
    out.push_back(clamp8(oracle_mbqm(acc, m) + c.z_out, lo, hi));
  });
  return out;
}

TEST(Qs8Random, ConvAndDepthwiseMatchThePlainLoopOracle) {
  Rng rng(7001);
  for (int iter = 0; iter < 120; ++iter) {
    const bool depthwise = iter % 2 == 1;
    const int batch = iter % 4 < 2 ? 1 : 3;
    ConvSpec c = random_conv(rng, depthwise, batch);
    std::vector<int8_t> x(static_cast<size_t>(batch) * c.h * c.w * c.cin);
    for (int8_t& v : x) v = rand_i8(rng);
    const std::vector<int8_t> want = oracle_conv(c, x);
    const Graph g = conv_graph(c, DataType::kInt8);
    // The reference kernel, and the best one this CPU runs (an optimized one where available).
    for (KernelChoice kernels : {KernelChoice::kReference, KernelChoice::kAuto})
    for (int threads : {1, 2}) {
      auto interp = make_interp(g, batch, threads, FcRequant::kInteger, kernels);
      ASSERT_TRUE(interp) << "iter " << iter;
      std::string name = find_op_registration(depthwise ? OpType::kDepthwiseConv2D : OpType::kConv2D,
                                              DataType::kInt8, kernels, DataType::kInt8)
                             ->name;
      // The AVX2 CONV_2D runs its direct variant for small depths.
      if (name == "qs8_conv2d_avx2" && c.kh * c.kw * c.cin <= kernels::kQs8DirectConvMaxK) {
        name = "qs8_conv2d_direct_avx2";
      }
      EXPECT_EQ(interp->op_kernel_name(0), name);
      ASSERT_EQ(run_i8(*interp, x), want) << "iter " << iter << " threads " << threads;
    }
  }
}

TEST(Qs8Random, FullyConnectedMatchesThePlainLoopOracleInBothRequantModes) {
  Rng rng(7002);
  for (int iter = 0; iter < 80; ++iter) {
    const int batch = iter % 2 ? 3 : 1;
    const int depth = rand_int(rng, 1, 40), units = rand_int(rng, 1, 12);
    const bool per_channel = rng.below(4) != 0, has_bias = rng.below(3) != 0;
    const float s_in = rand_scale(rng, 0.005f, 0.1f), s_out = rand_scale(rng, 0.01f, 0.5f);
    const int32_t z_in = rand_zero_point(rng), z_out = rand_zero_point(rng);
    const Activation act = static_cast<Activation>(std::vector<int>{0, 1, 3}[rng.below(3)]);
    std::vector<int8_t> w(static_cast<size_t>(units) * depth);
    for (int8_t& v : w) v = rand_i8(rng, -127, 127);
    std::vector<float> s_w;
    for (int u = 0; u < (per_channel ? units : 1); ++u) s_w.push_back(rand_scale(rng, 0.001f, 0.05f));
    std::vector<int32_t> bias(units);
    for (int32_t& v : bias) v = rand_int(rng, -20000, 20000);
    GraphBuilder b;
    int32_t in = b.input({1, depth}, DataType::kInt8);
    set_quant(b.g, in, s_in, z_in);
    int32_t wt = i8(b, {units, depth}, w);
    set_quant(b.g, wt, s_w, std::vector<int64_t>(s_w.size(), 0), 0);
    std::vector<int32_t> inputs{in, wt};
    if (has_bias) inputs.push_back(b.i32({units}, bias));
    OpOptions o;
    o.activation = act;
    int32_t out = b.op(OpType::kFullyConnected, inputs, o, DataType::kInt8);
    set_quant(b.g, out, s_out, z_out);
    b.output(out);
    std::vector<int8_t> x(static_cast<size_t>(batch) * depth);
    for (int8_t& v : x) v = rand_i8(rng);
    int32_t lo, hi;
    oracle_act_range(act, s_out, z_out, &lo, &hi);
    std::vector<int8_t> want_int, want_fp;
    for (int r = 0; r < batch; ++r)
      for (int u = 0; u < units; ++u) {
        int64_t acc = has_bias ? bias[u] : 0;
        for (int d = 0; d < depth; ++d) acc += static_cast<int64_t>(w[u * depth + d]) * (x[r * depth + d] - z_in);
        const double real = static_cast<double>(s_in) * s_w[per_channel ? u : 0] / s_out;
        want_int.push_back(clamp8(oracle_mbqm(acc, oracle_multiplier(real)) + z_out, lo, hi));
        want_fp.push_back(clamp8(static_cast<int64_t>(std::round(static_cast<double>(acc) * real)) + z_out, lo, hi));
      }
    for (int threads : {1, 2}) {
      auto a = make_interp(b.g, batch, threads, FcRequant::kInteger);
      auto f = make_interp(b.g, batch, threads, FcRequant::kFloatDouble);
      ASSERT_TRUE(a && f);
      ASSERT_EQ(run_i8(*a, x), want_int) << "iter " << iter;
      ASSERT_EQ(run_i8(*f, x), want_fp) << "iter " << iter;
    }
  }
}

TEST(Qs8Random, SoftmaxMatchesRoundedFloatSoftmax) {
  // quantization.md §4.6 claims the fixed-point reference equals RHAZ(256 softmax) - 128.
  Rng rng(7003);
  int rows_checked = 0, mismatches = 0, max_diff = 0;
  for (int iter = 0; iter < 40; ++iter) {
    const int depth = rand_int(rng, 1, 40), rows = rand_int(rng, 1, 50);
    const float s_in = rand_scale(rng, 0.02f, 0.3f);
    const int32_t z_in = rand_zero_point(rng);
    GraphBuilder b;
    int32_t in = b.input({1, depth}, DataType::kInt8);
    set_quant(b.g, in, s_in, z_in);
    int32_t out = b.op(OpType::kSoftmax, {in}, {}, DataType::kInt8);
    set_quant(b.g, out, 1.0f / 256, -128);
    b.output(out);
    std::vector<int8_t> x(static_cast<size_t>(rows) * depth);
    for (int8_t& v : x) v = rand_i8(rng);
    auto interp = make_interp(b.g, rows, iter % 2 + 1);
    ASSERT_TRUE(interp);
    const std::vector<int8_t> got = run_i8(*interp, x);
    for (int r = 0; r < rows; ++r) {
      int mx = -128;
      for (int c = 0; c < depth; ++c) mx = std::max<int>(mx, x[r * depth + c]);
      double sum = 0;
      for (int c = 0; c < depth; ++c) sum += std::exp(static_cast<double>(s_in) * (x[r * depth + c] - mx));
      for (int c = 0; c < depth; ++c) {
        const double p = std::exp(static_cast<double>(s_in) * (x[r * depth + c] - mx)) / sum;
        const int want = clamp8(static_cast<int64_t>(std::round(256.0 * p)) - 128);
        const int diff = std::abs(want - got[r * depth + c]);
        max_diff = std::max(max_diff, diff);
        mismatches += diff != 0;
      }
      ++rows_checked;
    }
  }
  EXPECT_EQ(mismatches, 0) << "over " << rows_checked << " rows, max difference " << max_diff;
  EXPECT_LE(max_diff, 1);
}

TEST(Qs8Random, AddIsWithinOneOfTheRealSum) {
  Rng rng(7004);
  for (int iter = 0; iter < 30; ++iter) {
    const float s1 = rand_scale(rng, 0.01f, 0.2f), s2 = rand_scale(rng, 0.01f, 0.2f),
                so = rand_scale(rng, 0.02f, 0.4f);
    const int32_t z1 = rand_zero_point(rng), z2 = rand_zero_point(rng), zo = rand_zero_point(rng);
    GraphBuilder b;
    int32_t x = b.input({1, 64}, DataType::kInt8);
    int32_t y = b.input({1, 64}, DataType::kInt8);
    set_quant(b.g, x, s1, z1);
    set_quant(b.g, y, s2, z2);
    int32_t out = b.op(OpType::kAdd, {x, y}, {}, DataType::kInt8);
    set_quant(b.g, out, so, zo);
    b.output(out);
    auto interp = make_interp(b.g);
    ASSERT_TRUE(interp);
    std::vector<int8_t> a(64), c(64);
    for (int i = 0; i < 64; ++i) {
      a[i] = rand_i8(rng);
      c[i] = rand_i8(rng);
    }
    std::memcpy(interp->input_data(0), a.data(), 64);
    std::memcpy(interp->input_data(1), c.data(), 64);
    ASSERT_TRUE(interp->invoke().ok());
    const int8_t* o = interp->output_i8(0);
    for (int i = 0; i < 64; ++i) {
      const double real = (s1 * (a[i] - z1) + s2 * (c[i] - z2)) / so + zo;
      EXPECT_LE(std::abs(o[i] - clamp8(std::llround(real))), 1) << "iter " << iter << " i " << i;
    }
  }
}

// ---- hybrid ----

// Independent transcription of §5.2 for the oracle.
void oracle_symmetric(const float* x, int n, std::vector<int8_t>* q, float* s) {
  float r = 0;
  for (int i = 0; i < n; ++i) r = std::max(r, std::fabs(x[i]));
  q->assign(n, 0);
  if (r == 0) {
    *s = 1;
    return;
  }
  *s = r / 127.0f;
  for (int i = 0; i < n; ++i) (*q)[i] = clamp8(static_cast<int64_t>(std::round(x[i] * (127.0f / r))), -127, 127);
}

void oracle_asymmetric(const float* x, int n, std::vector<int8_t>* q, float* s, int32_t* z) {
  float lo = 0, hi = 0;
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  q->assign(n, 0);
  if (lo == hi) {
    *s = 1;
    *z = 0;
    return;
  }
  const double scale = (static_cast<double>(hi) - lo) / 255.0;
  const double from_min = -128.0 - lo / scale, from_max = 127.0 - hi / scale;
  const double zd = (128.0 + std::fabs(lo / scale)) < (127.0 + std::fabs(hi / scale)) ? from_min : from_max;
  *z = zd <= -128 ? -128 : (zd >= 127 ? 127 : static_cast<int32_t>(std::round(zd)));
  *s = static_cast<float>(scale);
  const float inv = 1.0f / *s;
  for (int i = 0; i < n; ++i) (*q)[i] = clamp8(static_cast<int64_t>(std::round(static_cast<float>(*z) + x[i] * inv)));
}

TEST(HybridQuantize, SymmetricHandCasesTiesAndZeros) {
  const std::vector<float> x = {127.0f, 2.5f, -2.5f, 0.5f, -127.0f};
  std::vector<int8_t> q(5);
  float s = 0;
  kernels::hybrid_symmetric_quantize_ref(x.data(), 5, q.data(), &s);
  EXPECT_EQ(s, 1.0f);
  EXPECT_EQ(q, (std::vector<int8_t>{127, 3, -3, 1, -127}));  // ties away from zero
  const std::vector<float> zeros = {0.0f, -0.0f, 0.0f};
  kernels::hybrid_symmetric_quantize_ref(zeros.data(), 3, q.data(), &s);
  EXPECT_EQ(s, 1.0f);
  EXPECT_EQ(std::vector<int8_t>(q.begin(), q.begin() + 3), (std::vector<int8_t>{0, 0, 0}));
}

TEST(HybridQuantize, AsymmetricHandCasesAndZeros) {
  std::vector<int8_t> q(3);
  float s = 0;
  int32_t z = 99;
  const std::vector<float> zeros = {0.0f, 0.0f, 0.0f};
  kernels::hybrid_asymmetric_quantize_ref(zeros.data(), 3, q.data(), &s, &z);
  EXPECT_EQ(s, 1.0f);
  EXPECT_EQ(z, 0);
  EXPECT_EQ(q, (std::vector<int8_t>{0, 0, 0}));
  // All positive: the range is widened to contain 0, so Z = -128 and the max maps to 127.
  const std::vector<float> pos = {0.0f, 1.275f, 2.55f};
  kernels::hybrid_asymmetric_quantize_ref(pos.data(), 3, q.data(), &s, &z);
  EXPECT_FLOAT_EQ(s, 0.01f);
  EXPECT_EQ(z, -128);
  EXPECT_EQ(q[0], -128);
  EXPECT_EQ(q[2], 127);
  // Symmetric-ish range [-1, 1.5]: Z = RHAZ(-128 + 1 / S) = -26.
  const std::vector<float> mixed = {-1.0f, 0.0f, 1.5f};
  kernels::hybrid_asymmetric_quantize_ref(mixed.data(), 3, q.data(), &s, &z);
  EXPECT_EQ(z, -26);
  EXPECT_EQ(q, (std::vector<int8_t>{-128, -26, 127}));
  // Random rows against the oracle.
  Rng rng(7005);
  for (int iter = 0; iter < 200; ++iter) {
    const int n = rand_int(rng, 1, 50);
    std::vector<float> x = random_vector(rng, n, rng.uniform(-3.0f, 0.5f), rng.uniform(0.5f, 3.0f));
    std::vector<int8_t> got(n), want;
    float gs, ws;
    int32_t gz, wz;
    kernels::hybrid_asymmetric_quantize_ref(x.data(), n, got.data(), &gs, &gz);
    oracle_asymmetric(x.data(), n, &want, &ws, &wz);
    ASSERT_EQ(got, want);
    ASSERT_EQ(gs, ws);
    ASSERT_EQ(gz, wz);
    kernels::hybrid_symmetric_quantize_ref(x.data(), n, got.data(), &gs);
    oracle_symmetric(x.data(), n, &want, &ws);
    ASSERT_EQ(got, want);
    ASSERT_EQ(gs, ws);
  }
}

bool close_rel(float a, float b) { return std::fabs(a - b) <= 1e-6f * std::max(1.0f, std::fabs(b)); }

TEST(HybridRandom, FullyConnectedMatchesTheSameMathInFloat) {
  Rng rng(7006);
  for (int iter = 0; iter < 60; ++iter) {
    const int batch = iter % 2 ? 3 : 1;
    const int depth = rand_int(rng, 1, 40), units = rand_int(rng, 1, 12);
    const bool per_channel = rng.below(4) != 0, has_bias = rng.below(3) != 0;
    const bool asymmetric = rng.below(2) != 0;
    const Activation act = static_cast<Activation>(std::vector<int>{0, 1, 3}[rng.below(3)]);
    std::vector<int8_t> w(static_cast<size_t>(units) * depth);
    for (int8_t& v : w) v = rand_i8(rng, -127, 127);
    std::vector<float> s_w;
    for (int u = 0; u < (per_channel ? units : 1); ++u) s_w.push_back(rand_scale(rng, 0.001f, 0.05f));
    std::vector<float> bias = random_vector(rng, units, -0.5f, 0.5f);
    GraphBuilder b;
    int32_t in = b.input({1, depth});
    int32_t wt = i8(b, {units, depth}, w);
    set_quant(b.g, wt, s_w, std::vector<int64_t>(s_w.size(), 0), 0);
    std::vector<int32_t> inputs{in, wt};
    if (has_bias) inputs.push_back(b.f32({units}, bias));
    OpOptions o;
    o.activation = act;
    o.asymmetric_quantize_inputs = asymmetric;
    b.output(b.op(OpType::kFullyConnected, inputs, o));
    std::vector<float> x = random_vector(rng, static_cast<size_t>(batch) * depth, -2.0f, 3.0f);
    if (iter == 5) std::fill(x.begin(), x.end(), 0.0f);  // all-zero input: act(bias)
    std::vector<float> want, exact, tolerance;
    for (int r = 0; r < batch; ++r) {
      std::vector<int8_t> q;
      float s = 1;
      int32_t z = 0;
      if (asymmetric) oracle_asymmetric(&x[r * depth], depth, &q, &s, &z);
      else oracle_symmetric(&x[r * depth], depth, &q, &s);
      for (int u = 0; u < units; ++u) {
        int64_t acc = 0, wsum = 0;
        double e = has_bias ? bias[u] : 0.0, wabs = 0.0;
        for (int d = 0; d < depth; ++d) {
          acc += static_cast<int64_t>(w[u * depth + d]) * q[d];
          wsum += w[u * depth + d];
          e += static_cast<double>(w[u * depth + d]) * s_w[per_channel ? u : 0] * x[r * depth + d];
          wabs += std::fabs(w[u * depth + d] * s_w[per_channel ? u : 0]);
        }
        // Input rounding error: at most half a step (range / 255 or 3 / 127) per element.
        tolerance.push_back(static_cast<float>(wabs * 0.5 * 5.0 / 127.0) + 1e-4f);
        acc -= wsum * z;
        float v = has_bias ? bias[u] : 0.0f;
        v += static_cast<float>(acc) * (s * s_w[per_channel ? u : 0]);
        want.push_back(clamp_act(v, act));
        exact.push_back(clamp_act(static_cast<float>(e), act));
      }
    }
    for (int threads : {1, 2}) {
      auto interp = make_interp(b.g, batch, threads);
      ASSERT_TRUE(interp);
      EXPECT_STREQ(interp->op_kernel_name(0), "hybrid_fully_connected_ref");
      const std::vector<float> got = run_f32(*interp, x);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_TRUE(close_rel(got[i], want[i])) << "iter " << iter << " i " << i << ": " << got[i] << " vs " << want[i];
        // Sanity against float math: only the input quantization error remains.
        EXPECT_NEAR(got[i], exact[i], tolerance[i]) << "iter " << iter;
      }
    }
  }
}

TEST(HybridRandom, ConvAndDepthwiseMatchTheSameMathInFloat) {
  Rng rng(7007);
  for (int iter = 0; iter < 80; ++iter) {
    const bool depthwise = iter % 2 == 1;
    const int batch = iter % 4 < 2 ? 1 : 3;
    ConvSpec c = random_conv(rng, depthwise, batch);
    if (!depthwise && iter % 8 == 0 && c.cout > 1) {  // per-channel scales that are all equal
      c.s_w.assign(c.cout, c.s_w[0]);
      c.per_channel = true;
    }
    const bool truly_per_channel = [&] {
      for (float s : c.s_w) if (s != c.s_w[0]) return true;
      return false;
    }();
    std::vector<float> x = random_vector(rng, static_cast<size_t>(batch) * c.h * c.w * c.cin, -1.0f, 2.0f);
    const int image = c.h * c.w * c.cin;
    std::vector<std::vector<int8_t>> q(batch);
    std::vector<float> s(batch);
    std::vector<int32_t> z(batch, 0);
    for (int b = 0; b < batch; ++b) {
      if (depthwise || truly_per_channel) oracle_asymmetric(&x[b * image], image, &q[b], &s[b], &z[b]);
      else oracle_symmetric(&x[b * image], image, &q[b], &s[b]);
    }
    int oh = 0, ow = 0;
    std::vector<float> want;
    for_each_output(c, &oh, &ow, [&](int b, int, int, int oc, auto taps) {
      int64_t acc = 0;
      taps([&](int xi, int wi) { acc += static_cast<int64_t>(c.filter[wi]) * (q[b][xi - b * image] - z[b]); });
      const float sw = c.s_w[c.per_channel ? oc : 0];
      const float bias = c.has_bias ? c.bias[oc] * 1e-4f : 0.0f;
      float v;
      if (depthwise) {
        v = static_cast<float>(acc) * (sw * s[b]) + bias;
      } else if (truly_per_channel) {
        v = static_cast<float>(acc) * sw * s[b] + bias;
      } else {
        v = static_cast<float>(acc) * (s[b] * sw) + bias;
      }
      want.push_back(clamp_act(v, c.o.activation));
    });
    const Graph g = conv_graph(c, DataType::kFloat32);
    for (int threads : {1, 2}) {
      auto interp = make_interp(g, batch, threads);
      ASSERT_TRUE(interp) << "iter " << iter;
      EXPECT_STREQ(interp->op_kernel_name(0), depthwise ? "hybrid_depthwise_conv2d_ref" : "hybrid_conv2d_ref");
      const std::vector<float> got = run_f32(*interp, x);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_TRUE(close_rel(got[i], want[i])) << "iter " << iter << " i " << i << ": " << got[i] << " vs " << want[i];
      }
    }
  }
}

}  // namespace
}  // namespace octet::runtime
