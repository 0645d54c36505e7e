#include "failover/topology_gate.h"

namespace baton::failover {

TopologyGate::TopologyGate(TopologySource& source) : source_(source) {
  subscription_ = source_.Subscribe([this](const Topology& t) {
    latest_[t.group] = t;
    out_.Publish(Gated(t));
  });
}

TopologyGate::~TopologyGate() { source_.Unsubscribe(subscription_); }

int TopologyGate::Subscribe(Listener listener) { return out_.Subscribe(std::move(listener)); }

void TopologyGate::Unsubscribe(int id) { out_.Unsubscribe(id); }

void TopologyGate::SetOpen(bool open) {
  if (open == open_) return;
  open_ = open;
  for (const auto& [group, topology] : latest_) out_.Publish(Gated(topology));
}

Topology TopologyGate::Gated(const Topology& topology) const {
  if (open_ || topology.mode == GroupMode::kActiveActive) return topology;
  Topology gated = topology;
  gated.primary.clear();
  gated.primary_address.clear();
  gated.primary_confirmed = false;
  return gated;
}

}  // namespace baton::failover
