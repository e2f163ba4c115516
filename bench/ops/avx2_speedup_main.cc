// Speed of the AVX2 + FMA kernels against the reference kernels, through the interpreter (single-op
// graphs on the seed models' shapes, then whole models), batch 1, one thread. For each case the
// reference and the optimized variant are measured alternately three times; the table shows the
// median of the three per-invoke medians.
//   octet_avx2_speedup [model.tflite ...]
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "core/rng.h"
#include "eval/latency.h"
#include "runtime/kernels/x86/cpu_features.h"
#include "tflite/reader.h"

namespace octet {
namespace {

using runtime::DataType;
using runtime::Graph;
using runtime::KernelChoice;
using runtime::OpOptions;
using runtime::OpType;

struct Builder {
  Graph g;
  int32_t tensor(std::vector<int32_t> shape, DataType type) {
    runtime::Tensor t;
    t.name = std::to_string(g.tensors.size());
    t.name.insert(t.name.begin(), 't');  // (not "t" + ...: GCC 12 warns -Wrestrict spuriously)
    t.type = type;
    t.shape = std::move(shape);
    return g.add_tensor(std::move(t));
  }
  int32_t constant(std::vector<int32_t> shape, DataType type, size_t bytes, Rng& rng) {
    const int32_t t = tensor(std::move(shape), type);
    g.tensors[t].is_constant = true;
    g.tensors[t].data.resize(bytes);
    if (type == DataType::kFloat32) {
      float* f = reinterpret_cast<float*>(g.tensors[t].data.data());
      for (size_t i = 0; i < bytes / sizeof(float); ++i) f[i] = rng.uniform(-0.1f, 0.1f);
    } else {
      for (uint8_t& b : g.tensors[t].data) b = static_cast<uint8_t>(rng.next_u64());
    }
    return t;
  }
  void quant(int32_t t, float scale, int64_t zp) {
    g.tensors[t].quant.scale = {scale};
    g.tensors[t].quant.zero_point = {zp};
  }
  // One op: input [shape] of `in_type`, output of `out_type` (same quantization for int8 pools).
  int32_t op(OpType type, std::vector<int32_t> inputs, OpOptions o, DataType out_type) {
    const int32_t out = tensor({}, out_type);
    g.ops.push_back(runtime::Op{type, 1, std::move(inputs), {out}, std::move(o)});
    g.outputs.push_back(out);
    return out;
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

bool measure(const std::string& name, const Graph& g, double min_seconds) {
  std::vector<double> ref, opt;
  for (int rep = 0; rep < 3; ++rep) {
    for (KernelChoice k : {KernelChoice::kReference, KernelChoice::kAuto}) {
      eval::LatencyOptions o;
      o.kernels = k;
      o.min_runs = 100;
      o.min_seconds = min_seconds;
      auto r = eval::measure_latency(g, o);
      if (!r.ok()) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), r.status().message().c_str());
        return false;
      }
      (k == KernelChoice::kReference ? ref : opt).push_back(r.value().us_per_image_median);
    }
  }
  const double r = median(ref), o = median(opt);
  std::printf("| %-44s | %10.2f | %10.2f | %6.2fx |\n", name.c_str(), r, o, r / o);
  std::fflush(stdout);
  return true;
}

Graph conv_graph(int h, int w, int cin, int cout, bool same, Rng& rng) {
  Builder b;
  const int32_t in = b.tensor({1, h, w, cin}, DataType::kFloat32);
  b.g.inputs.push_back(in);
  const int32_t f = b.constant({cout, 3, 3, cin}, DataType::kFloat32, 4ul * cout * 9 * cin, rng);
  const int32_t bias = b.constant({cout}, DataType::kFloat32, 4ul * cout, rng);
  OpOptions o;
  o.padding = same ? runtime::Padding::kSame : runtime::Padding::kValid;
  o.activation = runtime::Activation::kRelu;
  b.op(OpType::kConv2D, {in, f, bias}, o, DataType::kFloat32);
  return b.g;
}

Graph fc_graph(int depth, int units, Rng& rng) {
  Builder b;
  const int32_t in = b.tensor({1, depth}, DataType::kFloat32);
  b.g.inputs.push_back(in);
  const int32_t f = b.constant({units, depth}, DataType::kFloat32, 4ul * units * depth, rng);
  const int32_t bias = b.constant({units}, DataType::kFloat32, 4ul * units, rng);
  OpOptions o;
  o.activation = runtime::Activation::kRelu;
  b.op(OpType::kFullyConnected, {in, f, bias}, o, DataType::kFloat32);
  return b.g;
}

Graph pool_graph(int h, int w, int c, DataType type) {
  Builder b;
  const int32_t in = b.tensor({1, h, w, c}, type);
  b.g.inputs.push_back(in);
  if (type == DataType::kInt8) b.quant(in, 0.05f, -128);
  OpOptions o;
  o.filter_h = o.filter_w = o.stride_h = o.stride_w = 2;
  const int32_t out = b.op(OpType::kMaxPool2D, {in}, o, type);
  if (type == DataType::kInt8) b.quant(out, 0.05f, -128);
  return b.g;
}

Graph avg_pool_graph(int h, int w, int c) {
  Builder b;
  const int32_t in = b.tensor({1, h, w, c}, DataType::kInt8);
  b.g.inputs.push_back(in);
  b.quant(in, 0.05f, -128);
  OpOptions o;
  o.filter_h = o.filter_w = o.stride_h = o.stride_w = 2;
  b.quant(b.op(OpType::kAveragePool2D, {in}, o, DataType::kInt8), 0.05f, -128);
  return b.g;
}

Graph depthwise_graph(int h, int w, int c, Rng& rng) {
  Builder b;
  const int32_t in = b.tensor({1, h, w, c}, DataType::kInt8);
  b.g.inputs.push_back(in);
  b.quant(in, 0.05f, -128);
  const int32_t f = b.constant({1, 3, 3, c}, DataType::kInt8, 9ul * c, rng);
  b.g.tensors[f].quant.scale.assign(c, 0.01f);
  b.g.tensors[f].quant.zero_point.assign(c, 0);
  b.g.tensors[f].quant.axis = 3;
  OpOptions o;
  o.padding = runtime::Padding::kSame;
  o.activation = runtime::Activation::kRelu;
  b.quant(b.op(OpType::kDepthwiseConv2D, {in, f}, o, DataType::kInt8), 0.1f, -128);
  return b.g;
}

Graph requantize_graph(int n) {
  Builder b;
  const int32_t in = b.tensor({1, n}, DataType::kInt8);
  b.g.inputs.push_back(in);
  b.quant(in, 0.05f, -128);
  b.quant(b.op(OpType::kQuantize, {in}, {}, DataType::kInt8), 0.03f, 5);
  return b.g;
}

Graph mean_graph(int h, int w, int c, DataType type) {
  Builder b;
  const int32_t in = b.tensor({1, h, w, c}, type);
  b.g.inputs.push_back(in);
  if (type == DataType::kInt8) b.quant(in, 0.05f, -128);
  const int32_t axes = b.tensor({2}, DataType::kInt32);
  b.g.tensors[axes].is_constant = true;
  const int32_t axes_v[2] = {1, 2};
  b.g.tensors[axes].data.assign(reinterpret_cast<const uint8_t*>(axes_v),
                                reinterpret_cast<const uint8_t*>(axes_v) + sizeof(axes_v));
  const int32_t out = b.op(OpType::kMean, {in, axes}, {}, type);
  if (type == DataType::kInt8) b.quant(out, 0.02f, -100);
  return b.g;
}

Graph quantize_graph(int n) {
  Builder b;
  const int32_t in = b.tensor({1, n}, DataType::kFloat32);
  b.g.inputs.push_back(in);
  const int32_t out = b.op(OpType::kQuantize, {in}, {}, DataType::kInt8);
  b.quant(out, 1.0f / 255, -128);
  return b.g;
}

Graph dequantize_graph(int n) {
  Builder b;
  const int32_t in = b.tensor({1, n}, DataType::kInt8);
  b.g.inputs.push_back(in);
  b.quant(in, 0.1f, 3);
  b.op(OpType::kDequantize, {in}, {}, DataType::kFloat32);
  return b.g;
}

int run(int argc, char** argv) {
  if (!kernels::cpu_has_avx2_fma()) {
    std::fprintf(stderr, "this CPU lacks AVX2 + FMA (%s): nothing to compare\n",
                 kernels::cpu_features_string().c_str());
    return 1;
  }
  Rng rng(1);
  std::printf(
      "| case (batch 1, 1 thread) | reference us | avx2 us | speed-up |\n|---|---|---|---|\n");
  struct Conv {
    const char* name;
    int h, w, cin, cout;
    bool same;
  };
  const Conv convs[] = {{"mnist conv 28x28x1->32 3x3 valid", 28, 28, 1, 32, false},
                        {"mnist conv 13x13x32->64 3x3 valid", 13, 13, 32, 64, false},
                        {"cifar_std conv 32x32x3->32 same", 32, 32, 3, 32, true},
                        {"cifar_std conv 32x32x32->32 same", 32, 32, 32, 32, true},
                        {"cifar_std conv 16x16x32->64 same", 16, 16, 32, 64, true},
                        {"cifar_std conv 16x16x64->64 same", 16, 16, 64, 64, true},
                        {"cifar_std conv 8x8x64->128 same", 8, 8, 64, 128, true},
                        {"cifar_micro conv 32x32x3->16 same", 32, 32, 3, 16, true},
                        {"cifar_micro conv 16x16x16->24 same", 16, 16, 16, 24, true},
                        {"cifar_micro conv 8x8x24->32 same", 8, 8, 24, 32, true}};
  bool ok = true;
  for (const Conv& c : convs) {
    ok &= measure(std::string("f32 ") + c.name, conv_graph(c.h, c.w, c.cin, c.cout, c.same, rng),
                  0.3);
  }
  const int fcs[][2] = {{1600, 128}, {128, 10}, {2048, 96}, {96, 10}, {32, 10}};
  for (const auto& f : fcs) {
    ok &= measure("f32 fc " + std::to_string(f[0]) + "->" + std::to_string(f[1]),
                  fc_graph(f[0], f[1], rng), 0.3);
  }
  const int pools[][3] = {{26, 26, 32}, {11, 11, 64}, {32, 32, 32},
                          {16, 16, 64}, {32, 32, 16}, {16, 16, 24}};
  for (DataType t : {DataType::kFloat32, DataType::kInt8}) {
    const std::string prefix = t == DataType::kFloat32 ? "f32 " : "qs8 ";
    for (const auto& p : pools) {
      ok &= measure(prefix + "maxpool 2x2 " + std::to_string(p[0]) + "x" + std::to_string(p[1]) +
                        "x" + std::to_string(p[2]),
                    pool_graph(p[0], p[1], p[2], t), 0.3);
    }
    ok &= measure(prefix + "mean 8x8x32 -> 32", mean_graph(8, 8, 32, t), 0.3);
  }
  ok &= measure("qs8 quantize 28x28x1", quantize_graph(28 * 28), 0.3);
  ok &= measure("qs8 quantize 32x32x3", quantize_graph(32 * 32 * 3), 0.3);
  ok &= measure("f32 dequantize 10", dequantize_graph(10), 0.3);
  // Not in the seed models.
  ok &= measure("qs8 avgpool 2x2 16x16x64", avg_pool_graph(16, 16, 64), 0.3);
  ok &= measure("qs8 depthwise 3x3 same 16x16x64", depthwise_graph(16, 16, 64, rng), 0.3);
  ok &= measure("qs8 requantize 32x32x3", requantize_graph(32 * 32 * 3), 0.3);
  for (int i = 1; i < argc; ++i) {
    auto g = tflite::load_tflite(argv[i]);
    if (!g.ok()) {
      std::fprintf(stderr, "%s\n", g.status().message().c_str());
      return 1;
    }
    std::string name = argv[i];
    name = "model " + name.substr(name.find_last_of('/') + 1);
    ok &= measure(name, g.value(), 1.0);
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace octet

int main(int argc, char** argv) { return octet::run(argc, argv); }
