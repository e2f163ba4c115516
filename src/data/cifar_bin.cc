// CIFAR-10 binary reader, shared by the directory and the archive paths: both hand over the
// six batch files as bytes plus a name for messages.
#include "data/cifar_bin.h"

#include <filesystem>
#include <map>

#include "core/file_io.h"

namespace octet::data {
namespace {

namespace fs = std::filesystem;

constexpr int kPlane = kCifarSide * kCifarSide;
// A batch is 30,730,000 bytes; refuse anything far above before reading it.
constexpr uint64_t kMaxBatchBytes = uint64_t{512} << 20;

const char* const kTrainBatches[] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                     "data_batch_4.bin", "data_batch_5.bin"};
const char* const kTestBatch = "test_batch.bin";
const char* const kMeta = "batches.meta.txt";

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

struct BatchBytes {
  std::string name;  // for messages
  const std::vector<uint8_t>* bytes;
};

// Checks every batch's size before allocating the split, then fills it.
Status fill_split(const std::vector<BatchBytes>& batches, Dataset* d) {
  int64_t records = 0;
  for (const BatchBytes& b : batches) {
    const size_t n = b.bytes->size();
    if (n == 0 || n % kCifarRecordBytes != 0) {
      return Status::Error(b.name + ": " + std::to_string(n) + " bytes, not a non-zero multiple of the " +
                           std::to_string(kCifarRecordBytes) + "-byte CIFAR-10 record (truncated or not a CIFAR-10 batch)");
    }
    records += static_cast<int64_t>(n / kCifarRecordBytes);
  }
  d->height = d->width = kCifarSide;
  d->channels = 3;
  d->pixels.reserve(static_cast<size_t>(records * d->image_bytes()));
  d->labels.reserve(static_cast<size_t>(records));
  for (const BatchBytes& b : batches) {
    OCTET_RETURN_IF_ERROR(append_cifar_batch(b.bytes->data(), b.bytes->size(), b.name, d));
  }
  return Status::Ok();
}

Result<DataSplits> assemble(const std::string& source, const std::map<std::string, const std::vector<uint8_t>*>& files,
                            const std::string& where) {
  DataSplits out;
  out.name = "CIFAR-10";
  out.source = source;
  std::vector<BatchBytes> train, test;
  for (const char* b : kTrainBatches) {
    auto it = files.find(b);
    if (it == files.end()) return Status::Error(where + "/" + b + ": not found");
    train.push_back({where + "/" + b, it->second});
  }
  auto it = files.find(kTestBatch);
  if (it == files.end()) return Status::Error(where + "/" + kTestBatch + ": not found");
  test.push_back({where + "/" + kTestBatch, it->second});

  std::vector<std::string> names = cifar10_class_names();
  auto meta = files.find(kMeta);
  if (meta != files.end()) {
    OCTET_ASSIGN_OR_RETURN(names, parse_cifar_meta(*meta->second, where + "/" + kMeta));
  }
  OCTET_RETURN_IF_ERROR(fill_split(train, &out.train));
  OCTET_RETURN_IF_ERROR(fill_split(test, &out.test));
  out.train.class_names = names;
  out.test.class_names = names;
  return out;
}

}  // namespace

const std::vector<std::string>& cifar10_class_names() {
  static const std::vector<std::string> kNames = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                  "dog",      "frog",       "horse", "ship", "truck"};
  return kNames;
}

Status append_cifar_batch(const uint8_t* data, size_t size, const std::string& name, Dataset* d) {
  if (size == 0 || size % kCifarRecordBytes != 0) {
    return Status::Error(name + ": " + std::to_string(size) + " bytes, not a non-zero multiple of the " +
                         std::to_string(kCifarRecordBytes) + "-byte CIFAR-10 record");
  }
  const int64_t n = static_cast<int64_t>(size / kCifarRecordBytes);
  for (int64_t r = 0; r < n; ++r) {
    const uint8_t label = data[r * kCifarRecordBytes];
    if (label >= 10) {
      return Status::Error(name + ": record " + std::to_string(r) + " has label " + std::to_string(label) +
                           ", expected 0-9");
    }
  }
  const size_t base = d->pixels.size();
  d->pixels.resize(base + static_cast<size_t>(n) * 3 * kPlane);
  for (int64_t r = 0; r < n; ++r) {
    const uint8_t* rec = data + r * kCifarRecordBytes;
    d->labels.push_back(rec[0]);
    const uint8_t* planes = rec + 1;  // R plane, G plane, B plane
    uint8_t* dst = d->pixels.data() + base + static_cast<size_t>(r) * 3 * kPlane;
    for (int i = 0; i < kPlane; ++i) {
      dst[3 * i + 0] = planes[i];
      dst[3 * i + 1] = planes[kPlane + i];
      dst[3 * i + 2] = planes[2 * kPlane + i];
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> parse_cifar_meta(const std::vector<uint8_t>& bytes, const std::string& name) {
  std::vector<std::string> names;
  std::string line;
  auto flush = [&] {
    size_t b = line.find_first_not_of(" \t\r");
    size_t e = line.find_last_not_of(" \t\r");
    if (b != std::string::npos) names.push_back(line.substr(b, e - b + 1));
    line.clear();
  };
  for (uint8_t c : bytes) {
    if (c == '\n') {
      flush();
    } else if (c < 0x20 && c != '\t' && c != '\r') {
      return Status::Error(name + ": not a text file (byte " + std::to_string(c) + ")");
    } else {
      line += static_cast<char>(c);
    }
    if (names.size() > 10 || line.size() > 256) break;
  }
  flush();
  if (names.size() != 10) {
    return Status::Error(name + ": expected 10 class names, one per line, found " +
                         (names.size() > 10 ? std::string("more") : std::to_string(names.size())));
  }
  return names;
}

bool is_cifar_bin_member(const std::string& path) {
  const std::string b = base_name(path);
  if (b == kTestBatch || b == kMeta) return true;
  for (const char* t : kTrainBatches)
    if (b == t) return true;
  return false;
}

std::string find_cifar_bin_dir(const std::string& dir) {
  std::error_code ec;
  fs::path p(dir);
  if (fs::is_regular_file(p / "data_batch_1.bin", ec) || fs::is_regular_file(p / kTestBatch, ec)) return dir;
  if (fs::is_directory(p / "cifar-10-batches-bin", ec)) return (p / "cifar-10-batches-bin").string();
  return "";
}

Result<DataSplits> load_cifar_bin_dir(const std::string& batches_dir) {
  std::vector<std::vector<uint8_t>> storage;
  std::map<std::string, const std::vector<uint8_t>*> files;
  storage.reserve(7);
  std::error_code ec;
  std::vector<std::string> wanted(std::begin(kTrainBatches), std::end(kTrainBatches));
  wanted.push_back(kTestBatch);
  wanted.push_back(kMeta);
  for (const std::string& w : wanted) {
    fs::path p = fs::path(batches_dir) / w;
    if (!fs::exists(p, ec)) continue;  // assemble() reports the missing batch by name
    OCTET_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file(p.string(), kMaxBatchBytes));
    storage.push_back(std::move(bytes));
    files[w] = &storage.back();
  }
  return assemble(batches_dir, files, batches_dir);
}

Result<DataSplits> load_cifar_bin_members(const std::string& archive_path,
                                          const std::vector<ArchiveMember>& members) {
  std::map<std::string, const std::vector<uint8_t>*> files;
  std::string where;
  for (const ArchiveMember& m : members) {
    if (!is_cifar_bin_member(m.path)) continue;
    const std::string b = base_name(m.path);
    const std::string dir = m.path.size() > b.size() ? m.path.substr(0, m.path.size() - b.size() - 1) : "";
    if (files.count(b)) {
      return Status::Error(archive_path + ": holds " + b + " twice (" + where + "/ and " + dir + "/)");
    }
    if (where.empty() || b == "data_batch_1.bin") where = dir;
    files[b] = &m.bytes;
  }
  return assemble(archive_path, files, archive_path + ":" + (where.empty() ? std::string(".") : where));
}

}  // namespace octet::data
