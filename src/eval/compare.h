// Layer-by-layer comparison of two models on the same images (`octet compare`): typically a float
// model as the reference and its quantized version under test. Both run in octet's interpreter
// with every tensor preserved; intermediate tensors are paired (by name, else by op position),
// integer tensors are dequantized (real = S * (q - Z)), and the error of each pair is summarised
// as SQNR and max abs error. At the end: top-1 agreement of the two models and each one's accuracy.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/dataset.h"
#include "runtime/graph.h"
#include "runtime/ops/registry.h"

namespace octet::eval {

// Error of a test signal against a reference signal, accumulated over any number of chunks.
struct ErrorStats {
  double signal_sq = 0;  // sum of reference^2
  double noise_sq = 0;   // sum of (reference - test)^2
  double max_abs = 0;    // max |reference - test|
  int64_t count = 0;

  void add(const float* reference, const float* test, int64_t n);
  void merge(const ErrorStats& other);
  // 10 log10(signal_sq / noise_sq) in dB: +inf when the signals are identical (noise 0), -inf
  // when the reference is all zeros but the test is not, NaN when nothing was added.
  double sqnr_db() const;
  double rms_error() const;
};

// SQNR of `test` against `reference` (equal sizes), as ErrorStats::sqnr_db.
double sqnr_db(std::span<const float> reference, std::span<const float> test);

// The values of a tensor with the given runtime shape as floats: float32 copied, float16 widened,
// int8/uint8/int16/int32 dequantized with the tensor's scale and zero point (per tensor or per
// channel along quant.axis); integer tensors without quantization are converted as plain numbers.
Status dequantize_to_float(const runtime::Tensor& info, const std::vector<int32_t>& shape, const void* data,
                           std::vector<float>& out);

// One pair of corresponding activations: a tensor of the reference graph and one of the test graph.
struct TensorMatch {
  int32_t reference_tensor = -1;
  int32_t test_tensor = -1;
  int32_t reference_op = -1;  // op producing the reference tensor; -1 for the graph input
  bool by_name = false;       // false: paired by position among ops of the same type
};

// Pairs the graph input and every op output of `reference` with the test graph's. A reference tensor
// is first looked up by name (octet's quantizer keeps names); the rest are paired in order with the
// next unclaimed test op of the same type (TensorFlow's converter renames everything). QUANTIZE and
// DEQUANTIZE ops are skipped on both sides (boundary conversions, float16 weight expansion).
// Reference tensors without a counterpart are left out.
std::vector<TensorMatch> match_tensors(const runtime::Graph& reference, const runtime::Graph& test);

struct LayerComparison {
  std::string name;       // reference tensor name
  std::string op;         // reference op type ("input" for the graph input)
  std::string test_name;  // test tensor name
  bool by_name = false;
  std::string reference_type, test_type;  // "float32", "int8", ...
  std::vector<int32_t> shape;             // reference shape at batch 1
  ErrorStats stats;
  std::string note;  // why it could not be compared (e.g. element counts differ), else empty
};

struct CompareOptions {
  int64_t samples = 1000;  // first N images of the dataset (all when <= 0 or more than there are)
  int batch = 100;
  int threads = 1;
  runtime::KernelChoice kernels = runtime::KernelChoice::kAuto;  // for both models
  bool progress = true;  // a progress bar on stderr (callers comparing many models draw their own)
};

struct CompareResult {
  int64_t samples = 0;
  std::vector<LayerComparison> layers;
  int64_t top1_agree = 0;
  int64_t reference_correct = 0, test_correct = 0;
  double top1_agreement() const { return samples ? static_cast<double>(top1_agree) / samples : 0; }
  double reference_accuracy() const { return samples ? static_cast<double>(reference_correct) / samples : 0; }
  double test_accuracy() const { return samples ? static_cast<double>(test_correct) / samples : 0; }
};

// Runs both graphs on the same images (pixels in [0,1]; an integer input is quantized with its own
// scale and zero point as TFLite's reference QUANTIZE does) and compares them. Errors name the graph
// (as "reference model" / "test model") whose interpreter failed.
Result<CompareResult> compare_graphs(const runtime::Graph& reference, const runtime::Graph& test,
                                     const data::Dataset& d, const CompareOptions& options);

}  // namespace octet::eval
