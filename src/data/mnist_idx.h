// MNIST in the IDX format (raw or gzip): images magic 0x00000803 (N, H, W uint8), labels
// magic 0x00000801 (N uint8), big-endian header. Every size field is checked against the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/dataset.h"

namespace octet::data {

// Parses an IDX3 ubyte image file held in `bytes` into d (height, width, channels = 1, pixels).
// `name` is used in error messages. Moves the pixel bytes out of `bytes` (no copy).
Status parse_idx_images(std::vector<uint8_t>& bytes, const std::string& name, Dataset* d);

// Parses an IDX1 ubyte label file into d->labels; every label must be < num_classes.
Status parse_idx_labels(const std::vector<uint8_t>& bytes, const std::string& name,
                        int num_classes, Dataset* d);

// True when dir holds train-images-idx3-ubyte or its .gz.
bool is_mnist_dir(const std::string& dir);

// Loads DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]. Name "MNIST", classes "0".."9".
Result<DataSplits> load_mnist_dir(const std::string& dir);

}  // namespace octet::data
