// PNG encoding (libpng) and base64, for images embedded in SVG and HTML as data URIs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace octet::report {

// Encodes 8-bit pixels, rows top to bottom, interleaved channels: 1 = gray, 3 = RGB, 4 = RGBA.
Result<std::vector<uint8_t>> encode_png(std::span<const uint8_t> pixels, int width, int height, int channels);

// Nearest-neighbour upscaling by an integer factor (crisp pixels, whatever renders the image).
std::vector<uint8_t> upscale_nearest(std::span<const uint8_t> pixels, int width, int height, int channels,
                                     int factor);

// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::span<const uint8_t> bytes);

// "data:image/png;base64,..." for PNG bytes.
std::string png_data_uri(std::span<const uint8_t> png);

}  // namespace octet::report
