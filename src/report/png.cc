#include "report/png.h"

#include <png.h>

#include <csetjmp>

namespace octet::report {
namespace {

struct PngWriter {
  std::vector<uint8_t> out;
  std::string error;
};

void png_write_mem(png_structp png, png_bytep data, png_size_t n) {
  auto* w = static_cast<PngWriter*>(png_get_io_ptr(png));
  w->out.insert(w->out.end(), data, data + n);
}
void png_flush_mem(png_structp) {}
void png_on_error(png_structp png, png_const_charp msg) {
  static_cast<PngWriter*>(png_get_error_ptr(png))->error = msg;
  png_longjmp(png, 1);
}
void png_on_warning(png_structp, png_const_charp) {}

}  // namespace

Result<std::vector<uint8_t>> encode_png(std::span<const uint8_t> pixels, int width, int height, int channels) {
  int color_type;
  switch (channels) {
    case 1: color_type = PNG_COLOR_TYPE_GRAY; break;
    case 3: color_type = PNG_COLOR_TYPE_RGB; break;
    case 4: color_type = PNG_COLOR_TYPE_RGBA; break;
    default: return Status::Error("encode_png: " + std::to_string(channels) + " channels, expected 1, 3 or 4");
  }
  if (width <= 0 || height <= 0) {
    return Status::Error("encode_png: empty image " + std::to_string(width) + "x" + std::to_string(height));
  }
  const size_t row = static_cast<size_t>(width) * channels;
  if (pixels.size() != row * height) {
    return Status::Error("encode_png: " + std::to_string(pixels.size()) + " bytes for a " + std::to_string(width) +
                         "x" + std::to_string(height) + "x" + std::to_string(channels) + " image");
  }
  PngWriter w;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w, png_on_error, png_on_warning);
  if (!png) return Status::Error("encode_png: libpng initialisation failed");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    return Status::Error("encode_png: libpng initialisation failed");
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return Status::Error("encode_png: " + w.error);
  }
  png_set_write_fn(png, &w, png_write_mem, png_flush_mem);
  png_set_IHDR(png, info, width, height, 8, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y) {
    // libpng takes a non-const row pointer but only reads it when writing.
    png_write_row(png, const_cast<png_bytep>(pixels.data() + row * y));
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return std::move(w.out);
}

std::vector<uint8_t> upscale_nearest(std::span<const uint8_t> pixels, int width, int height, int channels,
                                     int factor) {
  OCTET_CHECK(factor >= 1);
  OCTET_CHECK(pixels.size() == static_cast<size_t>(width) * height * channels);
  const size_t out_w = static_cast<size_t>(width) * factor;
  std::vector<uint8_t> out(out_w * height * factor * channels);
  for (size_t y = 0; y < static_cast<size_t>(height) * factor; ++y) {
    const uint8_t* src_row = pixels.data() + (y / factor) * width * channels;
    uint8_t* dst = out.data() + y * out_w * channels;
    for (size_t x = 0; x < out_w; ++x) {
      const uint8_t* src = src_row + (x / factor) * channels;
      for (int c = 0; c < channels; ++c) *dst++ = src[c];
    }
  }
  return out;
}

std::string base64_encode(std::span<const uint8_t> bytes) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8 | bytes[i + 2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    const uint32_t v = uint32_t{bytes[i]} << 16 | (rest == 2 ? uint32_t{bytes[i + 1]} << 8 : 0);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string png_data_uri(std::span<const uint8_t> png) { return "data:image/png;base64," + base64_encode(png); }

}  // namespace octet::report
