// MNIST IDX reader. The header is validated before the data is touched: magic, number of
// dimensions, and that the data length equals the product of the dimensions exactly.
#include "data/mnist_idx.h"

#include <filesystem>

#include "core/file_io.h"

namespace octet::data {
namespace {

namespace fs = std::filesystem;

// Inflated IDX files above this are refused (bounds a gzip bomb; EMNIST is about 0.5 GiB).
constexpr uint64_t kMaxIdxBytes = uint64_t{2} << 30;
constexpr uint8_t kUbyteType = 0x08;

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string shape_string(const std::vector<uint32_t>& dims) {
  std::string s;
  for (size_t j = 0; j < dims.size(); ++j) {
    if (j) s += 'x';
    s += std::to_string(dims[j]);
  }
  return s;
}

// Checks the IDX header for `want_dims` ubyte dimensions; returns the dimensions and the
// header size. The product of dimensions is compared to the remaining bytes as it is built,
// so an absurd header (10^12 images) fails before any arithmetic can overflow.
Status parse_header(const std::vector<uint8_t>& b, const std::string& name, int want_dims,
                    const char* what, std::vector<uint32_t>* dims, size_t* header) {
  const uint32_t want_magic = (uint32_t{kUbyteType} << 8) | static_cast<uint32_t>(want_dims);
  if (b.size() < 4) {
    return Status::Error(name + ": " + std::to_string(b.size()) +
                         " bytes, too short for an IDX header");
  }
  const uint32_t magic = read_be32(b.data());
  if (magic != want_magic) {
    std::string msg = name + ": magic " + std::to_string(magic) + " (" + hex32(magic) +
                      "), expected " + std::to_string(want_magic) + " (" + hex32(want_magic) +
                      ", IDX " + what + ")";
    if (b[0] == 0 && b[1] == 0 && b[2] == kUbyteType && b[3] != want_dims) {
      msg += ": " + std::to_string(b[3]) + " dimensions, expected " + std::to_string(want_dims);
    }
    return Status::Error(msg);
  }
  *header = 4 + 4 * static_cast<size_t>(want_dims);
  if (b.size() < *header) {
    return Status::Error(name + ": truncated header (" + std::to_string(b.size()) +
                         " bytes, need " + std::to_string(*header) + ")");
  }
  const uint64_t payload = b.size() - *header;
  uint64_t product = 1;
  dims->clear();
  for (int i = 0; i < want_dims; ++i) {
    uint32_t d = read_be32(b.data() + 4 + 4 * i);
    dims->push_back(d);
    // Division instead of multiplication first, so the check itself cannot overflow.
    if (d != 0 && product > payload / d) {
      std::vector<uint32_t> all;
      for (int j = 0; j < want_dims; ++j) all.push_back(read_be32(b.data() + 4 + 4 * j));
      const std::string shape = shape_string(all);
      return Status::Error(name + ": header says " + shape + " (" + what + "), which needs more than the " +
                           std::to_string(payload) + " data bytes present (truncated or corrupt file)");
    }
    product *= d;
  }
  if (product != payload) {
    return Status::Error(name + ": header says " + shape_string(*dims) + " = " + std::to_string(product) +
                         " bytes of data, file has " + std::to_string(payload));
  }
  return Status::Ok();
}

// Picks NAME or NAME.gz in dir, preferring the uncompressed file.
Result<std::string> find_idx(const std::string& dir, const std::string& base) {
  std::error_code ec;
  for (const std::string& cand : {base, base + ".gz"}) {
    fs::path p = fs::path(dir) / cand;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return Status::Error((fs::path(dir) / base).string() + "[.gz]: not found");
}

}  // namespace

Status parse_idx_images(std::vector<uint8_t>& bytes, const std::string& name, Dataset* d) {
  std::vector<uint32_t> dims;
  size_t header = 0;
  OCTET_RETURN_IF_ERROR(parse_header(bytes, name, 3, "images", &dims, &header));
  // product == payload, so every dimension is small, but 0 is possible; and height/width are int.
  if (dims[1] == 0 || dims[2] == 0 || dims[1] > 65535 || dims[2] > 65535) {
    return Status::Error(name + ": image size " + std::to_string(dims[1]) + "x" +
                         std::to_string(dims[2]) + " is not valid");
  }
  d->height = static_cast<int>(dims[1]);
  d->width = static_cast<int>(dims[2]);
  d->channels = 1;
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header));
  d->pixels = std::move(bytes);
  bytes.clear();
  return Status::Ok();
}

Status parse_idx_labels(const std::vector<uint8_t>& bytes, const std::string& name,
                        int num_classes, Dataset* d) {
  std::vector<uint32_t> dims;
  size_t header = 0;
  OCTET_RETURN_IF_ERROR(parse_header(bytes, name, 1, "labels", &dims, &header));
  for (size_t i = header; i < bytes.size(); ++i) {
    if (bytes[i] >= num_classes) {
      return Status::Error(name + ": label " + std::to_string(bytes[i]) + " at index " +
                           std::to_string(i - header) + " is out of range (expected 0-" +
                           std::to_string(num_classes - 1) + ")");
    }
  }
  d->labels.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return Status::Ok();
}

bool is_mnist_dir(const std::string& dir) { return find_idx(dir, "train-images-idx3-ubyte").ok(); }

Result<DataSplits> load_mnist_dir(const std::string& dir) {
  DataSplits out;
  out.name = "MNIST";
  out.source = dir;
  std::vector<std::string> classes;
  for (int i = 0; i < 10; ++i) classes.push_back(std::to_string(i));
  for (int s = 0; s < 2; ++s) {
    const std::string split = s == 0 ? "train" : "t10k";
    Dataset& d = s == 0 ? out.train : out.test;
    OCTET_ASSIGN_OR_RETURN(std::string images_path, find_idx(dir, split + "-images-idx3-ubyte"));
    OCTET_ASSIGN_OR_RETURN(std::string labels_path, find_idx(dir, split + "-labels-idx1-ubyte"));
    {
      OCTET_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_maybe_gzip(images_path, kMaxIdxBytes));
      OCTET_RETURN_IF_ERROR(parse_idx_images(bytes, images_path, &d));
    }
    OCTET_ASSIGN_OR_RETURN(std::vector<uint8_t> lbytes, read_maybe_gzip(labels_path, kMaxIdxBytes));
    OCTET_RETURN_IF_ERROR(parse_idx_labels(lbytes, labels_path, 10, &d));
    const int64_t n_images = static_cast<int64_t>(d.pixels.size()) / d.image_bytes();
    if (n_images != d.size()) {
      return Status::Error(labels_path + ": " + std::to_string(d.size()) + " labels, but " +
                           images_path + " has " + std::to_string(n_images) + " images");
    }
    if (d.size() == 0) return Status::Error(images_path + ": holds no images");
    d.class_names = classes;
  }
  if (out.train.height != out.test.height || out.train.width != out.test.width) {
    return Status::Error(dir + ": train images are " + std::to_string(out.train.height) + "x" +
                         std::to_string(out.train.width) + " but test images are " +
                         std::to_string(out.test.height) + "x" + std::to_string(out.test.width));
  }
  return out;
}

}  // namespace octet::data
