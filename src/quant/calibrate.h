// Calibration (quantization.md §2.2): runs the float graph on a seeded sample of a dataset's
// training split and records, for every activation tensor (graph inputs and every op output),
// the range an Observer derives from all the values it took.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/dataset.h"
#include "quant/observer.h"
#include "runtime/graph.h"

namespace octet::quant {

struct CalibrationOptions {
  int64_t samples = 500;         // clamped (with a warning) to the images available
  uint64_t seed = 42;            // picks the images
  std::string method = "minmax";
  ObserverOptions observer;      // percentile, activation bits
  int batch = 64;                // images per interpreter call
  int threads = 1;
  bool progress = true;          // progress bar on stderr
  bool channel_means = false;    // also record TensorRange::channel_mean (for bias correction)
};

struct TensorRange {
  bool observed = false;  // an activation tensor the calibration ran through
  ObservedRange range;
  // With CalibrationOptions::channel_means: the mean of each index of the last axis (a channel of
  // an NHWC activation, a feature of a fully connected input) over all other axes and images.
  std::vector<double> channel_mean;
};

struct CalibrationResult {
  std::string method;
  ObserverOptions observer;
  uint64_t seed = 0;
  int64_t samples_requested = 0;
  std::vector<int64_t> indices;  // images used, ascending
  uint64_t indices_hash = 0;     // fnv1a64 of `indices` (int64 little-endian)
  std::vector<TensorRange> ranges;  // by graph tensor index
  std::vector<std::string> warnings;
  double seconds = 0;
  int64_t samples() const { return static_cast<int64_t>(indices.size()); }
};

// `n` distinct indices in [0, available), drawn by a seeded partial Fisher-Yates shuffle and
// returned ascending. n must be <= available.
std::vector<int64_t> draw_calibration_indices(int64_t available, int64_t n, uint64_t seed);

// Errors: an empty dataset or samples < 1, an image shape that differs from the graph input, a
// graph that is not a single-input float32 graph, a non-finite input value (names the image),
// an activation that reaches +-Inf or only ever holds NaN (names the tensor).
Result<CalibrationResult> calibrate(const runtime::Graph& graph, const data::Dataset& train,
                                    const CalibrationOptions& options);

}  // namespace octet::quant
