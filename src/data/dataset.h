// An in-memory image classification dataset: uint8 pixels NHWC (4x smaller than float;
// scaled to [0,1] only when a batch is formed) and one label per image.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace octet::data {

struct Dataset {
  int height = 0, width = 0, channels = 0;
  std::vector<std::string> class_names;  // index = label
  std::vector<uint8_t> pixels;           // size() * height * width * channels
  std::vector<uint8_t> labels;           // one per image, < class_names.size()

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  int64_t image_bytes() const { return int64_t{height} * width * channels; }
  int num_classes() const { return static_cast<int>(class_names.size()); }
  const uint8_t* image(int64_t i) const { return pixels.data() + i * image_bytes(); }
};

struct DataSplits {
  std::string name;    // human name for reports, e.g. "MNIST", "CIFAR-10 (JPEG copy)"
  std::string source;  // the path it was read from
  Dataset train, test;
};

}  // namespace octet::data
