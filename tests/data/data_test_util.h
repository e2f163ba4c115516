// Test helpers for the data loaders: a temporary folder, and writers for IDX (raw/gzip), CIFAR
// records, JPEG/PNG images (encoded here with libjpeg/libpng) and tar(.gz) archives (libarchive).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace octet::data::testing {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const fs::path& path() const { return path_; }
  std::string str(const std::string& rel = "") const { return rel.empty() ? path_.string() : (path_ / rel).string(); }

 private:
  fs::path path_;
};

using Bytes = std::vector<uint8_t>;

void write_bytes(const fs::path& p, const Bytes& b);  // creates parent folders
Bytes read_bytes(const fs::path& p);
Bytes gzip_bytes(const Bytes& raw);

// IDX files: header (magic, dims big-endian) + data.
Bytes idx_bytes(uint32_t magic, const std::vector<uint32_t>& dims, const Bytes& data);

// A deterministic pixel pattern and label list for n images of h x w.
Bytes pattern_pixels(int n, int h, int w, int c, int salt);

// Writes an MNIST-style folder: n_train/n_test images of h x w, labels i % 10; gz or raw.
void write_mnist_dir(const fs::path& dir, int n_train, int n_test, int h, int w, bool gz);

// One CIFAR record: label + R, G, B planes built from an HWC image.
Bytes cifar_record(uint8_t label, const Bytes& hwc);

// Image encoders (8-bit). channels 1 or 3; quality for JPEG.
// progressive: 0 baseline, 1 libjpeg's standard progression (about 10 scans), 2 a valid but
// absurd script of 379 scans (one scan per AC coefficient and component, plus refinements).
Bytes encode_jpeg(const Bytes& hwc, int h, int w, int channels, int quality = 95, int progressive = 0);
// color_type is a PNG_COLOR_TYPE_*; `samples` holds h*w*components samples at bit_depth
// (16-bit samples as big-endian pairs); palette entries for PALETTE as RGB triples.
Bytes encode_png(const Bytes& samples, int h, int w, int color_type, int bit_depth,
                 const Bytes& palette_rgb = {});

// A flat image of one colour.
Bytes flat_image(int h, int w, int channels, uint8_t r, uint8_t g = 0, uint8_t b = 0);

// Writes a tar archive (gzip-compressed when gz) holding the given files and folders.
struct TarEntry {
  std::string path;
  Bytes bytes;
  bool is_dir = false;
};
void write_tar(const fs::path& archive, const std::vector<TarEntry>& entries, bool gz);

}  // namespace octet::data::testing
