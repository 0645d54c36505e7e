// TopologyFeed: a TopologySource fed by Publish. The agent's failover
// service publishes each group's topology whenever its records change (from
// its store watch); tests publish the topologies they state by hand. The feed
// passes on only real changes, and a new subscriber first gets the current
// topology of every group. Listeners run on the publishing thread and may not
// Subscribe/Unsubscribe from inside a call. Not thread-safe: one thread only
// (the agent's loop thread).
#pragma once

#include <map>
#include <string>

#include "failover/topology.h"

namespace baton::failover {

class TopologyFeed final : public TopologySource {
 public:
  int Subscribe(Listener listener) override;
  void Unsubscribe(int id) override;

  // Records `topology` and tells every subscriber if it changed.
  void Publish(const Topology& topology);
  // The latest topology of every group published so far.
  const std::map<std::string, Topology>& current() const { return current_; }

 private:
  std::map<std::string, Topology> current_;
  std::map<int, Listener> listeners_;
  int next_id_ = 1;
};

}  // namespace baton::failover
