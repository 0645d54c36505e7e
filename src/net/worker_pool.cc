#include "net/worker_pool.h"

#include "core/check.h"

namespace baton::net {

WorkerPool::WorkerPool(EventLoop& loop, int threads) : loop_(loop) {
  BATON_CHECK(threads > 0) << "a worker pool needs at least one thread";
  threads_.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { WorkerMain(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    jobs_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::Submit(std::function<void()> work, std::function<void()> done) {
  BATON_CHECK(work != nullptr) << "WorkerPool::Submit needs work";
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    jobs_.push_back(Job{std::move(work), std::move(done)});
  }
  cv_.notify_one();
}

void WorkerPool::WorkerMain() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job.work();
    if (job.done) loop_.Post(std::move(job.done));
  }
}

}  // namespace baton::net
