// Activation arena planning: every buffer that lives during invoke() (activations, graph inputs and
// outputs, per-op scratch) is a request with a byte size and an inclusive lifetime [first_op, last_op]
// over the op order. Requests are placed greedily, largest first, at the lowest 64-byte-aligned offset
// that does not overlap any already placed request whose lifetime intersects its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace octet::runtime {

inline constexpr size_t kArenaAlignment = 64;

struct ArenaRequest {
  size_t bytes = 0;
  int first_op = 0;  // inclusive
  int last_op = 0;   // inclusive
  // What the request is for (diagnostics and tests): a tensor index, or the op whose scratch it is.
  int32_t tensor = -1;
  int32_t scratch_op = -1;
};

struct ArenaPlan {
  std::vector<ArenaRequest> requests;
  std::vector<size_t> offsets;  // one per request, multiples of kArenaAlignment
  size_t arena_bytes = 0;       // a multiple of kArenaAlignment
};

inline bool lifetimes_overlap(const ArenaRequest& a, const ArenaRequest& b) {
  return a.first_op <= b.last_op && b.first_op <= a.last_op;
}

// Deterministic: ties in size are broken by the earlier first_op, then by request order.
ArenaPlan plan_arena(std::vector<ArenaRequest> requests);

// True when no two requests that are live at the same time share a byte (used by tests and DCHECKs).
bool plan_is_valid(const ArenaPlan& plan);

}  // namespace octet::runtime
