#include "failover/topology.h"

namespace baton::failover {

Topology BuildTopology(const GroupConfig& config, const std::optional<GroupRecord>& group,
                       const std::map<std::string, MemberRecord>& members,
                       const std::optional<ServingRecord>& serving) {
  Topology topology;
  topology.group = config.name;
  topology.mode = config.mode;
  if (group) {
    topology.epoch = group->epoch;
    topology.state = group->state;
    topology.primary = group->primary;
  }
  for (const MemberConfig& member : config.members) {
    MemberView view;
    view.name = member.name;
    view.address = member.address;
    if (auto it = members.find(member.name); it != members.end()) {
      view.role = it->second.role;
      view.health = it->second.health;
      view.epoch_seen = it->second.epoch_seen;
    }
    if (!topology.primary.empty() && member.name == topology.primary) {
      topology.primary_address = member.address;
      topology.primary_confirmed =
          view.role == MemberRole::kPrimary && view.epoch_seen == topology.epoch;
    }
    topology.members.push_back(std::move(view));
  }
  if (config.mode == GroupMode::kActiveActive && serving) {
    topology.epoch = serving->epoch;
    topology.serving = serving->members;
  }
  return topology;
}

}  // namespace baton::failover
