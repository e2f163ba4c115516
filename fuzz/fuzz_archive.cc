// Fuzzes the tar/compressed-archive reader. read_archive() takes a path, so each input is written
// to one private temporary file first. Small caps keep a fuzzer-made archive from asking for
// gigabytes.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "data/archive_reader.h"

namespace {

std::string temp_path() {
  static std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/octet_fuzz_archive_" +
           std::to_string(getpid()) + ".bin";
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = temp_path();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  if (size > 0 && std::fwrite(data, 1, size, f) != size) {
    std::fclose(f);
    return 0;
  }
  std::fclose(f);
  octet::data::ArchiveLimits limits;
  limits.max_member_bytes = 16 << 20;
  limits.max_total_bytes = 64 << 20;
  limits.max_entries = 10000;
  (void)octet::data::looks_like_archive(path);
  auto r = octet::data::read_archive(
      path, [](const std::string& p) { return !p.empty(); }, limits);
  std::remove(path.c_str());
  return 0;
}
