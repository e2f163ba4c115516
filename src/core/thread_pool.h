// A fixed pool of worker threads with a static, deterministic split of work: chunk t of
// parallel_for always covers the same range for a given thread count, so reductions done
// per chunk and then summed in chunk order give bit-identical results run after run.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace octet {

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads);  // num_threads >= 1; the caller counts as one
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(chunk, begin, end) for chunk = 0..num_chunks-1, where [begin, end) is the
  // chunk's contiguous share of [0, n); num_chunks = min(num_threads, n). Blocks until done.
  void parallel_for(int n, const std::function<void(int chunk, int begin, int end)>& fn);

  // Convenience: a process-wide pool; set its size once at start-up (before first use).
  static ThreadPool& global();
  static void set_global_threads(int num_threads);

 private:
  void worker_loop(int index);

  int num_threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_start_, cv_done_;
  const std::function<void(int, int, int)>* task_ = nullptr;
  int task_n_ = 0, task_chunks_ = 0;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
};

// Chunk boundaries used by parallel_for, exposed for callers that size per-chunk buffers.
inline void chunk_range(int n, int chunks, int chunk, int* begin, int* end) {
  int base = n / chunks, extra = n % chunks;
  *begin = chunk * base + (chunk < extra ? chunk : extra);
  *end = *begin + base + (chunk < extra ? 1 : 0);
}

}  // namespace octet
