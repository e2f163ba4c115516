// JPEG (libjpeg-turbo) and PNG (libpng) decoding from memory into 8-bit grey or RGB, HWC.
// Library errors are caught with setjmp/longjmp and returned; nothing aborts or exits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace octet::data {

struct DecodedImage {
  int height = 0, width = 0, channels = 0;  // channels is 1 (grey) or 3 (RGB)
  std::vector<uint8_t> pixels;              // height * width * channels, HWC
};

// Images above this many pixels are refused before their buffer is allocated.
constexpr int64_t kMaxImagePixels = int64_t{1} << 26;

// Decodes a JPEG or PNG, chosen by the leading bytes (not the file name).
// Grey stays 1 channel; colour becomes RGB. PNG palettes are expanded, 16-bit samples keep
// their high byte and alpha is dropped (as PIL's convert("RGB") does). Any libjpeg warning
// (truncated or corrupt data) is an error: silently grey-filled images would poison training.
// The error message does not include a file name; callers add it with with_context().
Status decode_image(const uint8_t* data, size_t size, DecodedImage* out);
Status decode_jpeg(const uint8_t* data, size_t size, DecodedImage* out);
Status decode_png(const uint8_t* data, size_t size, DecodedImage* out);

}  // namespace octet::data
