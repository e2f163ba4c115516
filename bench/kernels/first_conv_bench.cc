// The seed models' first convolutions (small depth K = 3 * 3 * Cin) with the two int8 AVX2 CONV_2D
// kernels side by side, called directly on one thread: `direct` (qs8_conv2d_direct_avx2.h, what the
// registry picks for K <= 32) and `im2col_gemm` (qs8_conv2d_avx2.h, the general kernel), batch 1 and
// 256. Counters: G MAC/s, % of this machine's measured int8 per-core peak, us per image.
//   build/bench/kernels/first_conv_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/rng.h"
#include "eval/peak.h"
#include "runtime/kernels/requant.h"
#include "runtime/kernels/x86/cpu_features.h"
#include "runtime/kernels/x86/qs8_conv2d_avx2.h"
#include "runtime/kernels/x86/qs8_conv2d_direct_avx2.h"

namespace {

using namespace octet;

struct FirstConv {
  const char* model;
  const char* name;
  int h, w, cin, cout;
  bool same;  // SAME padding (1 on every side for 3x3), else VALID
};

const FirstConv kShapes[] = {
    {"mnist_cnn", "conv_28x28x1_32_valid", 28, 28, 1, 32, false},
    {"cifar_standard", "conv_32x32x3_32", 32, 32, 3, 32, true},
    {"cifar_micro", "conv_32x32x3_16", 32, 32, 3, 16, true},
};

enum class Kernel { kDirect, kIm2colGemm };

// 64-byte-aligned zeroed bytes (what the interpreter's persistent and scratch memory give).
struct Buffer {
  explicit Buffer(size_t bytes) : size((bytes + 63) / 64 * 64) {
    data = std::aligned_alloc(64, std::max<size_t>(size, 64));
    std::fill_n(static_cast<uint8_t*>(data), size, 0);
  }
  ~Buffer() { std::free(data); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  size_t size;
  void* data;
};

void run(benchmark::State& state, const FirstConv& s, Kernel kernel, int batch) {
  if (!kernels::cpu_has_avx2_fma()) {
    state.SkipWithError("this CPU has no AVX2 + FMA");
    return;
  }
  kernels::ConvGeometry g;
  g.in_h = s.h;
  g.in_w = s.w;
  g.in_channels = s.cin;
  g.out_channels = s.cout;
  g.kernel_h = g.kernel_w = 3;
  g.pad_top = g.pad_left = s.same ? 1 : 0;
  g.out_h = s.same ? s.h : s.h - 2;
  g.out_w = s.same ? s.w : s.w - 2;
  const int k = 9 * s.cin;

  // Random weights and inputs, per-channel multipliers near the seed models' (about 2^-8), the
  // models' input zero point -128 and a RELU clamp.
  Rng rng(7);
  std::vector<int8_t> filter(static_cast<size_t>(s.cout) * k), input(static_cast<size_t>(batch) * s.h * s.w * s.cin);
  for (int8_t& v : filter) v = static_cast<int8_t>(static_cast<int>(rng.next_u64() % 255) - 127);
  for (int8_t& v : input) v = static_cast<int8_t>(rng.next_u64());
  std::vector<int32_t> bias(s.cout);
  std::vector<kernels::QuantizedMultiplier> multipliers(s.cout);
  for (int c = 0; c < s.cout; ++c) {
    bias[c] = static_cast<int32_t>(rng.next_u64() % 2001) - 1000;
    multipliers[c] = kernels::quantize_multiplier(0.004 * (1 + c % 3));
  }
  kernels::Qs8OutputStage stage;
  stage.input_offset = 128;
  stage.output_offset = -128;
  stage.act_min = -128;
  stage.multipliers = multipliers.data();
  std::vector<int8_t> output(static_cast<size_t>(batch) * g.out_h * g.out_w * s.cout);

  Buffer packed(kernels::qs8_packed_gemm_bytes(s.cout, k, false));
  kernels::Qs8PackedGemm gemm;
  kernels::qs8_pack_gemm(filter.data(), bias.data(), s.cout, k, stage, nullptr, packed.data, &gemm);
  kernels::Qs8Conv2DDirectAvx2Params direct;
  Buffer direct_weights(kernels::qs8_conv2d_direct_avx2_weight_bytes(g));
  kernels::Qs8Conv2DAvx2Params im2col;
  int units = 0;
  size_t scratch_bytes = 0;
  if (kernel == Kernel::kDirect) {
    kernels::qs8_conv2d_direct_avx2_prepare(g, filter.data(), direct_weights.data, &direct);
    direct.stage = gemm;
    direct.input_zero_point = -128;
    direct.batch = batch;
    units = kernels::qs8_conv2d_direct_avx2_num_rows(direct);
    scratch_bytes = kernels::qs8_conv2d_direct_avx2_scratch_bytes(direct);
  } else {
    im2col.geometry = g;
    im2col.gemm = gemm;
    im2col.input_zero_point = -128;
    im2col.batch = batch;
    im2col.tile = kernels::qs8_gemm_tile_rows(batch * g.out_h * g.out_w, k, 1);
    units = kernels::qs8_conv2d_avx2_num_tiles(im2col);
    scratch_bytes = kernels::qs8_conv2d_avx2_scratch_bytes(im2col);
  }
  Buffer scratch(scratch_bytes);
  auto* scratch16 = static_cast<int16_t*>(scratch.data);

  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (kernel == Kernel::kDirect) {
      kernels::qs8_conv2d_direct_avx2(direct, input.data(), output.data(), scratch16, 0, units);
    } else {
      kernels::qs8_conv2d_avx2(im2col, input.data(), output.data(), scratch16, 0, units);
    }
    benchmark::DoNotOptimize(output.data());
    benchmark::ClobberMemory();
  }
  const double per_call =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
      std::max<double>(1, state.iterations());
  const double macs = static_cast<double>(batch) * g.out_h * g.out_w * s.cout * k;
  static const double peak = eval::measure_int8_peak().gmacs;
  state.counters["GMAC/s"] = macs / per_call / 1e9;
  state.counters["%peak"] = 100 * macs / per_call / (peak * 1e9);
  state.counters["us/image"] = per_call * 1e6 / batch;
}

void register_all() {
  for (const FirstConv& s : kShapes) {
    for (Kernel kernel : {Kernel::kDirect, Kernel::kIm2colGemm}) {
      for (int batch : {1, 256}) {
        const std::string name = std::string(s.model) + "/" + s.name + "/int8/" +
                                 (kernel == Kernel::kDirect ? "direct" : "im2col_gemm") +
                                 "/batch:" + std::to_string(batch);
        benchmark::RegisterBenchmark(name.c_str(), [&s, kernel, batch](benchmark::State& st) {
          run(st, s, kernel, batch);
        })->Unit(benchmark::kMicrosecond)->UseRealTime();
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
