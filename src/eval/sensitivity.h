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
  std::vector<int> kept;        // op indices kept float32 so far
  std::vector<std::string> kept_names;  // their output tensors
  double accuracy = 0, drop_pp = 0;
  int64_t file_bytes = 0;       // the serialized .tflite (with the quantization record)
  double us_per_image = 0;      // measure_latency median, batch 1, one thread
};

struct MaxDropOptions {
  SensitivityOptions sensitivity;
  double max_drop_pp = 0.1;
  double latency_seconds = 0.3;  // minimum timing per step (measure_latency min_seconds)
  nlohmann::json record_extra = nlohmann::json::object();  // merged into each step's quantization record
};

struct MaxDropResult {
  SensitivityResult sensitivity;
  int64_t float_file_bytes = 0;
  double float_us_per_image = 0;
  std::vector<MixedStep> steps;  // steps[0] keeps nothing; the last one is the chosen model
  bool met = false;              // the last step is within the budget
  runtime::Graph graph;          // the chosen model, quantization record set
  quant::QuantizeReport report;
  nlohmann::json record;
};

// Greedy search: ranks the ops by layer_sensitivity (skipped when the all-int8 model is already
// within the budget), then keeps them float32 one at a time in that order.
Result<MaxDropResult> keep_float_within_drop(const runtime::Graph& float_graph,
                                             const quant::CalibrationResult& calibration,
                                             const data::Dataset& held_out, const MaxDropOptions& options);

}  // namespace octet::eval
