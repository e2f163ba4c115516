#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
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

}  // namespace octet
