// Reads selected members of a tar archive (plain or gzip/bzip2/xz/zstd-compressed) straight
// into memory with libarchive, without extracting anything, under caps on sizes and counts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace octet::data {

struct ArchiveMember {
  std::string path;  // normalised: no leading "./" or "/"
  std::vector<uint8_t> bytes;
};

struct ArchiveContents {
  std::vector<ArchiveMember> files;  // the regular files `keep` accepted, in archive order
  std::vector<std::string> dirs;     // every directory named by an entry (explicitly or as a parent)
};

struct ArchiveLimits {
  uint64_t max_member_bytes = uint64_t{512} << 20;  // one member (CIFAR batches are 30 MB)
  uint64_t max_total_bytes = uint64_t{4} << 30;     // all kept members together
  int64_t max_entries = 5'000'000;  // ImageNet-1k is 1.3 M
};

// Strips leading "./" and "/" and trailing "/"; returns "" for names with a ".." component
// or any hidden component (".DS_Store", macOS "._x.jpg"), which callers then ignore.
std::string normalize_member_path(const std::string& raw);

// True when the file starts like a tar or a compressed stream libarchive can read.
bool looks_like_archive(const std::string& path);

// Reads the archive at `path`. Regular files whose normalised path satisfies keep() are read
// into memory; the rest are skipped. Errors (corrupt or truncated data, caps) name the archive
// and, when known, the member.
Result<ArchiveContents> read_archive(const std::string& path,
                                     const std::function<bool(const std::string&)>& keep,
                                     const ArchiveLimits& limits = {},
                                     const std::string& progress_label = "");

}  // namespace octet::data
