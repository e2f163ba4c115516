// Fuzzes the CIFAR-10 binary parsers: one batch file and batches.meta.txt.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/cifar_bin.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  octet::data::Dataset d;
  d.height = d.width = octet::data::kCifarSide;
  d.channels = 3;
  d.class_names = octet::data::cifar10_class_names();
  (void)octet::data::append_cifar_batch(data, size, "fuzz", &d);
  std::vector<uint8_t> bytes(data, data + size);
  (void)octet::data::parse_cifar_meta(bytes, "fuzz");
  return 0;
}
