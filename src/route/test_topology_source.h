// TestTopologySource: a TopologySource a test drives by hand. It is a feed
// (what the agent's store watch delivers), not a stand-in for a server: the
// test states each topology the controller would have written. Thread-safe;
// listeners run on the thread that calls Set().
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "failover/topology.h"

namespace baton::route::testing {

class TestTopologySource final : public failover::TopologySource {
 public:
  int Subscribe(Listener listener) override;
  void Unsubscribe(int id) override;
  // Delivers `topology` to every subscriber and keeps it for new ones.
  void Set(const failover::Topology& topology);

 private:
  std::mutex mu_;
  int next_id_ = 1;
  std::map<int, Listener> listeners_;                  // guarded by mu_
  std::map<std::string, failover::Topology> current_;  // guarded by mu_
};

// An active-passive topology: `primary` (confirmed unless told otherwise) and
// healthy replicas. Addresses are "127.0.0.1:<port>".
failover::Topology ActivePassive(const std::string& group, failover::Epoch epoch,
                                 const std::string& primary,
                                 const std::map<std::string, uint16_t>& ports,
                                 bool confirmed = true);

}  // namespace baton::route::testing
