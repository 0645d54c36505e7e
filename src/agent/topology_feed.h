// TopologyFeed: the agent's failover::TopologySource. The failover service
// publishes each group's topology whenever its records change (from its store
// watch); the feed passes on only real changes, and a new subscriber first
// gets the current topology of every group. Listeners run on the loop thread
// and may not Subscribe/Unsubscribe from inside a call. Loop thread only.
#pragma once

#include <map>
#include <string>

#include "failover/topology.h"

namespace baton::agent {

class TopologyFeed final : public failover::TopologySource {
 public:
  int Subscribe(Listener listener) override;
  void Unsubscribe(int id) override;

  // Records `topology` and tells every subscriber if it changed.
  void Publish(const failover::Topology& topology);
  // The latest topology of every group published so far.
  const std::map<std::string, failover::Topology>& current() const { return current_; }

 private:
  std::map<std::string, failover::Topology> current_;
  std::map<int, Listener> listeners_;
  int next_id_ = 1;
};

}  // namespace baton::agent
