// JPEG and PNG decoders. Both libraries report fatal errors through a callback that must not
// return; ours longjmp back to the decode function. Only C-style objects live between the
// setjmp and the library frames, so no C++ destructor is skipped.
#include "data/image_decode.h"

#include <jpeglib.h>
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

namespace octet::data {
namespace {

// ---- JPEG ----

struct JpegError {
  jpeg_error_mgr pub;  // first member: libjpeg hands us a pointer to it
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool warned;
};

void jpeg_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void jpeg_emit_message(j_common_ptr cinfo, int level) {
  // level -1 is a warning about corrupt data (libjpeg carries on and fills with grey).
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  if (level < 0 && !err->warned) {
    err->warned = true;
    (*cinfo->err->format_message)(cinfo, err->message);
  }
}

void jpeg_silent_output(j_common_ptr) {}

// A progressive JPEG can declare thousands of tiny scans and take minutes to decode (a known
// libjpeg denial of service); real images use about 10.
constexpr int kMaxJpegScans = 256;

void jpeg_limit_scans(j_common_ptr cinfo) {
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->is_decompressor && d->input_scan_number > kMaxJpegScans) {
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "more than %d progressive scans", kMaxJpegScans);
    std::longjmp(err->jump, 1);
  }
}

// ---- PNG ----

struct PngReader {
  const uint8_t* data;
  size_t size, pos;
  char message[256];
};

void png_read_mem(png_structp png, png_bytep out, png_size_t n) {
  auto* r = static_cast<PngReader*>(png_get_io_ptr(png));
  if (n > r->size - r->pos) png_error(png, "truncated PNG data");
  std::memcpy(out, r->data + r->pos, n);
  r->pos += n;
}

void png_on_error(png_structp png, png_const_charp msg) {
  auto* r = static_cast<PngReader*>(png_get_error_ptr(png));
  std::snprintf(r->message, sizeof r->message, "%s", msg ? msg : "PNG error");
  png_longjmp(png, 1);
}

void png_on_warning(png_structp, png_const_charp) {}

Status check_size(int64_t w, int64_t h) {
  if (w <= 0 || h <= 0 || w * h > kMaxImagePixels) {
    return Status::Error("image size " + std::to_string(w) + "x" + std::to_string(h) +
                         " is not supported (limit " + std::to_string(kMaxImagePixels) + " pixels)");
  }
  return Status::Ok();
}

}  // namespace

Status decode_jpeg(const uint8_t* data, size_t size, DecodedImage* out) {
  jpeg_decompress_struct cinfo;
  JpegError jerr;
  cinfo.err = jpeg_std_error(&jerr.pub);
  jerr.pub.error_exit = jpeg_error_exit;
  jerr.pub.emit_message = jpeg_emit_message;
  jerr.pub.output_message = jpeg_silent_output;
  jerr.message[0] = '\0';
  jerr.warned = false;
  Status size_ok;  // declared before setjmp: no C++ object may start its life after it
  // Everything the error path needs is in cinfo/jerr (addresses taken, so kept in memory).
  if (setjmp(jerr.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return Status::Error(std::string("corrupt JPEG: ") + jerr.message);
  }
  jpeg_create_decompress(&cinfo);
  jpeg_progress_mgr scan_limit;
  scan_limit.progress_monitor = jpeg_limit_scans;
  cinfo.progress = &scan_limit;
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.num_components == 1) {
    cinfo.out_color_space = JCS_GRAYSCALE;
  } else if (cinfo.jpeg_color_space == JCS_YCbCr || cinfo.jpeg_color_space == JCS_RGB) {
    cinfo.out_color_space = JCS_RGB;
  } else {
    jpeg_destroy_decompress(&cinfo);
    // CMYK/YCCK (4 components) and unusual layouts: rare in datasets, so refused, not guessed.
    return Status::Error("JPEG with " + std::to_string(cinfo.num_components) + " components in colour space " +
                         std::to_string(cinfo.jpeg_color_space) + " is not supported; convert it to RGB");
  }
  size_ok = check_size(cinfo.image_width, cinfo.image_height);
  if (!size_ok.ok()) {
    jpeg_destroy_decompress(&cinfo);
    return size_ok;
  }
  jpeg_start_decompress(&cinfo);
  const int channels = cinfo.output_components;
  out->height = static_cast<int>(cinfo.output_height);
  out->width = static_cast<int>(cinfo.output_width);
  out->channels = channels;
  out->pixels.resize(static_cast<size_t>(out->height) * out->width * channels);
  const size_t stride = static_cast<size_t>(out->width) * channels;
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out->pixels.data() + cinfo.output_scanline * stride;
    jpeg_read_scanlines(&cinfo, &row, 1);
    if (jerr.warned) break;  // corrupt data: stop early, report below
  }
  if (!jerr.warned) jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (jerr.warned) return Status::Error(std::string("corrupt JPEG: ") + jerr.message);
  return Status::Ok();
}

Status decode_png(const uint8_t* data, size_t size, DecodedImage* out) {
  if (size < 8 || png_sig_cmp(data, 0, 8) != 0) return Status::Error("not a PNG file");
  PngReader reader{data, size, 0, {0}};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, png_on_error, png_on_warning);
  if (!png) return Status::Error("cannot create a PNG reader");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return Status::Error("cannot create a PNG reader");
  }
  // Row pointers live in a plain array sized after the header; freed on both paths.
  png_bytep* volatile rows = nullptr;
  Status size_ok;  // declared before setjmp: no C++ object may start its life after it
  if (setjmp(png_jmpbuf(png))) {
    png_free(png, rows);
    png_destroy_read_struct(&png, &info, nullptr);
    return Status::Error(std::string("corrupt PNG: ") + reader.message);
  }
  png_set_read_fn(png, &reader, png_read_mem);
  png_set_user_limits(png, 1 << 16, 1 << 16);
  png_set_chunk_malloc_max(png, 64u << 20);
  png_read_info(png, info);
  const png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  const int color = png_get_color_type(png, info);
  const int depth = png_get_bit_depth(png, info);
  size_ok = check_size(w, h);
  if (!size_ok.ok()) {
    png_destroy_read_struct(&png, &info, nullptr);
    return size_ok;
  }
  // Normalise everything to 8-bit grey or RGB without alpha.
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (depth == 16) png_set_strip_16(png);
  if (color & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  // tRNS (transparency without an alpha channel) is ignored: it only adds alpha, which we drop.
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int channels = png_get_channels(png, info);
  if (png_get_bit_depth(png, info) != 8 || (channels != 1 && channels != 3)) {
    png_destroy_read_struct(&png, &info, nullptr);
    return Status::Error("unsupported PNG layout (colour type " + std::to_string(color) +
                         ", bit depth " + std::to_string(depth) + ")");
  }
  out->height = static_cast<int>(h);
  out->width = static_cast<int>(w);
  out->channels = channels;
  out->pixels.resize(static_cast<size_t>(h) * w * channels);
  const size_t stride = static_cast<size_t>(w) * channels;
  if (png_get_rowbytes(png, info) != stride) png_error(png, "unexpected row size");
  rows = static_cast<png_bytep*>(png_malloc(png, sizeof(png_bytep) * h));
  for (png_uint_32 y = 0; y < h; ++y) rows[y] = out->pixels.data() + y * stride;
  png_read_image(png, rows);
  png_read_end(png, nullptr);
  png_free(png, rows);
  png_destroy_read_struct(&png, &info, nullptr);
  return Status::Ok();
}

Status decode_image(const uint8_t* data, size_t size, DecodedImage* out) {
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return decode_jpeg(data, size, out);
  if (size >= 8 && png_sig_cmp(data, 0, 8) == 0) return decode_png(data, size, out);
  return Status::Error("not a JPEG or PNG image (" + std::to_string(size) + " bytes)");
}

}  // namespace octet::data
