#include "runtime/planner.h"

#include <gtest/gtest.h>

#include "core/rng.h"

namespace octet::runtime {
namespace {

ArenaRequest req(size_t bytes, int first, int last) {
  ArenaRequest r;
  r.bytes = bytes;
  r.first_op = first;
  r.last_op = last;
  return r;
}

TEST(Planner, LargestFirstLowestFreeOffset) {
  // B (200 bytes, ops 1-2) goes first at 0; A (ops 0-1) and C (ops 2-3) both meet B, never each
  // other, so they share the next aligned slot.
  ArenaPlan p = plan_arena({req(100, 0, 1), req(200, 1, 2), req(100, 2, 3)});
  EXPECT_EQ(p.offsets, (std::vector<size_t>{256, 0, 256}));
  EXPECT_EQ(p.arena_bytes, 384u);
  EXPECT_TRUE(plan_is_valid(p));
}

TEST(Planner, FillsAGapBetweenLiveBuffers) {
  // X [0,64) and Z [128,192) are live with the new request; Y (dead by then) held [64,128).
  ArenaPlan p = plan_arena({req(64, 0, 5), req(64, 0, 0), req(64, 0, 5), req(10, 3, 3)});
  EXPECT_EQ(p.offsets[0], 0u);
  EXPECT_EQ(p.offsets[1], 64u);
  EXPECT_EQ(p.offsets[2], 128u);
  EXPECT_EQ(p.offsets[3], 64u);
  EXPECT_EQ(p.arena_bytes, 192u);
}

TEST(Planner, RandomLifetimesNeverOverlapWhileLive) {
  Rng rng(5);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<ArenaRequest> rs;
    size_t total = 0;
    int n = 1 + rng.below(30);
    for (int i = 0; i < n; ++i) {
      int a = rng.below(20), b = rng.below(20);
      rs.push_back(req(rng.below(5000), std::min(a, b), std::max(a, b)));
      total += (rs.back().bytes + 63) / 64 * 64;
    }
    ArenaPlan p = plan_arena(rs);
    ASSERT_TRUE(plan_is_valid(p));
    EXPECT_LE(p.arena_bytes, total);
    for (size_t i = 0; i < p.requests.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (!lifetimes_overlap(p.requests[i], p.requests[j])) continue;
        bool disjoint = p.offsets[i] + p.requests[i].bytes <= p.offsets[j] ||
                        p.offsets[j] + p.requests[j].bytes <= p.offsets[i];
        EXPECT_TRUE(disjoint || p.requests[i].bytes == 0 || p.requests[j].bytes == 0);
      }
    }
  }
}

}  // namespace
}  // namespace octet::runtime
