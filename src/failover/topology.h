// Topology: what routers (the proxy, the Sentinel-compatible endpoint) need
// to know about one group, built from its records in the store and the
// members' addresses in its configuration. Routers follow the store, never
// their own guess: an agent turns every change under /baton/groups/<g>/ into
// a new Topology and hands it to its subscribers (TopologySource).
// Plain values; thread-compatible.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "failover/group_config.h"
#include "failover/schema.h"

namespace baton::failover {

struct MemberView {
  std::string name;
  std::string address;  // host:port clients use
  MemberRole role = MemberRole::kUnknown;
  detect::Health health = detect::Health::kUnknown;
  Epoch epoch_seen = 0;
  friend bool operator==(const MemberView&, const MemberView&) = default;
};

struct Topology {
  std::string group;
  GroupMode mode = GroupMode::kActivePassive;
  Epoch epoch = 0;  // the group record's epoch (serving epoch in active-active)
  GroupState state = GroupState::kStable;
  std::string primary;          // empty: none (mid-failover, or active-active)
  std::string primary_address;  // its address, "" when no primary
  // Active-passive: the primary may take writes only once its own agent
  // reported it primary at `epoch` (its MemberRecord says so).
  bool primary_confirmed = false;
  std::vector<MemberView> members;   // every configured member, config order
  std::vector<std::string> serving;  // active-active serving set
  friend bool operator==(const Topology&, const Topology&) = default;
};

// The topology of `config`'s group from whatever records exist.
Topology BuildTopology(const GroupConfig& config, const std::optional<GroupRecord>& group,
                       const std::map<std::string, MemberRecord>& members,
                       const std::optional<ServingRecord>& serving);

// Something that delivers each group's topology whenever it changes (the
// agent's store watch; a test's hand-driven feed). Subscribers are called on
// the source's thread, first with the current topology of every group.
class TopologySource {
 public:
  using Listener = std::function<void(const Topology&)>;
  virtual ~TopologySource() = default;
  // Returns an id for Unsubscribe.
  virtual int Subscribe(Listener listener) = 0;
  virtual void Unsubscribe(int id) = 0;
};

}  // namespace baton::failover
