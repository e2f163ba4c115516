// Fuzzes the training-checkpoint reader (octet train --resume). Each input is parsed twice: as
// given, and with its CRC-32 rewritten to match, since otherwise almost every mutation would stop
// at the checksum and the header and vector checks behind it would go untested. Accepted
// checkpoints are then restored into the small model fuzz/make_seeds.cc saves its seed from.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "checkpoint_seed_model.h"
#include "nn/checkpoint.h"

namespace {

void parse_and_restore(const std::vector<uint8_t>& bytes) {
  auto ck = octet::nn::parse_checkpoint(bytes, "fuzz.ckpt");
  if (!ck.ok()) return;
  static octet::nn::Model model = octet::fuzz::checkpoint_seed_model();
  (void)octet::nn::restore_checkpoint(*ck, "fuzz.ckpt", model, octet::fuzz::checkpoint_seed_settings());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  parse_and_restore(bytes);
  if (bytes.size() >= 16) {
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), bytes.data() + 16, static_cast<uInt>(bytes.size() - 16));
    const uint32_t crc32le = static_cast<uint32_t>(crc);
    std::memcpy(bytes.data() + 12, &crc32le, sizeof crc32le);
    parse_and_restore(bytes);
  }
  return 0;
}
