// Cross-layer equalization (quantization.md §6.7, Nagel et al. 2019): for two weight layers in a
// row, output channel c of the first is scaled by 1/s_c and the second's input channel c by s_c,
// with s_c = sqrt(r1_c * r2_c) / r2_c (r = max |w| of the channel), so both channels end with the
// range sqrt(r1_c * r2_c). The float function is unchanged because every op between the two is
// positively homogeneous per channel (ReLU, max/average pooling, spatial MEAN, RESHAPE).
#pragma once

#include <string>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/status.h"
#include "runtime/graph.h"

namespace octet::quant {

// Two CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED ops joined through `channels` channels: the
// index i of the last axis of every tensor between them (or of the second op's flattened input)
// is channel i % channels.
struct EqualizePair {
  int first_op = -1, second_op = -1;
  int channels = 0;
  std::string description;  // "CONV_2D #0 -> MAX_POOL_2D -> CONV_2D #2 (32 channels)"
};

struct EqualizeReport {
  std::vector<EqualizePair> pairs;
  // Weight layers left alone and why: a fused or separate RELU6 (not positively homogeneous), a
  // tensor with another consumer or that is a graph output, shared weights, another op between.
  std::vector<std::string> skipped;
  int iterations = 0;
  bool converged = false;
};

struct EqualizeOptions {
  int max_iterations = 100;
  double tolerance = 1e-6;  // stop when every s_c is within this of 1
};

// The pairs equalize_graph() would rescale, and why the other weight layers are skipped.
EqualizeReport find_equalize_pairs(const runtime::Graph& graph);

// Rescales the float32 weights and biases of every pair in place, sweeping over all pairs until
// convergence. Errors: a pair whose weight shapes do not match its channel count (names the op).
Result<EqualizeReport> equalize_graph(runtime::Graph& graph, const EqualizeOptions& options = {});

// max |w| of each output channel of the pair's first op (r1) and of each input channel of its
// second op (r2), channels folded modulo pair.channels.
std::vector<double> first_channel_ranges(const runtime::Graph& graph, const EqualizePair& pair);
std::vector<double> second_channel_ranges(const runtime::Graph& graph, const EqualizePair& pair);

// Lines for the quantize report (stderr) and the same as JSON.
std::string format_equalize_report(const EqualizeReport& report);
nlohmann::json equalize_report_json(const EqualizeReport& report);

}  // namespace octet::quant
