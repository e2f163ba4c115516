// A grid of sample predictions as SVG: each cell a test image (embedded PNG data URI, upscaled
// crisply) with the caption "true 7 / pred 7 (99.1%)"; wrong predictions are outlined in red.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace octet::report {

struct GridCell {
  int width = 0, height = 0, channels = 0;  // channels 1 (gray) or 3 (RGB)
  std::vector<uint8_t> pixels;              // HWC, width * height * channels
  int true_label = 0, predicted_label = 0;
  double confidence = 0;  // of the predicted class, in [0, 1]
};

struct GridOptions {
  int columns = 8;
  int scale = 3;                         // integer upscaling factor of the pixels
  std::vector<std::string> class_names;  // captions use names when given, else label numbers
  std::string title;
};

// Errors name the offending cell (pixel count not width * height * channels, bad channels).
Result<std::string> render_prediction_grid(const std::vector<GridCell>& cells, const GridOptions& options);

}  // namespace octet::report
