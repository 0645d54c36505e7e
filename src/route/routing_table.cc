#include "route/routing_table.h"

#include <algorithm>

namespace baton::route {

RoutingTable BuildRoutingTable(const failover::Topology& topology) {
  RoutingTable table;
  table.epoch = topology.epoch;
  table.active_active = topology.mode == failover::GroupMode::kActiveActive;
  if (table.active_active) {
    for (const failover::MemberView& m : topology.members) {
      const bool serving = std::find(topology.serving.begin(), topology.serving.end(), m.name) !=
                           topology.serving.end();
      if (serving && m.health != detect::Health::kUnhealthy && !m.address.empty()) {
        table.pool.push_back({m.name, m.address});
      }
    }
    return table;
  }
  if (!topology.primary.empty() && topology.primary_confirmed &&
      !topology.primary_address.empty()) {
    table.primary = Backend{topology.primary, topology.primary_address};
  }
  for (const failover::MemberView& m : topology.members) {
    if (m.name == topology.primary || m.address.empty()) continue;
    if (m.role == failover::MemberRole::kReplica && m.health == detect::Health::kHealthy) {
      table.pool.push_back({m.name, m.address});
    }
  }
  return table;
}

std::string Describe(const RoutingTable& table) {
  std::string out = "epoch=" + std::to_string(table.epoch);
  if (!table.active_active) out += " primary=" + (table.primary ? table.primary->member : "-");
  out += " pool=";
  for (size_t i = 0; i < table.pool.size(); ++i) out += (i ? "," : "") + table.pool[i].member;
  if (table.pool.empty()) out += "-";
  return out;
}

}  // namespace baton::route
