// TestTopologyFeed: a hand-driven failover::TopologySource for tests — the
// test publishes each Topology as the agent's store watch would. Listeners
// run on the publishing thread, under a lock, so Unsubscribe waits for a
// call in progress. Thread-safe. Test-only.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "failover/topology.h"

namespace baton::sentinel::testing {

class TestTopologyFeed : public failover::TopologySource {
 public:
  int Subscribe(Listener listener) override;
  void Unsubscribe(int id) override;
  // Remembers `topology` as its group's current one and tells every listener.
  void Publish(const failover::Topology& topology);

 private:
  std::mutex mu_;
  std::map<int, Listener> listeners_;
  std::map<std::string, failover::Topology> current_;
  int next_id_ = 1;
};

}  // namespace baton::sentinel::testing
