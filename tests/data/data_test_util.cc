// Test helpers for the data loaders (see data_test_util.h).
#include "data_test_util.h"

#include <archive.h>
#include <archive_entry.h>
#include <jpeglib.h>
#include <png.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace octet::data::testing {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() /
          ("octet_data_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_bytes(const fs::path& p, const Bytes& b) {
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!f) std::abort();
}

Bytes read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

Bytes gzip_bytes(const Bytes& raw) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  Bytes out(deflateBound(&zs, raw.size()) + 64);
  zs.next_in = const_cast<Bytef*>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Bytes idx_bytes(uint32_t magic, const std::vector<uint32_t>& dims, const Bytes& data) {
  Bytes out;
  auto put32 = [&](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
  };
  put32(magic);
  for (uint32_t d : dims) put32(d);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes pattern_pixels(int n, int h, int w, int c, int salt) {
  Bytes p(static_cast<size_t>(n) * h * w * c);
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<uint8_t>((i * 7 + salt * 31 + i / 13) & 0xFF);
  return p;
}

void write_mnist_dir(const fs::path& dir, int n_train, int n_test, int h, int w, bool gz) {
  const char* splits[2] = {"train", "t10k"};
  const int counts[2] = {n_train, n_test};
  for (int s = 0; s < 2; ++s) {
    Bytes labels(counts[s]);
    for (int i = 0; i < counts[s]; ++i) labels[i] = static_cast<uint8_t>(i % 10);
    Bytes img = idx_bytes(0x803, {static_cast<uint32_t>(counts[s]), static_cast<uint32_t>(h), static_cast<uint32_t>(w)},
                          pattern_pixels(counts[s], h, w, 1, s));
    Bytes lab = idx_bytes(0x801, {static_cast<uint32_t>(counts[s])}, labels);
    const std::string suffix = gz ? ".gz" : "";
    write_bytes(dir / (std::string(splits[s]) + "-images-idx3-ubyte" + suffix), gz ? gzip_bytes(img) : img);
    write_bytes(dir / (std::string(splits[s]) + "-labels-idx1-ubyte" + suffix), gz ? gzip_bytes(lab) : lab);
  }
}

Bytes cifar_record(uint8_t label, const Bytes& hwc) {
  Bytes r(3073);
  r[0] = label;
  for (int i = 0; i < 1024; ++i)
    for (int c = 0; c < 3; ++c) r[1 + c * 1024 + i] = hwc[3 * i + c];
  return r;
}

Bytes encode_jpeg(const Bytes& hwc, int h, int w, int channels, int quality, int progressive) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);  // test inputs are valid; the default handler is fine here
  jpeg_create_compress(&cinfo);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buf, &size);
  cinfo.image_width = w;
  cinfo.image_height = h;
  cinfo.input_components = channels;
  cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  std::vector<jpeg_scan_info> scans;
  if (progressive == 1) jpeg_simple_progression(&cinfo);
  if (progressive == 2) {
    jpeg_scan_info dc = {};
    dc.comps_in_scan = channels;
    for (int c = 0; c < channels; ++c) dc.component_index[c] = c;
    scans.push_back(dc);  // DC, all components, full precision
    for (int c = 0; c < channels; ++c) {
      for (int k = 1; k < 64; ++k) {
        for (int pass = 0; pass < 2; ++pass) {  // first at Al=1, then the refinement
          jpeg_scan_info sc = {};
          sc.comps_in_scan = 1;
          sc.component_index[0] = c;
          sc.Ss = sc.Se = k;
          sc.Ah = pass;
          sc.Al = 1 - pass;
          scans.push_back(sc);
        }
      }
    }
    cinfo.scan_info = scans.data();
    cinfo.num_scans = static_cast<int>(scans.size());
  }
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(hwc.data()) + static_cast<size_t>(cinfo.next_scanline) * w * channels;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  Bytes out(buf, buf + size);
  jpeg_destroy_compress(&cinfo);
  std::free(buf);
  return out;
}

namespace {
void png_write_vec(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<Bytes*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}
void png_flush_noop(png_structp) {}
}  // namespace

Bytes encode_png(const Bytes& samples, int h, int w, int color_type, int bit_depth, const Bytes& palette_rgb) {
  Bytes out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) std::abort();
  png_set_write_fn(png, &out, png_write_vec, png_flush_noop);
  png_set_IHDR(png, info, w, h, bit_depth, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (color_type == PNG_COLOR_TYPE_PALETTE) {
    std::vector<png_color> pal(palette_rgb.size() / 3);
    for (size_t i = 0; i < pal.size(); ++i) pal[i] = {palette_rgb[3 * i], palette_rgb[3 * i + 1], palette_rgb[3 * i + 2]};
    png_set_PLTE(png, info, pal.data(), static_cast<int>(pal.size()));
  }
  png_write_info(png, info);
  const int comps = color_type == PNG_COLOR_TYPE_RGB ? 3 : color_type == PNG_COLOR_TYPE_RGBA ? 4
                  : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
  const size_t row_bytes = (static_cast<size_t>(w) * comps * bit_depth + 7) / 8;
  for (int y = 0; y < h; ++y) png_write_row(png, samples.data() + y * row_bytes);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

Bytes flat_image(int h, int w, int channels, uint8_t r, uint8_t g, uint8_t b) {
  Bytes p(static_cast<size_t>(h) * w * channels);
  const uint8_t v[3] = {r, g, b};
  for (size_t i = 0; i < p.size(); ++i) p[i] = v[i % channels];
  return p;
}

void write_tar(const fs::path& path, const std::vector<TarEntry>& entries, bool gz) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (gz) archive_write_add_filter_gzip(a);
  if (archive_write_open_filename(a, path.c_str()) != ARCHIVE_OK) std::abort();
  for (const TarEntry& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.path.c_str());
    archive_entry_set_perm(e, t.is_dir ? 0755 : 0644);
    archive_entry_set_filetype(e, t.is_dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_size(e, t.is_dir ? 0 : static_cast<la_int64_t>(t.bytes.size()));
    archive_write_header(a, e);
    if (!t.is_dir && !t.bytes.empty()) archive_write_data(a, t.bytes.data(), t.bytes.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

}  // namespace octet::data::testing
