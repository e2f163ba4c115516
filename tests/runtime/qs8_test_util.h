// Helpers for the int8 / hybrid runtime tests: quantization parameters on GraphBuilder tensors,
// int8 runs through the interpreter, and an independent TFLite requantization oracle (int64 math
// from the definitions in quantization.md §3, not requant.h).
#pragma once

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "test_util.h"

namespace octet::runtime::testing {

// Seeded random draws shared by the random-shape tests.
inline int rand_int(Rng& rng, int lo, int hi) { return lo + static_cast<int>(rng.below(hi - lo + 1)); }
inline float rand_scale(Rng& rng, float lo, float hi) {
  return std::exp(rng.uniform(std::log(lo), std::log(hi)));
}
inline int32_t rand_zero_point(Rng& rng) {  // the extremes -128 and 127 half of the time
  const int k = rand_int(rng, 0, 3);
  return k == 0 ? -128 : (k == 1 ? 127 : rand_int(rng, -128, 127));
}
inline Activation rand_activation(Rng& rng) {  // NONE, RELU or RELU6
  return static_cast<Activation>(std::vector<int>{0, 1, 3}[rng.below(3)]);
}

// A random CONV_2D for the optimized-vs-reference tests: odd and vector-width channel counts,
// strides and dilations 1-2, VALID only where the kernel fits, a random fused activation.
struct RandomConv {
  int batch, h, w, cin, cout, kh, kw;
  OpOptions o;
};
inline RandomConv random_conv(Rng& rng) {
  static constexpr int kChannels[] = {1, 3, 7, 8, 10, 16, 17, 24, 31, 32, 33};
  RandomConv c;
  c.batch = rand_int(rng, 1, 3);
  c.h = rand_int(rng, 1, 14);
  c.w = rand_int(rng, 1, 14);
  c.cin = kChannels[rng.below(11)];
  c.cout = kChannels[rng.below(11)];
  c.kh = rand_int(rng, 1, 4);
  c.kw = rand_int(rng, 1, 4);
  c.o.stride_h = rand_int(rng, 1, 2);
  c.o.stride_w = rand_int(rng, 1, 2);
  c.o.dilation_h = rand_int(rng, 1, 2);
  c.o.dilation_w = rand_int(rng, 1, 2);
  const bool fits = (c.kh - 1) * c.o.dilation_h + 1 <= c.h && (c.kw - 1) * c.o.dilation_w + 1 <= c.w;
  c.o.padding = fits && rng.below(2) ? Padding::kValid : Padding::kSame;
  c.o.activation = rand_activation(rng);
  return c;
}

inline void set_quant(Graph& g, int32_t t, std::vector<float> scales,
                      std::vector<int64_t> zero_points, int32_t axis = 0) {
  g.tensors[t].quant.scale = std::move(scales);
  g.tensors[t].quant.zero_point = std::move(zero_points);
  g.tensors[t].quant.axis = axis;
}
inline void set_quant(Graph& g, int32_t t, float scale, int64_t zero_point) {
  set_quant(g, t, std::vector<float>{scale}, std::vector<int64_t>{zero_point});
}

inline int32_t i8(GraphBuilder& b, std::vector<int32_t> shape, const std::vector<int8_t>& v) {
  return b.constant(std::move(shape), v, DataType::kInt8);
}

// The reference kernels unless `kernels` says otherwise (the oracle tests check the reference).
inline std::unique_ptr<Interpreter> make_interp(const Graph& g, int batch = 1, int threads = 1,
                                                FcRequant fc = FcRequant::kInteger,
                                                KernelChoice kernels = KernelChoice::kReference,
                                                int sub_batch = 0) {
  InterpreterOptions o;
  o.batch = batch;
  o.num_threads = threads;
  o.fc_requant = fc;
  o.kernels = kernels;
  o.sub_batch = sub_batch;
  auto r = Interpreter::create(g, o);
  if (!r.ok()) {
    ADD_FAILURE() << r.status().message();
    return nullptr;
  }
  return std::move(r).value();
}

inline std::string create_error(const Graph& g) {
  auto r = Interpreter::create(g, InterpreterOptions{});
  return r.ok() ? std::string("(created)") : r.status().message();
}

inline std::vector<int8_t> run_i8(Interpreter& interp, const std::vector<int8_t>& input) {
  std::memcpy(interp.input_data(0), input.data(), input.size());
  EXPECT_TRUE(interp.invoke().ok());
  const int8_t* out = static_cast<const int8_t*>(interp.output_data(0));
  return std::vector<int8_t>(out, out + interp.output_bytes(0));
}

// ---- oracle ----
struct OracleMultiplier {
  int64_t m = 0;
  int shift = 0;
};

inline OracleMultiplier oracle_multiplier(double real) {
  OracleMultiplier r;
  if (real == 0.0) return r;
  int e = 0;
  const double q = std::frexp(real, &e);
  int64_t f = std::llround(q * 2147483648.0);  // llround = half away from zero
  if (f == (int64_t{1} << 31)) {
    f /= 2;
    ++e;
  }
  if (e < -31) return OracleMultiplier{};
  r.m = f;
  r.shift = e;
  return r;
}

// Double rounding: round-half-up of x * 2^left * M / 2^31, then half-away-from-zero / 2^right.
inline int64_t oracle_mbqm(int64_t x, OracleMultiplier m) {
  const int left = m.shift > 0 ? m.shift : 0, right = m.shift > 0 ? 0 : -m.shift;
  const int64_t x32 = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
  const __int128 p = static_cast<__int128>(x32) * m.m + (int64_t{1} << 30);
  const __int128 d = static_cast<__int128>(1) << 31;
  __int128 first = p >= 0 ? p / d : -((-p + d - 1) / d);
  if (right == 0) return static_cast<int64_t>(first);
  const int64_t r = int64_t{1} << right;
  const int64_t f = static_cast<int64_t>(first);
  const int64_t mag = (std::llabs(f) + r / 2) / r;
  return f < 0 ? -mag : mag;
}

inline int8_t clamp8(int64_t v, int64_t lo = -128, int64_t hi = 127) {
  return static_cast<int8_t>(v < lo ? lo : (v > hi ? hi : v));
}

// RHAZ(bound / S) in float32, the fused activation bounds of §1.4.
inline void oracle_act_range(Activation a, float s, int32_t z, int32_t* lo, int32_t* hi) {
  *lo = -128;
  *hi = 127;
  if (a == Activation::kRelu || a == Activation::kRelu6) *lo = std::max(-128, z);
  if (a == Activation::kRelu6) *hi = std::min<int32_t>(127, z + static_cast<int32_t>(std::round(6.0f / s)));
}

}  // namespace octet::runtime::testing
