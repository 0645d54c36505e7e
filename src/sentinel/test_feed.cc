#include "sentinel/test_feed.h"

namespace baton::sentinel::testing {

int TestTopologyFeed::Subscribe(Listener listener) {
  std::lock_guard lock(mu_);
  for (const auto& [group, topology] : current_) listener(topology);
  listeners_.emplace(next_id_, std::move(listener));
  return next_id_++;
}

void TestTopologyFeed::Unsubscribe(int id) {
  std::lock_guard lock(mu_);
  listeners_.erase(id);
}

void TestTopologyFeed::Publish(const failover::Topology& topology) {
  std::lock_guard lock(mu_);
  current_[topology.group] = topology;
  for (const auto& [id, listener] : listeners_) listener(topology);
}

}  // namespace baton::sentinel::testing
