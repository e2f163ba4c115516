#include "core/thread_pool.h"

#include <algorithm>
#include <memory>

#include "core/status.h"

namespace octet {

ThreadPool::ThreadPool(int num_threads) : num_threads_(std::max(1, num_threads)) {
  for (int i = 1; i < num_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_start_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::parallel_for(int n, const std::function<void(int, int, int)>& fn) {
  if (n <= 0) return;
  int chunks = std::min(num_threads_, n);
  if (chunks == 1) {
    fn(0, 0, n);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = &fn;
    task_n_ = n;
    task_chunks_ = chunks;
    pending_ = chunks - 1;
    ++generation_;
  }
  cv_start_.notify_all();
  int b, e;
  chunk_range(n, chunks, 0, &b, &e);
  fn(0, b, e);
  std::unique_lock<std::mutex> lock(mu_);
  cv_done_.wait(lock, [this] { return pending_ == 0; });
  task_ = nullptr;
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(int, int, int)>* task;
    int n, chunks;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_start_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      task = task_;
      n = task_n_;
      chunks = task_chunks_;
    }
    if (index < chunks) {
      int b, e;
      chunk_range(n, chunks, index, &b, &e);
      (*task)(index, b, e);
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) cv_done_.notify_one();
    }
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
