// Int8 inference latency, reference vs automatic (optimized) kernels: for each .tflite model given,
// the whole model at batch 1 on one thread (and batch 256 on two threads), then every CONV_2D and
// FULLY_CONNECTED alone (a one-op graph cut from the model) with its G MAC/s and share of the
// int8 peak. Usage: int8_latency_bench [--quick] [--peak GMACS] model.tflite...
// (--quick: fewer timed runs; --peak: the peak to compare with instead of measuring it here, for a
// busy machine where the measurement is meaningless.)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/common/peak.h"
#include "eval/latency.h"
#include "tflite/reader.h"

namespace {

using octet::runtime::Graph;
using octet::runtime::KernelChoice;
using octet::runtime::Op;
using octet::runtime::OpType;

// A graph holding only op `index` of g: its activation input becomes the graph input, its
// constants are copied.
Graph single_op_graph(const Graph& g, int index) {
  Graph s;
  const Op& op = g.ops[index];
  Op copy = op;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    if (op.inputs[i] < 0) continue;
    copy.inputs[i] = s.add_tensor(g.tensors[op.inputs[i]]);
    if (!g.tensors[op.inputs[i]].is_constant) s.inputs.push_back(copy.inputs[i]);
  }
  copy.outputs[0] = s.add_tensor(g.tensors[op.outputs[0]]);
  s.outputs.push_back(copy.outputs[0]);
  s.ops.push_back(copy);
  return s;
}

// Multiply-accumulates per image of a CONV_2D / FULLY_CONNECTED op, from its prepared shapes.
double macs_per_image(const Graph& one_op) {
  octet::runtime::InterpreterOptions o;
  auto interp = octet::runtime::Interpreter::create(one_op, o);
  if (!interp.ok()) return 0;
  const auto& w = one_op.tensors[one_op.ops[0].inputs[1]].shape;
  double filter = 1;
  for (size_t i = 1; i < w.size(); ++i) filter *= w[i];  // KH*KW*Cin, or depth
  double outputs = 1;
  for (int32_t d : interp.value()->output_shape(0)) outputs *= d;
  return outputs * filter;
}

double latency_us(const Graph& g, KernelChoice kernels, int batch, int threads, bool quick) {
  octet::eval::LatencyOptions o;
  o.kernels = kernels;
  o.batch = batch;
  o.threads = threads;
  if (quick || kernels == KernelChoice::kReference || batch > 1) {
    o.min_runs = 50;
    o.min_seconds = 0.3;
    o.max_seconds = 5;
    o.warmup_runs = 3;
  }
  auto r = octet::eval::measure_latency(g, o);
  if (!r.ok()) {
    std::fprintf(stderr, "latency: %s\n", r.status().message().c_str());
    return -1;
  }
  return r.value().us_per_image_median;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  double peak = 0;
  std::vector<std::string> models;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (std::strcmp(argv[i], "--peak") == 0 && i + 1 < argc) {
      peak = std::atof(argv[++i]);
      if (!(peak > 0)) {
        std::fprintf(stderr, "--peak: '%s' is not a positive G MAC/s figure\n", argv[i]);
        return 2;
      }
    } else {
      models.push_back(argv[i]);
    }
  }
  if (models.empty()) {
    std::fprintf(stderr, "usage: int8_latency_bench [--quick] [--peak GMACS] model.tflite...\n");
    return 2;
  }
  if (peak == 0) {
    peak = octet::bench::measure_int8_peak().gmacs;
    std::printf("int8 peak, one core (measured): %.1f G MAC/s\n", peak);
  } else {
    std::printf("int8 peak, one core (given): %.1f G MAC/s\n", peak);
  }
  int status = 0;
  for (const std::string& path : models) {
    auto graph = octet::tflite::load_tflite(path);
    if (!graph.ok()) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), graph.status().message().c_str());
      status = 1;
      continue;
    }
    const Graph& g = graph.value();
    const double ref = latency_us(g, KernelChoice::kReference, 1, 1, quick);
    const double opt = latency_us(g, KernelChoice::kAuto, 1, 1, quick);
    const double opt256 = latency_us(g, KernelChoice::kAuto, 256, 2, quick);
    std::printf("\n%s\n  batch 1, 1 thread: reference %.1f us, auto %.1f us (x%.1f); "
                "batch 256, 2 threads, auto: %.2f us/image\n",
                path.c_str(), ref, opt, ref / opt, opt256);
    for (int i = 0; i < static_cast<int>(g.ops.size()); ++i) {
      const OpType t = g.ops[i].type;
      if (t != OpType::kConv2D && t != OpType::kFullyConnected) continue;
      const Graph one = single_op_graph(g, i);
      const double macs = macs_per_image(one);
      const double r = latency_us(one, KernelChoice::kReference, 1, 1, quick);
      const double a = latency_us(one, KernelChoice::kAuto, 1, 1, quick);
      std::printf("  op %2d %-15s %9.0f MACs: reference %8.1f us, auto %7.2f us = %5.1f G MAC/s "
                  "(%4.1f%% of peak)\n",
                  i, t == OpType::kConv2D ? "CONV_2D" : "FULLY_CONNECTED", macs, r, a,
                  macs / a * 1e-3, 100 * macs / a * 1e-3 / peak);
    }
  }
  return status;
}
