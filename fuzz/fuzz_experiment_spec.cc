// Fuzzes the experiment-file reader (octet run FILE.json): the text as load_spec parses it (depth
// guard, JSON, validation), and for accepted specs the --quick variant and the settings record.
// The origin has no directory, so model and dataset paths in a spec resolve against the working
// directory (the reader only checks that they exist).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "experiment/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto spec = octet::experiment::parse_spec_text(std::vector<uint8_t>(data, data + size), "fuzz.json");
  if (!spec.ok()) return 0;
  const octet::experiment::Spec quick = octet::experiment::quick_version(*spec);
  (void)octet::experiment::settings_json(quick).dump();
  return 0;
}
