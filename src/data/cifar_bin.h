// CIFAR-10 in the official binary format: data_batch_{1..5}.bin and test_batch.bin, each a
// sequence of 3073-byte records (label byte + 32x32 R, G, B planes), read from a directory or
// straight from cifar-10-binary.tar.gz. Pixels are converted from CHW planes to HWC.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/archive_reader.h"
#include "data/dataset.h"

namespace octet::data {

constexpr int kCifarSide = 32;
constexpr int64_t kCifarRecordBytes = 1 + 3 * kCifarSide * kCifarSide;  // 3073

// The standard CIFAR-10 class names, in label order.
const std::vector<std::string>& cifar10_class_names();

// Appends the records of one batch file (`name` for messages) to d, which must already have
// its size fields set to 32x32x3. Checks the size is a non-zero multiple of 3073 and labels < 10.
Status append_cifar_batch(const uint8_t* data, size_t size, const std::string& name, Dataset* d);

// Parses batches.meta.txt: exactly 10 non-empty lines (surrounding blanks ignored).
Result<std::vector<std::string>> parse_cifar_meta(const std::vector<uint8_t>& bytes,
                                                  const std::string& name);

// True for data_batch_N.bin, test_batch.bin and batches.meta.txt (the member's base name).
bool is_cifar_bin_member(const std::string& path);

// dir is cifar-10-batches-bin/ itself or a folder holding it. Returns the batches folder or "".
std::string find_cifar_bin_dir(const std::string& dir);

Result<DataSplits> load_cifar_bin_dir(const std::string& batches_dir);

// From members already read out of an archive (only the is_cifar_bin_member ones are used).
Result<DataSplits> load_cifar_bin_members(const std::string& archive_path,
                                          const std::vector<ArchiveMember>& members);

}  // namespace octet::data
