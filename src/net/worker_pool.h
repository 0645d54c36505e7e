// WorkerPool: a few threads for blocking work (exec hooks, fsync batches,
// libpq calls) that must not run on the event loop.
//
// Submit() hands a job to a worker thread; when it finishes, its completion
// is posted back to the EventLoop and runs on the loop thread, where it may
// touch the cores. Submit() is thread-safe. The destructor waits for running
// jobs to finish and drops jobs that have not started (their completions
// never run). Completions already posted still run on the loop, so they must
// not refer to the pool. REQUIRES: the loop outlives the pool.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "net/event_loop.h"

namespace baton::net {

class WorkerPool {
 public:
  // REQUIRES: threads > 0.
  WorkerPool(EventLoop& loop, int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `work` on a worker thread, then `done` (if set) on the loop thread.
  void Submit(std::function<void()> work, std::function<void()> done);

  // Runs `work` on a worker thread and hands its result to `done` on the loop.
  template <typename T>
  void Submit(std::function<T()> work, std::function<void(T)> done) {
    auto result = std::make_shared<std::optional<T>>();
    Submit([result, work = std::move(work)] { result->emplace(work()); },
           [result, done = std::move(done)] { done(std::move(**result)); });
  }

 private:
  struct Job {
    std::function<void()> work;
    std::function<void()> done;
  };
  void WorkerMain();

  EventLoop& loop_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace baton::net
