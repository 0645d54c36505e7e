// MemberExecutor: runs one member's adapter calls on the WorkerPool, one at a
// time and in order (adapter.h promises implementations that calls for one
// member never overlap), and hands each completion back on the loop thread.
// Completions of jobs that finish after the executor is gone are dropped.
// Loop thread only.
#pragma once

#include <deque>
#include <functional>
#include <memory>

#include "adapters/adapter.h"
#include "net/worker_pool.h"

namespace baton::agent {

class MemberExecutor {
 public:
  using Work = std::function<void(adapters::Adapter&)>;  // runs on a worker thread
  using Done = std::function<void()>;                    // runs on the loop thread

  MemberExecutor(net::WorkerPool& pool, std::shared_ptr<adapters::Adapter> adapter);
  MemberExecutor(const MemberExecutor&) = delete;
  MemberExecutor& operator=(const MemberExecutor&) = delete;

  // Queues `work`; `done` runs on the loop after it finished.
  void Run(Work work, Done done);
  // Jobs queued or running.
  size_t pending() const { return queue_.size() + (running_ ? 1 : 0); }

 private:
  struct Job {
    Work work;
    Done done;
  };
  void StartNext();

  net::WorkerPool& pool_;
  std::shared_ptr<adapters::Adapter> adapter_;
  std::deque<Job> queue_;
  bool running_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace baton::agent
