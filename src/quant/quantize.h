// Post-training quantization of a float32 runtime::Graph (as nn::export_graph or a float .tflite
// gives it) into the three forms the TFLite converter produces:
//   int8     full-integer (quantization.md §1, §2): int8 activations from calibrated ranges,
//            symmetric per-channel int8 weights, int32 biases, int8/uint8/float model I/O (§2.8);
//   dynamic  dynamic-range / hybrid (§5.1): int8 weights of >= 1024 elements, float elsewhere;
//   float16  (§5.4): float16 constants, each dequantized to float32 by a DEQUANTIZE op;
//   int16x8  TFLite's 16x8 mode: symmetric int16 activations (zero point 0, S = max|range| / 32767)
//            from calibrated ranges, per-channel int8 weights, int64 biases, float32 model I/O.
//            SOFTMAX stays float32 behind a DEQUANTIZE (octet has no int16 SOFTMAX).
// The result is exactly TFLite's layout, so tflite::save_tflite writes a file TFLite runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "quant/calibrate.h"
#include "quant/equalize.h"
#include "runtime/graph.h"

namespace octet::quant {

// Metadata name of the quantization record stored next to nn's "octet.training".
inline constexpr const char* kQuantizationMetadataName = "octet.quantization";

enum class Mode { kInt8, kDynamic, kFloat16, kInt16x8 };
enum class IoType { kInt8, kUInt8, kFloat };
const char* mode_name(Mode m);   // "int8", "dynamic", "float16", "int16x8"
bool is_calibrated(Mode m);      // int8 and int16x8: activations from calibrated ranges
const char* io_name(IoType t);   // "int8", "uint8", "float"
Result<Mode> parse_mode(const std::string& s);
Result<IoType> parse_io(const std::string& s);

struct QuantizeOptions {
  Mode mode = Mode::kInt8;
  bool per_channel = true;            // false: one weight scale per tensor (§2.4 per-tensor path)
  IoType io = IoType::kInt8;          // int8 mode only
  int64_t dynamic_min_elements = 1024;  // dynamic mode: smaller weight tensors stay float (§5.1)
  // Store the calibrated min/max of activations and the per-channel min/max of weights in the
  // file's QuantizationParameters. TFLite never reads them and the converter does not write them,
  // so they are off by default (8 bytes per weight channel and per activation, plus vectors).
  bool keep_ranges = false;
  // int8 mode: narrower ranges inside the int8 containers (qparams.h), 8 = TFLite's int8.
  int weight_bits = 8;      // weights in [-(2^(N-1) - 1), 2^(N-1) - 1]
  int activation_bits = 8;  // activations in [-2^(N-1), 2^(N-1) - 1] (softmax output stays 8-bit)
  // int8 mode, empirical bias correction (quantization.md §6.7, Nagel et al. 2019): each bias
  // becomes b - (W_q - W) E[x], with E[x] the per-channel input means recorded by calibrate()
  // (CalibrationOptions::channel_means; padding taps are not modelled).
  bool bias_correction = false;
  // Cross-layer equalization of the float graph before calibration (equalize.h, §6.7).
  bool equalize = false;
  // int8 mode, mixed precision: operators kept in float32, each named by its output tensor or by
  // its index ("3"). A kept op reads float inputs (DEQUANTIZE after an int8 producer) and its
  // output is quantized again (QUANTIZE, calibrated parameters) for int8 consumers; consecutive
  // kept ops share float32 tensors. Empty: the int8 graph exactly as without this option.
  std::vector<std::string> keep_float;
  // int8 mode with per_channel = false: these ops (named as keep_float) get per-channel weights.
  std::vector<std::string> per_channel_ops;
  // int8 mode: these ops (named as keep_float) compute with int16 activations as in int16x8 mode
  // (int64 bias); their borders with int8 ops pass through float32 (DEQUANTIZE, QUANTIZE).
  std::vector<std::string> int16_ops;
};

// The ops `names` designate (QuantizeOptions::keep_float), as a flag per op of `graph`. An unknown
// name or an index out of range is an error naming it.
Result<std::vector<bool>> resolve_ops(const runtime::Graph& graph, const std::vector<std::string>& names);

// One row per op (and one for each graph input), in execution order.
struct LayerReport {
  int op_index = -1;  // -1 for a graph input
  std::string op;     // "CONV_2D", or "INPUT"
  std::string output;
  // int8 / int16x8 modes: the output activation's calibrated range and chosen parameters (int16
  // ones for an op with 16-bit activations, noted "int16 activations").
  bool has_output_params = false;
  float min = 0, max = 0, scale = 0;
  int32_t zero_point = 0;
  std::string params_from;  // "calibrated", "input" (pool/reshape), "fixed" (softmax)
  // Weights (input 1 of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED) and bias.
  std::string weights;        // tensor name, empty when the op has none
  std::string weights_quant;  // e.g. "int8 per-channel (32)", "float32 (288 < 1024 elements)"
  float weight_scale_min = 0, weight_scale_max = 0;
  std::string bias_quant;     // "int32", "int64", "float32", "float16", "none"
  bool kept_float = false;    // the op computes in float32 (keep_float, or SOFTMAX in 16-bit)
  std::vector<std::string> notes;
};

struct QuantizeReport {
  Mode mode = Mode::kInt8;
  IoType io = IoType::kInt8;
  bool per_channel = true;
  std::vector<LayerReport> layers;
  std::vector<std::string> warnings;  // degenerate cases: widened ranges, zero channels, ...
  int64_t float_constant_bytes = 0;      // constants of the float graph
  int64_t quantized_constant_bytes = 0;  // constants of the quantized graph
  int64_t weights_quantized = 0;   // constant tensors converted (float16: biases included)
  int64_t weights_kept_float = 0;  // dynamic: weight tensors below the element threshold
};

struct QuantizeResult {
  runtime::Graph graph;
  QuantizeReport report;
};

// Refuses graphs that are already quantized (any int8/uint8/int16/float16 tensor, quantization
// parameters, or a QUANTIZE/DEQUANTIZE op) and float constants holding NaN or Inf (names the
// tensor).
Status check_float_graph(const runtime::Graph& graph);

// int8 mode needs `calibration` (from calibrate() on the same graph); other modes ignore it.
Result<QuantizeResult> quantize_graph(const runtime::Graph& graph, const CalibrationResult* calibration,
                                      const QuantizeOptions& options);

// The record stored as "octet.quantization" (compact JSON): mode, per_channel, io (int8),
// min_elements (dynamic), keep_ranges (only when set), weight_bits / activation_bits (only when
// below 8), bias_correction and equalize (only when set), keep_float and per_channel_ops (as given, only when set), and for int8 the calibration method (and percentile for "percentile"),
// samples, seed and FNV-1a hash of the sample indices (samples_requested only when it differs
// from samples). `extra` entries (e.g. the dataset) are merged in.
nlohmann::json quantization_record(const QuantizeOptions& options, const CalibrationResult* calibration,
                                   const nlohmann::json& extra = nlohmann::json::object());
// Adds (or replaces) the "octet.quantization" metadata entry.
void set_quantization_metadata(runtime::Graph& graph, const nlohmann::json& record);

// The whole post-training step of `octet quantize` and experiments: for int8, calibrate on
// `calibration_set` (required then; ignored otherwise) with `calibration_options`, quantize, and
// store the quantization record (with `extra` merged in) as metadata. With
// QuantizeOptions::equalize the float graph is equalized first (int8 only).
struct PtqResult {
  QuantizeResult quantized;
  std::optional<CalibrationResult> calibration;  // int8 only
  std::optional<EqualizeReport> equalization;    // with QuantizeOptions::equalize
  nlohmann::json record;                         // as stored in the graph
};
Result<PtqResult> post_training_quantize(const runtime::Graph& float_graph, const data::Dataset* calibration_set,
                                         const QuantizeOptions& options,
                                         const CalibrationOptions& calibration_options,
                                         const nlohmann::json& extra = nlohmann::json::object());

// Human-readable table (for stderr) and JSON of a report.
std::string format_report(const QuantizeReport& report);
nlohmann::json report_json(const QuantizeReport& report);

}  // namespace octet::quant
