// Whole-file reads with clear errors, and atomic writes (temporary file + rename) so an
// interrupted run leaves the old file or the new one, never a truncated one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace octet {

// Reads a whole file; files above max_bytes are refused (no allocation driven by the file).
Result<std::vector<uint8_t>> read_file(const std::string& path,
                                       uint64_t max_bytes = uint64_t{4} << 30);

// Reads a file and, when it starts with the gzip magic, inflates it (zlib).
Result<std::vector<uint8_t>> read_maybe_gzip(const std::string& path,
                                             uint64_t max_bytes = uint64_t{4} << 30);

// Writes bytes to path via path.tmp-XXXXXX + fsync + rename. Creates no directories. SIGINT,
// SIGTERM and SIGHUP (when left at their default action) remove the temporary file first.
Status write_file_atomic(const std::string& path, const void* data, size_t size);
inline Status write_file_atomic(const std::string& path, const std::string& s) {
  return write_file_atomic(path, s.data(), s.size());
}
inline Status write_file_atomic(const std::string& path, const std::vector<uint8_t>& v) {
  return write_file_atomic(path, v.data(), v.size());
}

}  // namespace octet
