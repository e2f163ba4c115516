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

// How the loaders run: image trees are decoded by `threads` workers (output order does not
// depend on it) and progress goes to stderr unless disabled (or Progress::set_quiet).
struct LoadOptions {
  int threads = 2;
  bool progress = true;
};

// Moves a seeded random `fraction` (in [0, 1]; round(fraction * N) images) of `train` into
// the returned validation set. Both keep their images in their original relative order, so
// the result depends only on the seed and the input. Out-of-range fractions are a caller bug
// (the CLI validates its arguments) and abort.
Dataset split_validation(Dataset& train, double fraction, uint64_t seed);

// Writes images indices[0..n) as float NHWC, x/255 in [0, 1]: out holds n * image_bytes().
void to_float(const Dataset& d, const int64_t* indices, int n, float* out);

// Writes the labels of images indices[0..n) to out[0..n).
void labels_of(const Dataset& d, const int64_t* indices, int n, int32_t* out);

// Number of images per label (size num_classes()).
std::vector<int64_t> class_counts(const Dataset& d);

}  // namespace octet::data
