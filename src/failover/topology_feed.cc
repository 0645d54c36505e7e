#include "failover/topology_feed.h"

namespace baton::failover {

int TopologyFeed::Subscribe(Listener listener) {
  const int id = next_id_++;
  for (const auto& [group, topology] : current_) listener(topology);
  listeners_.emplace(id, std::move(listener));
  return id;
}

void TopologyFeed::Unsubscribe(int id) { listeners_.erase(id); }

void TopologyFeed::Publish(const Topology& topology) {
  auto it = current_.find(topology.group);
  if (it != current_.end() && it->second == topology) return;
  current_[topology.group] = topology;
  for (const auto& [id, listener] : listeners_) listener(topology);
}

}  // namespace baton::failover
