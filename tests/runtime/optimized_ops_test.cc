// Optimized (AVX2 + FMA) kernels against the reference kernels, through the interpreter (kAuto vs
// kReference) on seeded random shapes: odd sizes, channels not a multiple of 8 / 32, strides,
// padding, dilation, filter sizes, activations, zero points at -128 / 127, batch 1 and 3, 1 and 2
// threads. int8 outputs and the float pools / MEAN / QUANTIZE / DEQUANTIZE must be identical byte
// for byte; float CONV_2D / FULLY_CONNECTED sum in another order than OpenBLAS, so they are
// compared with a tight tolerance (1e-5 relative to max(|reference|, sqrt(K)), far below the
// quantization steps these models use). Every optimized result must also be identical for 1 and 2
// threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "qs8_test_util.h"
#include "runtime/kernels/requant.h"
#include "runtime/kernels/x86/cpu_features.h"
#include "runtime/kernels/x86/qs8_requant_avx2.h"

namespace octet::runtime {
namespace {

using testing::GraphBuilder;
using testing::set_quant;

#define SKIP_WITHOUT_AVX2()                                                                 \
  if (!kernels::cpu_has_avx2_fma()) {                                                       \
    GTEST_SKIP() << "this CPU lacks AVX2 + FMA (" << kernels::cpu_features_string() << ")"; \
  }

std::unique_ptr<Interpreter> create(const Graph& g, int batch, int threads, KernelChoice k) {
  InterpreterOptions o;
  o.batch = batch;
  o.num_threads = threads;
  o.kernels = k;
  auto r = Interpreter::create(g, o);
  if (!r.ok()) {
    ADD_FAILURE() << r.status().message();
    return nullptr;
  }
  return std::move(r).value();
}

std::vector<uint8_t> run(Interpreter& interp, const std::vector<uint8_t>& input) {
  std::memcpy(interp.input_data(0), input.data(), input.size());
  EXPECT_TRUE(interp.invoke().ok());
  const uint8_t* out = static_cast<const uint8_t*>(interp.output_data(0));
  return std::vector<uint8_t>(out, out + interp.output_bytes(0));
}

// Float comparison for kernels whose summation order differs from the reference; k = terms per
// output. Zero means byte equality.
struct Tolerance {
  long k = 0;
};

// Runs the one-op graph at batch 1 and 3 with the reference and with kAuto (1 and 2 threads); the
// kAuto op must use `kernel`. `image` bytes per batch element of input 0; `make_input` fills n
// bytes.
template <typename MakeInput>
void check(const Graph& g, size_t image, const char* kernel, const std::string& what,
           MakeInput make_input, Tolerance tol = {}) {
  SCOPED_TRACE(what);
  for (int batch : {1, 3}) {
    const std::vector<uint8_t> input = make_input(image * batch);
    auto ref = create(g, batch, 1, KernelChoice::kReference);
    ASSERT_TRUE(ref);
    const std::vector<uint8_t> want = run(*ref, input);
    std::vector<uint8_t> got[2];
    for (int threads : {1, 2}) {
      auto opt = create(g, batch, threads, KernelChoice::kAuto);
      ASSERT_TRUE(opt);
      ASSERT_STREQ(opt->op_kernel_name(0), kernel);
      got[threads - 1] = run(*opt, input);
      ASSERT_EQ(got[threads - 1].size(), want.size());
    }
    ASSERT_EQ(got[0], got[1]) << "batch " << batch << ": 1 and 2 threads differ";
    if (tol.k == 0) {
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(got[0][i], want[i]) << "batch " << batch << " byte " << i;
      }
      continue;
    }
    const size_t n = want.size() / sizeof(float);
    std::vector<float> a(n), b(n);
    std::memcpy(a.data(), got[0].data(), want.size());
    std::memcpy(b.data(), want.data(), want.size());
    const float scale = std::sqrt(static_cast<float>(tol.k));
    for (size_t i = 0; i < n; ++i) {
      ASSERT_LE(std::fabs(a[i] - b[i]), 1e-5f * std::max(std::fabs(b[i]), scale))
          << "batch " << batch << " index " << i << ": " << a[i] << " vs reference " << b[i];
    }
  }
}

auto float_input(Rng& rng) {
  return [&rng](size_t bytes) {
    std::vector<float> v = testing::random_vector(rng, bytes / sizeof(float), -2.0f, 2.0f);
    std::vector<uint8_t> out(bytes);
    std::memcpy(out.data(), v.data(), bytes);
    return out;
  };
}

// Uniform bytes, with runs of the extremes -128 / 127 mixed in.
auto int8_input(Rng& rng) {
  return [&rng](size_t bytes) {
    std::vector<uint8_t> v(bytes);
    for (uint8_t& x : v) {
      const int r = rng.below(10);
      x = r == 0 ? 0x80 : r == 1 ? 0x7f : static_cast<uint8_t>(rng.below(256));
    }
    return v;
  };
}

Activation random_activation(Rng& rng) {
  const Activation acts[] = {Activation::kNone, Activation::kRelu, Activation::kRelu6};
  return acts[rng.below(3)];
}

std::string pool_case(int h, int w, int c, const OpOptions& o) {
  return std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c) + " filter " +
         std::to_string(o.filter_h) + "x" + std::to_string(o.filter_w) + " stride " +
         std::to_string(o.stride_h) + "," + std::to_string(o.stride_w) +
         (o.padding == Padding::kSame ? " SAME" : " VALID") + " act " +
         std::to_string(static_cast<int>(o.activation));
}

TEST(OptimizedOps, FloatConv2DWithinToleranceOfReference) {
  SKIP_WITHOUT_AVX2();
  Rng rng(4242);
  int done = 0;
  while (done < 40) {
    const int h = 1 + rng.below(18), w = 1 + rng.below(18), cin = 1 + rng.below(40);
    const int cout = 1 + rng.below(70), kh = 1 + rng.below(5), kw = 1 + rng.below(5);
    OpOptions o;
    o.padding = rng.below(2) ? Padding::kSame : Padding::kValid;
    o.stride_h = 1 + rng.below(3);
    o.stride_w = 1 + rng.below(3);
    o.dilation_h = 1 + (rng.below(4) == 0);
    o.dilation_w = 1 + (rng.below(4) == 0);
    o.activation = random_activation(rng);
    if (testing::out_size(h, kh, o.stride_h, o.dilation_h, o.padding) < 1 ||
        testing::out_size(w, kw, o.stride_w, o.dilation_w, o.padding) < 1) {
      continue;
    }
    GraphBuilder b;
    const int32_t in = b.input({1, h, w, cin});
    const int32_t filter =
        b.f32({cout, kh, kw, cin}, testing::random_vector(rng, cout * kh * kw * cin));
    std::vector<int32_t> inputs{in, filter};
    if (rng.below(4) != 0) inputs.push_back(b.f32({cout}, testing::random_vector(rng, cout)));
    b.output(b.op(OpType::kConv2D, inputs, o));
    check(b.g, sizeof(float) * h * w * cin, "f32_conv2d_6x16_avx2",
          "conv " + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(cin) +
              " -> " + std::to_string(cout) + " kernel " + std::to_string(kh) + "x" +
              std::to_string(kw) + " stride " + std::to_string(o.stride_h) + "," +
              std::to_string(o.stride_w) + " dilation " + std::to_string(o.dilation_h) + "," +
              std::to_string(o.dilation_w) + (o.padding == Padding::kSame ? " SAME" : " VALID"),
          float_input(rng), Tolerance{static_cast<long>(kh) * kw * cin});
    ++done;
  }
}

TEST(OptimizedOps, FloatConv2DAndFullyConnectedWithRunTimeWeightsUseTheReference) {
  SKIP_WITHOUT_AVX2();
  // Weights that are graph inputs cannot be packed at prepare: the reference kernel runs instead.
  Rng rng(6);
  for (OpType type : {OpType::kConv2D, OpType::kFullyConnected}) {
    const bool conv = type == OpType::kConv2D;
    GraphBuilder b;
    const std::vector<int32_t> in_shape =
        conv ? std::vector<int32_t>{1, 5, 5, 3} : std::vector<int32_t>{1, 12};
    const std::vector<int32_t> w_shape =
        conv ? std::vector<int32_t>{4, 3, 3, 3} : std::vector<int32_t>{7, 12};
    const int32_t in = b.input(in_shape);
    const int32_t w = b.input(w_shape);
    b.output(b.op(type, {in, w}, {}));
    auto interp = create(b.g, 1, 1, KernelChoice::kAuto);
    ASSERT_TRUE(interp);
    EXPECT_STREQ(interp->op_kernel_name(0), conv ? "f32_conv2d_ref" : "f32_fully_connected_ref");
    auto ref = create(b.g, 1, 1, KernelChoice::kReference);
    ASSERT_TRUE(ref);
    for (int i = 0; i < 2; ++i) {
      const std::vector<float> v = testing::random_vector(rng, ref->input_bytes(i) / sizeof(float));
      std::memcpy(ref->input_data(i), v.data(), ref->input_bytes(i));
      std::memcpy(interp->input_data(i), v.data(), interp->input_bytes(i));
    }
    ASSERT_TRUE(ref->invoke().ok());
    ASSERT_TRUE(interp->invoke().ok());
    const float* a = interp->output_f32(0);
    const float* r = ref->output_f32(0);
    EXPECT_EQ(std::vector<float>(a, a + interp->output_bytes(0) / sizeof(float)),
              std::vector<float>(r, r + ref->output_bytes(0) / sizeof(float)));
  }
}

TEST(OptimizedOps, FloatFullyConnectedWithinToleranceOfReference) {
  SKIP_WITHOUT_AVX2();
  Rng rng(777);
  for (int i = 0; i < 30; ++i) {
    // rows per image 1..13 covers the 6-row tiles and every remainder, with batch 3 up to 39 rows.
    const int rows = 1 + rng.below(13), depth = 1 + rng.below(300), units = 1 + rng.below(90);
    OpOptions o;
    o.activation = random_activation(rng);
    GraphBuilder b;
    const int32_t in = b.input({1, rows, depth});
    const int32_t filter = b.f32({units, depth}, testing::random_vector(rng, units * depth));
    std::vector<int32_t> inputs{in, filter};
    if (rng.below(4) != 0) inputs.push_back(b.f32({units}, testing::random_vector(rng, units)));
    o.keep_num_dims = true;
    b.output(b.op(OpType::kFullyConnected, inputs, o));
    check(b.g, sizeof(float) * rows * depth, "f32_fully_connected_6x16_avx2",
          "fc rows " + std::to_string(rows) + " depth " + std::to_string(depth) + " units " +
              std::to_string(units),
          float_input(rng), Tolerance{depth});
  }
}

// Random pool geometry whose windows all keep an in-image tap.
OpOptions random_pool_options(Rng& rng, int h, int w) {
  OpOptions o;
  o.filter_h = 1 + rng.below(std::min(h, 4));
  o.filter_w = 1 + rng.below(std::min(w, 4));
  o.stride_h = 1 + rng.below(3);
  o.stride_w = 1 + rng.below(3);
  o.padding = rng.below(2) ? Padding::kSame : Padding::kValid;
  o.activation = random_activation(rng);
  if (o.padding == Padding::kSame) {  // a stride larger than the filter could leave a window empty
    o.stride_h = std::min(o.stride_h, o.filter_h);
    o.stride_w = std::min(o.stride_w, o.filter_w);
  }
  return o;
}

TEST(OptimizedOps, FloatPoolsIdenticalToReference) {
  SKIP_WITHOUT_AVX2();
  Rng rng(99);
  for (int i = 0; i < 40; ++i) {
    const int h = 1 + rng.below(14), w = 1 + rng.below(14), c = 1 + rng.below(70);
    const OpOptions o = random_pool_options(rng, h, w);
    const bool max = i % 2 == 0;
    GraphBuilder b;
    const int32_t in = b.input({1, h, w, c});
    b.output(b.op(max ? OpType::kMaxPool2D : OpType::kAveragePool2D, {in}, o));
    check(b.g, sizeof(float) * h * w * c, max ? "f32_max_pool2d_avx2" : "f32_average_pool2d_avx2",
          pool_case(h, w, c, o), float_input(rng));
  }
}

TEST(OptimizedOps, FloatMaxPoolKeepsNaNAndInfinityLikeTheReference) {
  SKIP_WITHOUT_AVX2();
  GraphBuilder b;
  const int32_t in = b.input({1, 2, 2, 9});
  OpOptions o;
  o.filter_h = o.filter_w = 2;
  b.output(b.op(OpType::kMaxPool2D, {in}, o));
  check(b.g, sizeof(float) * 36, "f32_max_pool2d_avx2", "NaN / inf", [](size_t bytes) {
    std::vector<float> v(bytes / sizeof(float));
    const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                              std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity(),
                              -0.0f,
                              0.0f,
                              1.5f};
    for (size_t i = 0; i < v.size(); ++i) v[i] = specials[(i * 7 + i / 9) % 6];
    std::vector<uint8_t> out(bytes);
    std::memcpy(out.data(), v.data(), bytes);
    return out;
  });
}

TEST(OptimizedOps, FloatMeanIdenticalToReference) {
  SKIP_WITHOUT_AVX2();
  Rng rng(5);
  struct Axes {
    std::vector<int32_t> axes;
    const char* kernel;
  };
  const Axes cases[] = {{{1, 2}, "f32_mean_avx2"},
                        {{2, 1}, "f32_mean_avx2"},
                        {{-1}, "f32_mean_avx2"},
                        {{1}, "f32_mean_avx2"},
                        {{1, 3}, "f32_mean_ref"}};  // kept axis between reduced ones
  for (int i = 0; i < 20; ++i) {
    const int h = 1 + rng.below(9), w = 1 + rng.below(9), c = 1 + rng.below(70);
    const Axes& a = cases[i % 5];
    GraphBuilder b;
    const int32_t in = b.input({1, h, w, c});
    const int32_t axes = b.i32({static_cast<int32_t>(a.axes.size())}, a.axes);
    OpOptions o;
    o.keep_dims = rng.below(2);
    b.output(b.op(OpType::kMean, {in, axes}, o));
    check(b.g, sizeof(float) * h * w * c, a.kernel,
          "mean " + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c) +
              " case " + std::to_string(i % 5),
          float_input(rng));
  }
}

void set_random_quant(Rng& rng, Graph& g, int32_t t) {
  const int64_t zps[] = {-128, 127, 0, -7};
  set_quant(g, t, 0.01f + rng.uniform(0.0f, 0.2f), zps[rng.below(4)]);
}

TEST(OptimizedOps, Int8PoolsIdenticalToReference) {
  SKIP_WITHOUT_AVX2();
  Rng rng(31);
  for (int i = 0; i < 60; ++i) {
    const int h = 1 + rng.below(14), w = 1 + rng.below(14), c = 1 + rng.below(80);
    const OpOptions o = random_pool_options(rng, h, w);
    const bool max = i % 2 == 0;
    GraphBuilder b;
    const int32_t in = b.input({1, h, w, c}, DataType::kInt8);
    set_random_quant(rng, b.g, in);
    const int32_t out =
        b.op(max ? OpType::kMaxPool2D : OpType::kAveragePool2D, {in}, o, DataType::kInt8);
    b.g.tensors[out].quant = b.g.tensors[in].quant;  // int8 pools keep the input's quantization
    b.output(out);
    check(b.g, static_cast<size_t>(h) * w * c,
          max ? "qs8_max_pool2d_avx2" : "qs8_average_pool2d_avx2", pool_case(h, w, c, o),
          int8_input(rng));
  }
}

TEST(OptimizedOps, Int8AveragePoolLargeWindowsIdenticalToReference) {
  SKIP_WITHOUT_AVX2();
  // Global-pool sized windows (up to 40x40 taps): large sums, all-extreme inputs.
  Rng rng(8);
  for (int i = 0; i < 8; ++i) {
    const int h = 20 + rng.below(21), w = 20 + rng.below(21), c = 1 + rng.below(40);
    OpOptions o;
    o.filter_h = h;
    o.filter_w = w;
    GraphBuilder b;
    const int32_t in = b.input({1, h, w, c}, DataType::kInt8);
    set_random_quant(rng, b.g, in);
    const int32_t out = b.op(OpType::kAveragePool2D, {in}, o, DataType::kInt8);
    b.g.tensors[out].quant = b.g.tensors[in].quant;
    b.output(out);
    // 0: random; 1: all -128; 2: all 127; 3: channel ch sums to +-(n/2 + j), j = ch % 5 - 2, so
    // the rounding ties of (acc +- n/2) / n and their neighbours are hit.
    const int fill = i % 4;
    const long n = static_cast<long>(h) * w;
    check(b.g, static_cast<size_t>(h) * w * c, "qs8_average_pool2d_avx2",
          "global " + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c),
          [&rng, fill, n, c](size_t bytes) {
            std::vector<uint8_t> v = int8_input(rng)(bytes);
            if (fill == 1 || fill == 2) std::fill(v.begin(), v.end(), fill == 1 ? 0x80 : 0x7f);
            if (fill == 3) {
              for (size_t i = 0; i < v.size(); ++i) {
                const long t = static_cast<long>(i / c) % n;
                const int ch = static_cast<int>(i % c);
                const int8_t one = (ch / 5) % 2 ? -1 : 1;
                v[i] = static_cast<uint8_t>(t < n / 2 + (ch % 5 - 2) ? one : 0);
              }
            }
            return v;
          });
  }
}

// 8 lanes of multiply_by_quantized_multiplier_avx2.
OCTET_TARGET_AVX2_FMA void mbqm_avx2(const int32_t* x, const int32_t* m, const int32_t* shift,
                                     int32_t* out) {
  alignas(32) int32_t left[8], right[8];
  for (int i = 0; i < 8; ++i) {
    left[i] = shift[i] > 0 ? shift[i] : 0;
    right[i] = shift[i] > 0 ? 0 : -shift[i];
  }
  const __m256i vx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
  const __m256i vm = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m));
  const __m256i vl = _mm256_load_si256(reinterpret_cast<const __m256i*>(left));
  const __m256i vr = _mm256_load_si256(reinterpret_cast<const __m256i*>(right));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out),
                      kernels::multiply_by_quantized_multiplier_avx2(vx, kernels::requant_lanes(vm, vl, vr)));
}

TEST(OptimizedOps, VectorRequantizationIdenticalToRequantH) {
  SKIP_WITHOUT_AVX2();
  // Edge accumulators (odd negatives with multiplier 2^30 make (ab + nudge) end in ...0001, where
  // truncation toward zero differs from the floor), edge multipliers, shifts -31 .. 8.
  const int32_t xs[] = {std::numeric_limits<int32_t>::min(),
                        std::numeric_limits<int32_t>::min() + 1,
                        -(1 << 30) - 1,
                        -65537,
                        -3,
                        -2,
                        -1,
                        0,
                        1,
                        2,
                        3,
                        65535,
                        1 << 30,
                        std::numeric_limits<int32_t>::max()};
  const int32_t ms[] = {0, 1 << 30, (1 << 30) + 1, 1518500250, std::numeric_limits<int32_t>::max()};
  Rng rng(11);
  std::vector<int32_t> x, m, shift;
  for (int32_t a : xs) {
    for (int32_t b : ms) {
      // Up to 70: shifts of 32 and more (found by fuzz_tflite_reader) wrap to 0 in both.
      for (int s = -31; s <= 70; ++s) {
        x.push_back(a);
        m.push_back(b);
        shift.push_back(s);
      }
    }
  }
  for (int i = 0; i < 20000; ++i) {
    x.push_back(static_cast<int32_t>(rng.next_u64()));
    m.push_back((1 << 30) + static_cast<int32_t>(rng.below(1 << 30)));
    shift.push_back(static_cast<int>(rng.below(40)) - 31);
  }
  while (x.size() % 8) {
    x.push_back(0);
    m.push_back(0);
    shift.push_back(0);
  }
  for (size_t i = 0; i < x.size(); i += 8) {
    int32_t got[8];
    mbqm_avx2(&x[i], &m[i], &shift[i], got);
    for (size_t j = i; j < i + 8; ++j) {
      ASSERT_EQ(got[j - i], kernels::multiply_by_quantized_multiplier(x[j], m[j], shift[j]))
          << "x " << x[j] << " multiplier " << m[j] << " shift " << shift[j];
    }
  }
}

TEST(OptimizedOps, Int8DepthwiseConv2DIdenticalToReference) {
  SKIP_WITHOUT_AVX2();
  Rng rng(2718);
  int done = 0;
  while (done < 60) {
    const int h = 1 + rng.below(14), w = 1 + rng.below(14), cin = 1 + rng.below(40);
    const int m = rng.below(5) == 0 ? 2 : 1;  // multipliers above 1 take the reference path
    const int cout = cin * m, kh = 1 + rng.below(5), kw = 1 + rng.below(5);
    OpOptions o;
    o.padding = rng.below(2) ? Padding::kSame : Padding::kValid;
    o.stride_h = 1 + rng.below(3);
    o.stride_w = 1 + rng.below(3);
    o.dilation_h = 1 + (rng.below(4) == 0);
    o.dilation_w = 1 + (rng.below(4) == 0);
    o.depth_multiplier = m;
    o.activation = random_activation(rng);
    if (testing::out_size(h, kh, o.stride_h, o.dilation_h, o.padding) < 1 ||
        testing::out_size(w, kw, o.stride_w, o.dilation_w, o.padding) < 1) {
      continue;
    }
    GraphBuilder b;
    const int32_t in = b.input({1, h, w, cin}, DataType::kInt8);
    set_random_quant(rng, b.g, in);
    std::vector<int8_t> filter(static_cast<size_t>(kh) * kw * cout);
    for (int8_t& x : filter) x = static_cast<int8_t>(static_cast<int>(rng.below(255)) - 127);
    const int32_t f = testing::i8(b, {1, kh, kw, cout}, filter);
    // Per-channel scales spread over 2^-10 .. 2^3 of the output scale: multipliers with left
    // shifts (real multiplier > 1) and long right shifts.
    std::vector<float> scales;
    for (int c = 0; c < cout; ++c)
      scales.push_back(std::ldexp(rng.uniform(1.0f, 2.0f), -static_cast<int>(rng.below(14))));
    set_quant(b.g, f, scales, std::vector<int64_t>(cout, 0), 3);
    std::vector<int32_t> inputs{in, f};
    if (rng.below(4) != 0) {
      std::vector<int32_t> bias(cout);
      for (int32_t& x : bias) x = static_cast<int32_t>(rng.below(200001)) - 100000;
      inputs.push_back(b.i32({cout}, bias));
    }
    const int32_t out = b.op(OpType::kDepthwiseConv2D, inputs, o, DataType::kInt8);
    const int64_t out_zero_points[] = {-128, 127, 0, 5};
    set_quant(b.g, out, 0.05f, out_zero_points[rng.below(4)]);
    b.output(out);
    check(b.g, static_cast<size_t>(h) * w * cin, "qs8_depthwise_conv2d_avx2",
          "depthwise " + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(cin) +
              " m " + std::to_string(m) + " kernel " + std::to_string(kh) + "x" +
              std::to_string(kw) + " stride " + std::to_string(o.stride_h) + "," +
              std::to_string(o.stride_w),
          int8_input(rng));
    ++done;
  }
}

TEST(OptimizedOps, Int8MeanIdenticalToReference) {
  SKIP_WITHOUT_AVX2();
  Rng rng(17);
  for (int i = 0; i < 40; ++i) {
    const int h = 1 + rng.below(12), w = 1 + rng.below(12), c = 1 + rng.below(80);
    const bool contiguous = i % 4 != 3;
    const std::vector<int32_t> axes_v =
        contiguous ? std::vector<int32_t>{1, 2} : std::vector<int32_t>{0, 2};
    GraphBuilder b;
    const int32_t in = b.input({1, h, w, c}, DataType::kInt8);
    set_random_quant(rng, b.g, in);
    const int32_t axes = b.i32({2}, axes_v);
    OpOptions o;
    o.keep_dims = rng.below(2);
    const int32_t out = b.op(OpType::kMean, {in, axes}, o, DataType::kInt8);
    set_random_quant(rng, b.g, out);
    b.output(out);
    check(b.g, static_cast<size_t>(h) * w * c, contiguous ? "qs8_mean_avx2" : "qs8_mean_ref",
          "mean " + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c),
          int8_input(rng));
  }
}

TEST(OptimizedOps, QuantizeIdenticalToReferenceIncludingTiesAndSpecials) {
  SKIP_WITHOUT_AVX2();
  Rng rng(3);
  for (int i = 0; i < 30; ++i) {
    const int n = 1 + rng.below(150);
    GraphBuilder b;
    const int32_t in = b.input({1, n});
    const int32_t out = b.op(OpType::kQuantize, {in}, {}, DataType::kInt8);
    const float scale = 0.01f + rng.uniform(0.0f, 0.1f);
    const int64_t zps[] = {-128, 127, 0, 3};
    set_quant(b.g, out, scale, zps[rng.below(4)]);
    b.output(out);
    check(b.g, sizeof(float) * n, "qs8_quantize_f32_avx2", "quantize n " + std::to_string(n),
          [&rng, scale](size_t bytes) {
            std::vector<float> v(bytes / sizeof(float));
            const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                                      std::numeric_limits<float>::infinity(),
                                      -std::numeric_limits<float>::infinity(),
                                      1e30f,
                                      -1e30f,
                                      -0.0f};
            for (float& x : v) {
              const int r = rng.below(8);
              if (r == 0) {
                x = specials[rng.below(6)];
              } else if (r <= 3) {  // exact ties k + 0.5 (and their neighbours) after division
                x = (static_cast<float>(rng.below(300)) - 150.0f + 0.5f) * scale;
              } else {
                x = rng.uniform(-3.0f, 3.0f);
              }
            }
            std::vector<uint8_t> out(bytes);
            std::memcpy(out.data(), v.data(), bytes);
            return out;
          });
  }
}

TEST(OptimizedOps, RequantizeIdenticalToReference) {
  SKIP_WITHOUT_AVX2();
  Rng rng(21);
  for (int i = 0; i < 40; ++i) {
    const int n = 1 + rng.below(150);
    const bool in_u8 = i % 4 == 1 || i % 4 == 3, out_u8 = i % 4 >= 2;
    GraphBuilder b;
    const int32_t in = b.input({1, n}, in_u8 ? DataType::kUInt8 : DataType::kInt8);
    const int32_t out =
        b.op(OpType::kQuantize, {in}, {}, out_u8 ? DataType::kUInt8 : DataType::kInt8);
    // Scale ratios from 1/64 to 64 (left and right shifts); zero points at the range ends.
    const float s_in = std::ldexp(rng.uniform(1.0f, 2.0f), -static_cast<int>(rng.below(8)));
    const float s_out = std::ldexp(rng.uniform(1.0f, 2.0f), -static_cast<int>(rng.below(8)));
    const int64_t lo = in_u8 ? 0 : -128, lo_out = out_u8 ? 0 : -128;
    set_quant(b.g, in, s_in, rng.below(2) ? lo : lo + 255);
    set_quant(b.g, out, s_out, rng.below(2) ? lo_out : lo_out + 255);
    b.output(out);
    check(
        b.g, n, in_u8 ? "qu8_requantize_avx2" : "qs8_requantize_avx2",
        "requantize n " + std::to_string(n) + (in_u8 ? " u8" : " s8") + (out_u8 ? "->u8" : "->s8"),
        int8_input(rng));
  }
}

TEST(OptimizedOps, DequantizeIdenticalToReference) {
  SKIP_WITHOUT_AVX2();
  Rng rng(12);
  for (int i = 0; i < 20; ++i) {
    const int n = 1 + rng.below(150);
    GraphBuilder b;
    const int32_t in = b.input({1, n}, DataType::kInt8);
    set_random_quant(rng, b.g, in);
    b.output(b.op(OpType::kDequantize, {in}, {}));
    check(b.g, n, "f32_dequantize_qs8_avx2", "dequantize n " + std::to_string(n), int8_input(rng));
  }
}

}  // namespace
}  // namespace octet::runtime
