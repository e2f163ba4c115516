// One Google Benchmark per kernel and per layer shape of the seed models (mnist_cnn, cifar_standard,
// cifar_micro), int8 and fp32, reference and auto kernels, batch 1 and 256, one thread. Each layer is
// a one-op graph run through the interpreter, so whatever optimized kernel the registry picks for
// `auto` is what gets measured. Counters: G MAC/s and % of this machine's measured per-core peak
// (int8 peak for int8, fp32 peak for fp32); ops without MACs (pools, MEAN) report G elements/s read.
//   build/bench/kernels/kernels_bench --benchmark_filter='mnist_cnn/.*/int8'
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/rng.h"
#include "eval/peak.h"
#include "runtime/interpreter.h"
#include "runtime/macs.h"

namespace {

using namespace octet;
using runtime::DataType;
using runtime::OpType;

enum class Kind { kConv, kMaxPool, kMean, kFullyConnected };

// A layer of a seed model: input h x w x cin; conv: cout 3x3 filters; fully connected: cin -> cout.
struct Layer {
  const char* model;
  const char* name;
  Kind kind;
  int h, w, cin, cout;
  runtime::Padding padding = runtime::Padding::kSame;
};

const Layer kLayers[] = {
    {"mnist_cnn", "conv_28x28x1_32_valid", Kind::kConv, 28, 28, 1, 32, runtime::Padding::kValid},
    {"mnist_cnn", "maxpool_26x26x32", Kind::kMaxPool, 26, 26, 32, 32},
    {"mnist_cnn", "conv_13x13x32_64_valid", Kind::kConv, 13, 13, 32, 64, runtime::Padding::kValid},
    {"mnist_cnn", "fc_1600_128", Kind::kFullyConnected, 1, 1, 1600, 128},
    {"mnist_cnn", "fc_128_10", Kind::kFullyConnected, 1, 1, 128, 10},
    {"cifar_standard", "conv_32x32x3_32", Kind::kConv, 32, 32, 3, 32},
    {"cifar_standard", "conv_32x32x32_32", Kind::kConv, 32, 32, 32, 32},
    {"cifar_standard", "conv_16x16x32_64", Kind::kConv, 16, 16, 32, 64},
    {"cifar_standard", "conv_16x16x64_64", Kind::kConv, 16, 16, 64, 64},
    {"cifar_standard", "conv_8x8x64_128", Kind::kConv, 8, 8, 64, 128},
    {"cifar_standard", "fc_2048_96", Kind::kFullyConnected, 1, 1, 2048, 96},
    {"cifar_standard", "fc_96_10", Kind::kFullyConnected, 1, 1, 96, 10},
    {"cifar_micro", "conv_32x32x3_16", Kind::kConv, 32, 32, 3, 16},
    {"cifar_micro", "conv_16x16x16_24", Kind::kConv, 16, 16, 16, 24},
    {"cifar_micro", "conv_8x8x24_32", Kind::kConv, 8, 8, 24, 32},
    {"cifar_micro", "mean_8x8x32", Kind::kMean, 8, 8, 32, 32},
    {"cifar_micro", "fc_32_10", Kind::kFullyConnected, 1, 1, 32, 10},
};

runtime::Tensor activation(std::vector<int32_t> shape, DataType type, float scale) {
  runtime::Tensor t;
  t.type = type;
  t.shape = std::move(shape);
  if (type == DataType::kInt8) t.quant = {{scale}, {-128}, 0, {}, {}};
  return t;
}

template <typename T>
runtime::Tensor constant(std::vector<int32_t> shape, DataType type, const std::vector<T>& values) {
  runtime::Tensor t;
  t.type = type;
  t.shape = std::move(shape);
  t.is_constant = true;
  t.data.resize(values.size() * sizeof(T));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

// Weights [cout, ...] and bias [cout] with random values; int8 weights per output channel.
void add_weights(runtime::Graph& g, runtime::Op& op, std::vector<int32_t> shape, bool int8, float input_scale,
                 Rng& rng) {
  const int cout = shape[0];
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  if (int8) {
    std::vector<int8_t> w(n);
    for (int8_t& v : w) v = static_cast<int8_t>(static_cast<int>(rng.next_u64() % 255) - 127);
    runtime::Tensor wt = constant(shape, DataType::kInt8, w);
    std::vector<int32_t> bias(cout);
    std::vector<float> bias_scales(cout);
    for (int c = 0; c < cout; ++c) {
      wt.quant.scale.push_back(0.01f * (1 + c % 3));
      wt.quant.zero_point.push_back(0);
      bias[c] = static_cast<int32_t>(rng.next_u64() % 2001) - 1000;
      bias_scales[c] = input_scale * wt.quant.scale[c];
    }
    runtime::Tensor bt = constant({cout}, DataType::kInt32, bias);
    bt.quant = {bias_scales, std::vector<int64_t>(cout, 0), 0, {}, {}};
    op.inputs.push_back(g.add_tensor(std::move(wt)));
    op.inputs.push_back(g.add_tensor(std::move(bt)));
  } else {
    std::vector<float> w(n), bias(cout);
    for (float& v : w) v = rng.uniform(-0.5f, 0.5f);
    for (float& v : bias) v = rng.uniform(-0.1f, 0.1f);
    op.inputs.push_back(g.add_tensor(constant(shape, DataType::kFloat32, w)));
    op.inputs.push_back(g.add_tensor(constant({cout}, DataType::kFloat32, bias)));
  }
}

// The layer as a one-op graph, with the options and quantization the seed models use.
runtime::Graph layer_graph(const Layer& l, bool int8) {
  const DataType type = int8 ? DataType::kInt8 : DataType::kFloat32;
  const float in_scale = 1.0f / 255;
  Rng rng(7);
  runtime::Graph g;
  runtime::Op op;
  const bool flat = l.kind == Kind::kFullyConnected;
  op.inputs.push_back(g.add_tensor(activation(flat ? std::vector<int32_t>{1, l.cin}
                                                   : std::vector<int32_t>{1, l.h, l.w, l.cin},
                                              type, in_scale)));
  g.inputs.push_back(op.inputs[0]);
  float out_scale = in_scale;  // pools and MEAN keep the input's quantization
  switch (l.kind) {
    case Kind::kConv:
      op.type = OpType::kConv2D;
      op.options.padding = l.padding;
      op.options.activation = runtime::Activation::kRelu;
      add_weights(g, op, {l.cout, 3, 3, l.cin}, int8, in_scale, rng);
      out_scale = 0.05f;
      break;
    case Kind::kFullyConnected:
      op.type = OpType::kFullyConnected;
      add_weights(g, op, {l.cout, l.cin}, int8, in_scale, rng);
      out_scale = 0.05f;
      break;
    case Kind::kMaxPool:
      op.type = OpType::kMaxPool2D;
      op.options.padding = runtime::Padding::kValid;
      op.options.filter_h = op.options.filter_w = op.options.stride_h = op.options.stride_w = 2;
      break;
    case Kind::kMean:
      op.type = OpType::kMean;
      op.inputs.push_back(g.add_tensor(constant({2}, DataType::kInt32, std::vector<int32_t>{1, 2})));
      break;
  }
  op.outputs.push_back(g.add_tensor(activation({}, type, out_scale)));
  g.outputs.push_back(op.outputs[0]);
  g.ops.push_back(std::move(op));
  return g;
}

double eval_clock_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double peak_gmacs(bool int8) {
  static const double int8_peak = eval::measure_int8_peak().gmacs;
  static const double fp32_peak = eval::measure_fp32_peak().gmacs;
  return int8 ? int8_peak : fp32_peak;
}

void run_layer(benchmark::State& state, const Layer& l, bool int8, runtime::KernelChoice kernels, int batch) {
  runtime::InterpreterOptions io;
  io.batch = batch;
  io.kernels = kernels;
  auto created = runtime::Interpreter::create(layer_graph(l, int8), io);
  if (!created.ok()) {
    state.SkipWithError(created.status().message().c_str());
    return;
  }
  runtime::Interpreter& interp = *created.value();
  Rng rng(11);
  auto* in = static_cast<uint8_t*>(interp.input_data(0));
  if (int8) {
    for (size_t k = 0; k < interp.input_bytes(0); ++k) in[k] = static_cast<uint8_t>(rng.next_u64());
  } else {
    float* f = interp.input_f32(0);
    for (size_t k = 0; k < interp.input_bytes(0) / sizeof(float); ++k) f[k] = rng.uniform();
  }
  // Timed here too (wall clock, as UseRealTime) so the counters are plain figures, not rates.
  const double t0 = eval_clock_seconds();
  for (auto _ : state) {
    if (!interp.invoke().ok()) state.SkipWithError("invoke failed");
  }
  const double per_invoke = (eval_clock_seconds() - t0) / std::max<double>(1, state.iterations());
  state.SetLabel(interp.op_kernel_name(0));
  const double macs = static_cast<double>(runtime::op_macs(interp, 0));
  if (macs > 0) {
    state.counters["GMAC/s"] = macs / per_invoke / 1e9;
    state.counters["%peak"] = 100 * macs / per_invoke / (peak_gmacs(int8) * 1e9);
  } else {
    const double elements = static_cast<double>(interp.input_bytes(0)) / (int8 ? 1 : sizeof(float));
    state.counters["Gelem/s"] = elements / per_invoke / 1e9;
  }
  state.counters["us/image"] = per_invoke * 1e6 / batch;
}

void register_all() {
  for (const Layer& l : kLayers) {
    for (bool int8 : {true, false}) {
      for (auto kernels : {runtime::KernelChoice::kReference, runtime::KernelChoice::kAuto}) {
        for (int batch : {1, 256}) {
          const std::string name = std::string(l.model) + "/" + l.name + (int8 ? "/int8" : "/fp32") +
                                   (kernels == runtime::KernelChoice::kAuto ? "/auto" : "/reference") +
                                   "/batch:" + std::to_string(batch);
          benchmark::RegisterBenchmark(name.c_str(), [&l, int8, kernels, batch](benchmark::State& s) {
            run_layer(s, l, int8, kernels, batch);
          })->Unit(benchmark::kMicrosecond)->UseRealTime();
        }
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
