// What `octet sensitivity` and `octet quantize --max-drop` share: the training split cut into
// calibration images and a held-out split (its last N images), and the calibration on the former.
#pragma once

#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "eval/sensitivity.h"
#include "quant/calibrate.h"

namespace octet::cli {

// The --held-out help text, shared so both commands say the same.
inline constexpr const char* kHeldOutHelp =
    "Accuracy is measured on the last N training images (the held-out split); calibration draws only "
    "from the images before them, and the test split is not used";

struct HeldOutCalibration {
  std::string dataset;  // e.g. "MNIST"
  eval::HeldOutSplit split;
  quant::CalibrationResult calibration;
};

// Holds out the last `held_out` training images of `splits` and calibrates `graph` on the rest.
// Errors name `model` or the dataset.
Result<HeldOutCalibration> calibrate_with_held_out(const runtime::Graph& graph, const std::string& model,
                                                   const data::DataSplits& splits, int64_t held_out,
                                                   const quant::CalibrationOptions& options);

}  // namespace octet::cli
