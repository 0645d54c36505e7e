#include "route/test_topology.h"

namespace baton::route::testing {

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
