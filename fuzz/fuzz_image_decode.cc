// Fuzzes JPEG/PNG decoding (format chosen by the leading bytes, as the image-tree loader does).
#include <cstddef>
#include <cstdint>

#include "data/image_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  octet::data::DecodedImage img;
  if (octet::data::decode_image(data, size, &img).ok()) {
    // A success must describe its buffer exactly.
    if (img.pixels.size() != static_cast<size_t>(img.height) * img.width * img.channels) {
      __builtin_trap();
    }
  }
  return 0;
}
