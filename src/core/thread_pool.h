// A fixed pool of worker threads with a static, deterministic split of work: chunk t of
// parallel_for always covers the same range for a given thread count, so reductions done
// per chunk and then summed in chunk order give bit-identical results run after run.
//
// Hand-off is by spinning first, sleeping second: a batch-1 invoke issues one parallel_for per op,
// microseconds apart, and a futex wake-up costs several microseconds each time. So an idle worker
// polls for the next task for up to kSpinMicros before it blocks on a condition variable. Chunks are
// claimed, not assigned: the caller runs every chunk no worker has started yet, so a worker that is
// asleep or preempted (a busy machine) delays nobody. A chunk's range and index never depend on who
// runs it, so results do not either.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
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
  // chunk's contiguous share of [0, n); num_chunks = min(num_threads, n). Each chunk runs once, on
  // whichever of the pool's threads claims it first (per-chunk buffers are indexed by chunk, never
  // by thread). Blocks until done.
  void parallel_for(int n, const std::function<void(int chunk, int begin, int end)>& fn);

  // Convenience: a process-wide pool; set its size once at start-up (before first use).
  static ThreadPool& global();
  static void set_global_threads(int num_threads);

  // How long an idle thread polls before it sleeps: longer than the gap between two ops of an
  // invoke, short enough that a pool left idle stops burning its core almost at once.
  static constexpr int kSpinMicros = 100;

 private:
  void worker_loop();
  // Claims and runs chunks of the task published as `word` until none is left or another task
  // replaced it; returns the generation it saw last.
  uint32_t run_chunks(uint64_t word);

  int num_threads_;
  std::vector<std::thread> workers_;
  // The current task; written by the caller before it publishes work_ and left untouched until
  // every chunk has completed, so whoever claimed a chunk may read it.
  const std::function<void(int, int, int)>* task_ = nullptr;
  int task_n_ = 0;
  // generation << 32 | chunks << 16 | next unclaimed chunk: a compare-and-swap on this word claims
  // a chunk of exactly the generation it names.
  std::atomic<uint64_t> work_{0};
  std::atomic<int> completed_{0};         // chunks of the current task finished
  std::atomic<int> sleeping_workers_{0};  // workers blocked (or about to block) on cv_start_
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_start_, cv_done_;
};

// Chunk boundaries used by parallel_for, exposed for callers that size per-chunk buffers.
inline void chunk_range(int n, int chunks, int chunk, int* begin, int* end) {
  int base = n / chunks, extra = n % chunks;
  *begin = chunk * base + (chunk < extra ? chunk : extra);
  *end = *begin + base + (chunk < extra ? 1 : 0);
}

}  // namespace octet
