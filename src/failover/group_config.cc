#include "failover/group_config.h"

#include <set>
#include <string>

namespace baton::failover {
namespace {

Status KeySegment(std::string_view what, std::string_view value) {
  if (value.empty()) return Status::InvalidArgument(std::string(what) + " must not be empty");
  if (value.find('/') != std::string_view::npos) {
    return Status::InvalidArgument(std::string(what) + " '" + std::string(value) +
                                   "' must not contain '/'");
  }
  return Status::Ok();
}

Status Positive(std::string_view what, Duration d) {
  if (d > Duration::Zero()) return Status::Ok();
  return Status::InvalidArgument(std::string(what) + " must be > 0, got " + d.ToString());
}

Status ValidateMembers(const GroupConfig& c) {
  if (c.members.empty()) return Status::InvalidArgument("group '" + c.name + "' has no members");
  std::set<std::string, std::less<>> names;
  for (const MemberConfig& m : c.members) {
    BATON_RETURN_IF_ERROR(KeySegment("member name", m.name));
    BATON_RETURN_IF_ERROR(KeySegment("member '" + m.name + "' node", m.node));
    if (m.address.empty()) {
      return Status::InvalidArgument("member '" + m.name + "' has no address");
    }
    if (m.priority < 0) {
      return Status::InvalidArgument("member '" + m.name + "' priority must be >= 0");
    }
    if (!names.insert(m.name).second) {
      return Status::InvalidArgument("member name '" + m.name + "' appears twice");
    }
  }
  return Status::Ok();
}

Status ValidateTimeouts(const StepTimeouts& t) {
  BATON_RETURN_IF_ERROR(Positive("timeouts.fence", t.fence));
  BATON_RETURN_IF_ERROR(Positive("timeouts.promote", t.promote));
  BATON_RETURN_IF_ERROR(Positive("timeouts.wait_promotion", t.wait_promotion));
  BATON_RETURN_IF_ERROR(Positive("timeouts.reconfigure", t.reconfigure));
  BATON_RETURN_IF_ERROR(Positive("timeouts.catch_up", t.catch_up));
  BATON_RETURN_IF_ERROR(Positive("timeouts.retry_after", t.retry_after));
  BATON_RETURN_IF_ERROR(Positive("timeouts.command", t.command));
  if (t.command_attempts < 1) {
    return Status::InvalidArgument("timeouts.command_attempts must be >= 1");
  }
  return Status::Ok();
}

Status ValidateLease(const GroupConfig& c) {
  BATON_RETURN_IF_ERROR(Positive("lease_ttl", c.lease_ttl));
  BATON_RETURN_IF_ERROR(Positive("drift_margin", c.drift_margin));
  if (c.drift_margin * 3 >= c.lease_ttl) {
    return Status::InvalidArgument("drift_margin (" + c.drift_margin.ToString() +
                                   ") must be < lease_ttl / 3 (" + c.RenewInterval().ToString() +
                                   ") so the primary renews at least twice before self-fencing");
  }
  if (c.timeouts.fence <= c.lease_ttl + c.drift_margin) {
    return Status::InvalidArgument("timeouts.fence (" + c.timeouts.fence.ToString() +
                                   ") must be > lease_ttl + drift_margin");
  }
  return Status::Ok();
}

}  // namespace

std::string_view GroupModeName(GroupMode mode) {
  return mode == GroupMode::kActivePassive ? "active-passive" : "active-active";
}

std::string_view StandbyKindName(StandbyKind kind) {
  switch (kind) {
    case StandbyKind::kHot:
      return "hot";
    case StandbyKind::kWarm:
      return "warm";
    case StandbyKind::kCold:
      return "cold";
  }
  return "unknown";
}

std::string_view ReplicationName(Replication replication) {
  switch (replication) {
    case Replication::kSync:
      return "sync";
    case Replication::kSemiSync:
      return "semi-sync";
    case Replication::kAsync:
      return "async";
  }
  return "unknown";
}

Status GroupConfig::Validate() const {
  BATON_RETURN_IF_ERROR(KeySegment("group name", name));
  BATON_RETURN_IF_ERROR(ValidateMembers(*this));
  if (replication == Replication::kSemiSync &&
      (sync_acks < 1 || sync_acks >= static_cast<int>(members.size()))) {
    return Status::InvalidArgument("sync_acks must be in [1, members - 1], got " +
                                   std::to_string(sync_acks));
  }
  BATON_RETURN_IF_ERROR(ValidateLease(*this));
  if (failback == Failback::kAutomatic) {
    BATON_RETURN_IF_ERROR(Positive("failback_stable", failback_stable));
  }
  BATON_RETURN_IF_ERROR(ValidateTimeouts(timeouts));
  BATON_RETURN_IF_ERROR(Positive("tilt.max_tick_gap", tilt.max_tick_gap));
  return Positive("tilt.period", tilt.period);
}

const MemberConfig* GroupConfig::FindMember(std::string_view member) const {
  for (const MemberConfig& m : members) {
    if (m.name == member) return &m;
  }
  return nullptr;
}

}  // namespace baton::failover
