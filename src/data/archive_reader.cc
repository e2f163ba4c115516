// libarchive-based tar reader. libarchive detects the compression itself, so .tar, .tar.gz,
// .tgz and friends take the same path; members are never written to disk.
#include "data/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <set>

#include "core/progress.h"

namespace octet::data {
namespace {

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::string archive_error(archive* a) {
  const char* e = archive_error_string(a);
  // libarchive leaves the string empty for some truncations (e.g. inside the gzip trailer).
  return e && *e ? e : "unexpected end of data (truncated archive?)";
}

}  // namespace

std::string normalize_member_path(const std::string& raw) {
  std::string out;
  size_t i = 0;
  while (i < raw.size()) {
    size_t j = raw.find('/', i);
    if (j == std::string::npos) j = raw.size();
    std::string comp = raw.substr(i, j - i);
    i = j + 1;
    if (comp.empty() || comp == ".") continue;
    if (comp == ".." || comp[0] == '.') return "";
    if (!out.empty()) out += '/';
    out += comp;
  }
  return out;
}

bool looks_like_archive(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  unsigned char h[512] = {};
  f.read(reinterpret_cast<char*>(h), sizeof h);
  const std::streamsize n = f.gcount();
  if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b) return true;                        // gzip
  if (n >= 3 && std::memcmp(h, "BZh", 3) == 0) return true;                       // bzip2
  if (n >= 6 && std::memcmp(h, "\xfd" "7zXZ\0", 6) == 0) return true;             // xz
  if (n >= 4 && std::memcmp(h, "\x28\xb5\x2f\xfd", 4) == 0) return true;          // zstd
  if (n >= 262 && std::memcmp(h + 257, "ustar", 5) == 0) return true;             // POSIX/GNU tar
  return false;
}

Result<ArchiveContents> read_archive(const std::string& path,
                                     const std::function<bool(const std::string&)>& keep,
                                     const ArchiveLimits& limits,
                                     const std::string& progress_label) {
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  if (!a) return Status::Error(path + ": cannot create an archive reader");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return Status::Error(path + ": cannot open as an archive: " + archive_error(a.get()));
  }

  struct stat st;
  const int64_t file_mb = ::stat(path.c_str(), &st) == 0 ? (st.st_size + (1 << 20) - 1) >> 20 : 0;
  std::unique_ptr<Progress> progress;
  if (!progress_label.empty()) progress = std::make_unique<Progress>(progress_label, file_mb, "MB");

  ArchiveContents out;
  std::set<std::string> dirs;
  uint64_t total = 0;
  int64_t entries = 0;
  for (;;) {
    archive_entry* e = nullptr;
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc == ARCHIVE_FATAL || rc == ARCHIVE_RETRY || e == nullptr) {
      return Status::Error(path + ": corrupt or truncated archive after " + std::to_string(entries) +
                           " entries: " + archive_error(a.get()));
    }
    // ARCHIVE_WARN (e.g. an unknown extended header) still yields a usable entry.
    if (++entries > limits.max_entries) {
      return Status::Error(path + ": more than " + std::to_string(limits.max_entries) + " entries");
    }
    const char* raw_name = archive_entry_pathname(e);
    const std::string name = normalize_member_path(raw_name ? raw_name : "");
    if (name.empty()) continue;
    // Record every ancestor directory, so "empty" class folders show up even without explicit
    // directory entries.
    for (size_t p = name.find('/'); p != std::string::npos; p = name.find('/', p + 1)) {
      dirs.insert(name.substr(0, p));
    }
    const mode_t type = archive_entry_filetype(e);
    if (type == AE_IFDIR) {
      dirs.insert(name);
      continue;
    }
    if (type != AE_IFREG || archive_entry_hardlink(e) != nullptr || !keep(name)) continue;

    if (archive_entry_size_is_set(e)) {
      const int64_t declared = archive_entry_size(e);
      if (declared < 0 || static_cast<uint64_t>(declared) > limits.max_member_bytes) {
        return Status::Error(path + ": member " + name + " is " + std::to_string(declared) +
                             " bytes, above the limit of " + std::to_string(limits.max_member_bytes));
      }
    }
    ArchiveMember m;
    m.path = name;
    if (archive_entry_size_is_set(e)) m.bytes.reserve(static_cast<size_t>(archive_entry_size(e)));
    uint8_t buf[1 << 16];
    for (;;) {
      la_ssize_t r = archive_read_data(a.get(), buf, sizeof buf);
      if (r == 0) break;
      if (r < 0) {
        return Status::Error(path + ": member " + name + ": corrupt or truncated data: " +
                             archive_error(a.get()));
      }
      if (m.bytes.size() + static_cast<uint64_t>(r) > limits.max_member_bytes) {
        return Status::Error(path + ": member " + name + " is above the limit of " +
                             std::to_string(limits.max_member_bytes) + " bytes");
      }
      m.bytes.insert(m.bytes.end(), buf, buf + r);
    }
    if (archive_entry_size_is_set(e) &&
        m.bytes.size() != static_cast<uint64_t>(archive_entry_size(e))) {
      return Status::Error(path + ": member " + name + ": truncated (" + std::to_string(m.bytes.size()) +
                           " of " + std::to_string(archive_entry_size(e)) + " bytes)");
    }
    total += m.bytes.size();
    if (total > limits.max_total_bytes) {
      return Status::Error(path + ": members to read exceed " + std::to_string(limits.max_total_bytes) +
                           " bytes in total");
    }
    out.files.push_back(std::move(m));
    if (progress) progress->update(archive_filter_bytes(a.get(), -1) >> 20);
  }
  if (progress) progress->finish(std::to_string(out.files.size()) + " files");
  out.dirs.assign(dirs.begin(), dirs.end());
  return out;
}

}  // namespace octet::data
