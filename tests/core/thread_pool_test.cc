#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace octet {

TEST(ThreadPool, CoversEveryIndexOnceInContiguousChunks) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    for (int n : {0, 1, 2, 7, 100}) {
      std::vector<std::atomic<int>> hits(n);
      std::vector<int> chunk_of(n, -1);
      pool.parallel_for(n, [&](int chunk, int b, int e) {
        int eb, ee;
        chunk_range(n, std::min(threads, n), chunk, &eb, &ee);
        EXPECT_EQ(b, eb);
        EXPECT_EQ(e, ee);
        for (int i = b; i < e; ++i) {
          hits[i]++;
          chunk_of[i] = chunk;
        }
      });
      for (int i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
      for (int i = 1; i < n; ++i) EXPECT_LE(chunk_of[i - 1], chunk_of[i]);
    }
  }
}

TEST(ThreadPool, ManyRoundsInARow) {
  ThreadPool pool(2);
  std::atomic<long> total{0};
  for (int round = 0; round < 2000; ++round)
    pool.parallel_for(10, [&](int, int b, int e) { total += e - b; });
  EXPECT_EQ(total.load(), 20000);
}

// Rounds spaced wider than the spin window make the workers fall asleep between tasks, and a chunk
// longer than it makes the caller sleep while waiting: both hand-offs must still complete.
TEST(ThreadPool, WakesSleepingWorkersAndCaller) {
  const auto longer_than_spin = std::chrono::microseconds(4 * ThreadPool::kSpinMicros);
  for (int threads : {2, 3}) {
    ThreadPool pool(threads);
    std::atomic<long> total{0};
    for (int round = 0; round < 20; ++round) {
      std::this_thread::sleep_for(longer_than_spin);
      pool.parallel_for(threads, [&](int chunk, int b, int e) {
        if (chunk == threads - 1 && round % 2 == 1) std::this_thread::sleep_for(longer_than_spin);
        total += e - b;
      });
    }
    EXPECT_EQ(total.load(), 20L * threads);
  }
}

// Tasks with fewer chunks than threads leave some workers out; they must not run a later task's
// chunk with an earlier task's bounds (or vice versa) when tasks follow each other closely.
TEST(ThreadPool, AlternatingChunkCounts) {
  ThreadPool pool(3);
  std::atomic<long> total{0};
  for (int round = 0; round < 3000; ++round) {
    const int n = round % 3 + 1;
    pool.parallel_for(n, [&, n](int chunk, int b, int e) {
      int eb, ee;
      chunk_range(n, std::min(3, n), chunk, &eb, &ee);
      if (b != eb || e != ee) total += 1000000;
      total += e - b;
    });
  }
  EXPECT_EQ(total.load(), 1000L * (1 + 2 + 3));
}

}  // namespace octet
