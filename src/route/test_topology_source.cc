#include "route/test_topology_source.h"

namespace baton::route::testing {

int TestTopologySource::Subscribe(Listener listener) {
  std::lock_guard lock(mu_);
  for (const auto& [group, topology] : current_) listener(topology);
  listeners_[next_id_] = std::move(listener);
  return next_id_++;
}

void TestTopologySource::Unsubscribe(int id) {
  std::lock_guard lock(mu_);
  listeners_.erase(id);
}

void TestTopologySource::Set(const failover::Topology& topology) {
  std::lock_guard lock(mu_);
  current_[topology.group] = topology;
  for (auto& [id, listener] : listeners_) listener(topology);
}

failover::Topology ActivePassive(const std::string& group, failover::Epoch epoch,
                                 const std::string& primary,
                                 const std::map<std::string, uint16_t>& ports, bool confirmed) {
  failover::Topology t;
  t.group = group;
  t.epoch = epoch;
  t.primary = primary;
  t.primary_confirmed = confirmed;
  for (const auto& [name, port] : ports) {
    failover::MemberView m;
    m.name = name;
    m.address = "127.0.0.1:" + std::to_string(port);
    m.role = name == primary ? failover::MemberRole::kPrimary : failover::MemberRole::kReplica;
    m.health = detect::Health::kHealthy;
    m.epoch_seen = epoch;
    if (name == primary) t.primary_address = m.address;
    t.members.push_back(m);
  }
  return t;
}

}  // namespace baton::route::testing
