// Fuzzes the MNIST IDX parsers: the same bytes as an IDX3 image file and as an IDX1 label file.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/mnist_idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::vector<uint8_t> bytes(data, data + size);
    octet::data::Dataset d;
    (void)octet::data::parse_idx_images(bytes, "fuzz", &d);
  }
  {
    std::vector<uint8_t> bytes(data, data + size);
    octet::data::Dataset d;
    (void)octet::data::parse_idx_labels(bytes, "fuzz", 10, &d);
  }
  return 0;
}
