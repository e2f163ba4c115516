// Runs a model graph over a dataset with octet's interpreter: predictions, accuracy,
// per-class accuracy, confusion matrix and throughput. Used by `octet eval` and experiments.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"
#include "runtime/graph.h"
#include "runtime/interpreter.h"

namespace octet::eval {

struct EvalOptions {
  int batch = 256;
  int threads = 1;
  int64_t limit = 0;  // evaluate only the first `limit` images when > 0
  // int8 FULLY_CONNECTED requantization: integer (TFLite Micro, TF <= 2.19) or double-precision
  // float (TF >= 2.20 reference kernels); see ../shared/docs/quantization.md 3.6.
  runtime::FcRequant fc_requant = runtime::FcRequant::kInteger;
  runtime::KernelChoice kernels = runtime::KernelChoice::kAuto;
};

struct EvalResult {
  int64_t samples = 0;
  int64_t correct = 0;
  std::vector<uint8_t> predictions;  // one per image
  std::vector<float> confidence;     // probability (or output value) of the predicted class
  int num_classes = 0;
  std::vector<int64_t> confusion;    // [true][predicted], num_classes^2
  double inference_seconds = 0;      // time inside the interpreter only
  int64_t non_finite_outputs = 0;    // NaN or Inf output values (their images' predictions mean nothing)
  double accuracy() const { return samples ? static_cast<double>(correct) / static_cast<double>(samples) : 0; }
  double images_per_second() const { return inference_seconds > 0 ? samples / inference_seconds : 0; }
  double class_accuracy(int c) const;
};

// Optional copies of the exact input and output tensor bytes, image after image.
struct EvalCapture {
  bool inputs = false, outputs = false;
  std::vector<uint8_t> input_bytes, output_bytes;
};

// Pixels are scaled to [0,1]; an int8/uint8 input is then quantized with the input tensor's
// scale and zero point (q = round(x / S) + Z), exactly as a deployer must do.
Result<EvalResult> evaluate_graph(const runtime::Graph& graph, const data::Dataset& d, const EvalOptions& options,
                                  EvalCapture* capture = nullptr);

// Confusion matrix as aligned text, rows = true class, columns = predicted.
std::string format_confusion(const EvalResult& r, const std::vector<std::string>& class_names);

}  // namespace octet::eval
