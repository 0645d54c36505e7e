#include "agent/failover_service_exec.h"

namespace baton::agent {

MemberExecutor::MemberExecutor(net::WorkerPool& pool, std::shared_ptr<adapters::Adapter> adapter)
    : pool_(pool), adapter_(std::move(adapter)) {}

void MemberExecutor::Run(Work work, Done done) {
  queue_.push_back({std::move(work), std::move(done)});
  if (!running_) StartNext();
}

void MemberExecutor::StartNext() {
  if (queue_.empty()) return;
  running_ = true;
  Job job = std::move(queue_.front());
  queue_.pop_front();
  std::weak_ptr<int> alive = alive_;
  // The worker holds its own reference: the adapter outlives a call that
  // finishes after the executor is gone.
  pool_.Submit([adapter = adapter_, work = std::move(job.work)] { work(*adapter); },
               [this, alive, done = std::move(job.done)] {
                 if (alive.expired()) return;
                 running_ = false;
                 if (done) done();
                 if (!alive.expired() && !running_) StartNext();
               });
}

}  // namespace baton::agent
