// Layer sensitivity and mixed precision (`octet sensitivity`, `octet quantize --max-drop`).
// Both measure accuracy on a held-out split: the last N images of the training split, which the
// calibration never draws from (it samples the images before them) and which is distinct from the
// test split the final figures are reported on.
//   sensitivity: for each op, the int8 model with only that op quantized (every other op kept
//                float32, quant::QuantizeOptions::keep_float), its accuracy drop versus the float
//                model and the SQNR of its output and of the model output;
//   max drop:    starting from the all-int8 model, keep the most sensitive op float32, then the
//                next, until the drop is within the budget; every step's accuracy, bytes and µs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "data/dataset.h"
#include "quant/calibrate.h"
#include "quant/quantize.h"
#include "runtime/graph.h"
#include "runtime/interpreter.h"

namespace octet::eval {

// The training split cut in two: `calibration` (all but the last `held_out` images) and
// `held_out` (the last ones). Refuses held_out < 1 or a cut leaving no calibration image.
struct HeldOutSplit {
  data::Dataset calibration, held_out;
};
Result<HeldOutSplit> split_held_out(const data::Dataset& train, int64_t held_out);

struct SensitivityOptions {
  quant::QuantizeOptions quantize;  // int8; keep_float is set per candidate
  int batch = 100;
  int threads = 1;
  runtime::KernelChoice kernels = runtime::KernelChoice::kAuto;
  bool progress = true;  // one progress bar on stderr over all ops
};

struct OpSensitivity {
  int op_index = -1;
  std::string op, output;
  double accuracy = 0;       // held-out top-1 with only this op quantized
  double drop_pp = 0;        // float accuracy - accuracy, percentage points
  double op_sqnr_db = 0;     // this op's output vs the float model's (inf when identical)
  double model_sqnr_db = 0;  // the model output vs the float model's
};

struct SensitivityResult {
  int64_t held_out = 0;
  double float_accuracy = 0;
  double int8_accuracy = 0;  // every op quantized
  std::vector<OpSensitivity> ops;  // most sensitive first: larger drop, then lower model SQNR
};

// `calibration` comes from quant::calibrate on `float_graph` (on HeldOutSplit::calibration).
Result<SensitivityResult> layer_sensitivity(const runtime::Graph& float_graph, const quant::CalibrationResult& calibration,
                                            const data::Dataset& held_out, const SensitivityOptions& options);

struct MixedStep {
  std::string change;           // what this step tried, e.g. "keep conv2 float32"
  bool accepted = false;        // kept for the following steps (a ladder rung that does not help is not)
  std::vector<int> kept;        // op indices kept float32 so far
  std::vector<std::string> kept_names;  // their output tensors
  double accuracy = 0, drop_pp = 0;
  int64_t file_bytes = 0;       // the serialized .tflite (with the quantization record)
  double us_per_image = 0;      // measure_latency median, batch 1, one thread
  std::vector<std::string> per_channel;  // ladder: ops given per-channel weights
  std::vector<std::string> int16;        // ladder: ops computing with int16 activations (16x8)
  nlohmann::json clipping = nlohmann::json::object();  // ladder: op output -> calibration method of its range
};

struct MaxDropOptions {
  SensitivityOptions sensitivity;
  double max_drop_pp = 0.1;
  double latency_seconds = 0.3;  // minimum timing per step (measure_latency min_seconds)
  nlohmann::json record_extra = nlohmann::json::object();  // merged into each step's quantization record
  // The remediation ladder: before keeping an op float32, try per-channel weights (when the
  // quantization is per-tensor), then its output range from each of `clipping` in order
  // (calibrations of the same images by other methods, e.g. percentile and mse), then int16
  // activations for it (TFLite's 16x8 kernels; DEQUANTIZE/QUANTIZE borders with int8 ops).
  bool ladder = false;
  std::vector<quant::CalibrationResult> clipping;
};

struct MaxDropResult {
  SensitivityResult sensitivity;
  int64_t float_file_bytes = 0;
  double float_us_per_image = 0;
  std::vector<MixedStep> steps;  // steps[0] is every op int8; then one change per step
  int chosen = 0;                // the step written: the last accepted one
  bool met = false;              // the chosen step is within the budget
  runtime::Graph graph;          // the chosen model, quantization record set
  quant::QuantizeReport report;
  nlohmann::json record;
};

// Greedy search: ranks the ops by layer_sensitivity (skipped when the all-int8 model is already
// within the budget), then keeps them float32 one at a time in that order (with the ladder's
// rungs tried first for each), stopping as soon as the budget is met.
Result<MaxDropResult> keep_float_within_drop(const runtime::Graph& float_graph,
                                             const quant::CalibrationResult& calibration,
                                             const data::Dataset& held_out, const MaxDropOptions& options);

}  // namespace octet::eval
