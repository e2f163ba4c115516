// Fuzzes the .tflite reader and, for files it accepts, the interpreter: create at batch 1 and
// invoke once on zero input. A graph whose tensors (or planned arena) would exceed 64 MB is not
// run, so a fuzzer-made model cannot make the harness allocate gigabytes.
#include <cstddef>
#include <cstdint>

#include "runtime/graph.h"
#include "runtime/interpreter.h"
#include "tflite/reader.h"

namespace {

constexpr int64_t kMaxBytes = int64_t{64} << 20;

// Bytes of every tensor at batch 1 (unknown / non-positive dims count as 1), saturating.
int64_t tensor_bytes_bound(const octet::runtime::Graph& g) {
  int64_t total = 0;
  for (const auto& t : g.tensors) {
    int64_t n = octet::runtime::element_size(t.type);
    for (int32_t d : t.shape) {
      n *= d > 0 ? d : 1;
      if (n > kMaxBytes) return kMaxBytes + 1;
    }
    total += n;
    if (total > kMaxBytes) return kMaxBytes + 1;
  }
  return total;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto graph = octet::tflite::parse_tflite(data, size, "fuzz.tflite");
  if (!graph.ok()) return 0;
  if (tensor_bytes_bound(*graph) > kMaxBytes) return 0;
  octet::runtime::InterpreterOptions options;
  options.batch = 1;
  options.num_threads = 1;
  auto interp = octet::runtime::Interpreter::create(*graph, options);
  if (!interp.ok()) return 0;
  if ((*interp)->arena_bytes() > static_cast<size_t>(kMaxBytes)) return 0;
  // create() hands out zeroed input buffers; run once on that zero input.
  (void)(*interp)->invoke();
  return 0;
}
