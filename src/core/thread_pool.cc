#include "core/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <memory>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace octet {
namespace {

// Tells the core this is a spin loop (saves power, yields to the sibling hyper-thread).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// Polls done() until it holds or kSpinMicros have passed; returns its last value. Between bursts
// of polling it yields the core: with more runnable threads than cores, a spinner would otherwise
// hold up the very thread it waits for until the scheduler preempts it.
template <typename Done>
bool spin_until(const Done& done) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::microseconds(ThreadPool::kSpinMicros);
  for (;;) {
    for (int i = 0; i < 32; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (Clock::now() >= deadline) return done();
    std::this_thread::yield();
  }
}

// The fields of ThreadPool::work_.
constexpr int kMaxThreads = 0xffff;
constexpr uint64_t pack_work(uint32_t generation, int chunks, int next) {
  return uint64_t{generation} << 32 | static_cast<uint64_t>(chunks) << 16 | static_cast<uint64_t>(next);
}
constexpr uint32_t generation_of(uint64_t work) { return static_cast<uint32_t>(work >> 32); }
constexpr int chunks_of(uint64_t work) { return static_cast<int>(work >> 16 & kMaxThreads); }
constexpr int next_of(uint64_t work) { return static_cast<int>(work & kMaxThreads); }

}  // namespace

ThreadPool::ThreadPool(int num_threads) : num_threads_(std::clamp(num_threads, 1, kMaxThreads)) {
  for (int i = 1; i < num_threads_; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  cv_start_.notify_all();
  for (auto& t : workers_) t.join();
}

// The sleep hand-offs are Dekker-style: each side stores its own flag and then loads the other's,
// all sequentially consistent, so at least one side sees the other and no wake-up is lost; the
// notifying side takes the mutex, which the sleeper holds until it waits.
void ThreadPool::parallel_for(int n, const std::function<void(int, int, int)>& fn) {
  if (n <= 0) return;
  const int chunks = std::min(num_threads_, n);
  if (chunks == 1) {
    fn(0, 0, n);
    return;
  }
  task_ = &fn;
  task_n_ = n;
  completed_.store(0, std::memory_order_relaxed);  // published by the store below
  const uint64_t work = pack_work(generation_of(work_.load(std::memory_order_relaxed)) + 1, chunks, 0);
  work_.store(work);
  if (sleeping_workers_.load() > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    cv_start_.notify_all();
  }
  run_chunks(work);
  // Only chunks that a worker claimed are left; wait for them.
  auto done = [this, chunks] { return completed_.load(std::memory_order_acquire) == chunks; };
  if (!spin_until(done)) {
    std::unique_lock<std::mutex> lock(mu_);
    caller_sleeping_.store(true);
    cv_done_.wait(lock, [this, chunks] { return completed_.load() == chunks; });
    caller_sleeping_.store(false, std::memory_order_relaxed);
  }
  task_ = nullptr;
}

uint32_t ThreadPool::run_chunks(uint64_t work) {
  for (;;) {
    const int chunks = chunks_of(work), chunk = next_of(work);
    if (chunk >= chunks) return generation_of(work);
    // On failure `work` is reloaded: another thread took the chunk, or (for a worker) the caller
    // has published a new task, whose chunks are as good to take.
    if (!work_.compare_exchange_weak(work, work + 1)) continue;
    // The claimed chunk keeps the caller waiting, so task_ stays this generation's until it is done.
    int b, e;
    chunk_range(task_n_, chunks, chunk, &b, &e);
    (*task_)(chunk, b, e);
    if (completed_.fetch_add(1) + 1 == chunks && caller_sleeping_.load()) {
      std::lock_guard<std::mutex> lock(mu_);
      cv_done_.notify_one();
    }
    work = work_.load(std::memory_order_acquire);
  }
}

void ThreadPool::worker_loop() {
  uint32_t seen = 0;  // the generation whose chunks this worker last found all claimed
  auto fresh = [this, &seen] { return stop_.load() || generation_of(work_.load()) != seen; };
  for (;;) {
    if (!spin_until(fresh)) {
      std::unique_lock<std::mutex> lock(mu_);
      sleeping_workers_.fetch_add(1);
      cv_start_.wait(lock, fresh);
      sleeping_workers_.fetch_sub(1);
    }
    if (stop_.load()) return;
    seen = run_chunks(work_.load(std::memory_order_acquire));
  }
}

namespace {
int g_threads = 1;
std::unique_ptr<ThreadPool> g_pool;
}  // namespace

ThreadPool& ThreadPool::global() {
  if (!g_pool) g_pool = std::make_unique<ThreadPool>(g_threads);
  return *g_pool;
}

void ThreadPool::set_global_threads(int num_threads) {
  g_threads = std::max(1, num_threads);
  if (g_pool && g_pool->num_threads() != g_threads) g_pool = std::make_unique<ThreadPool>(g_threads);
}

}  // namespace octet
