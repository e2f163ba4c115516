#include "runtime/planner.h"

#include <algorithm>
#include <numeric>

namespace octet::runtime {
namespace {

size_t align_up(size_t n) { return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

}  // namespace

ArenaPlan plan_arena(std::vector<ArenaRequest> requests) {
  ArenaPlan plan;
  plan.requests = std::move(requests);
  const size_t n = plan.requests.size();
  plan.offsets.assign(n, 0);

  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const ArenaRequest& ra = plan.requests[a];
    const ArenaRequest& rb = plan.requests[b];
    if (ra.bytes != rb.bytes) return ra.bytes > rb.bytes;
    return ra.first_op < rb.first_op;
  });

  // Placed requests as (offset, end) intervals; for each new request, collect the intervals of the
  // placed ones that are live at the same time, sorted by offset, and take the first gap that fits.
  std::vector<size_t> placed;
  std::vector<std::pair<size_t, size_t>> busy;
  for (size_t idx : order) {
    const ArenaRequest& r = plan.requests[idx];
    const size_t size = align_up(r.bytes);
    busy.clear();
    for (size_t p : placed) {
      if (lifetimes_overlap(r, plan.requests[p]) && plan.requests[p].bytes > 0) {
        busy.emplace_back(plan.offsets[p], plan.offsets[p] + align_up(plan.requests[p].bytes));
      }
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (offset + size <= begin) break;
      offset = std::max(offset, end);
    }
    plan.offsets[idx] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + size);
    placed.push_back(idx);
  }
  return plan;
}

bool plan_is_valid(const ArenaPlan& plan) {
  const size_t n = plan.requests.size();
  if (plan.offsets.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    const ArenaRequest& a = plan.requests[i];
    if (plan.offsets[i] % kArenaAlignment != 0) return false;
    if (plan.offsets[i] + a.bytes > plan.arena_bytes) return false;
    for (size_t j = i + 1; j < n; ++j) {
      const ArenaRequest& b = plan.requests[j];
      if (a.bytes == 0 || b.bytes == 0 || !lifetimes_overlap(a, b)) continue;
      bool disjoint = plan.offsets[i] + a.bytes <= plan.offsets[j] ||
                      plan.offsets[j] + b.bytes <= plan.offsets[i];
      if (!disjoint) return false;
    }
  }
  return true;
}

}  // namespace octet::runtime
