#include "config/group_section.h"

#include "config/agent_config.h"
#include "config/checks_section.h"

namespace baton::config {
namespace {

void BindTimeouts(MapReader& m, failover::StepTimeouts* t) {
  m.Optional("fence", &t->fence);
  m.Optional("promote", &t->promote);
  m.Optional("wait_promotion", &t->wait_promotion);
  m.Optional("reconfigure", &t->reconfigure);
  m.Optional("catch_up", &t->catch_up);
  m.Optional("retry_after", &t->retry_after);
  m.Optional("command", &t->command);
  m.Optional("command_attempts", &t->command_attempts);
}

void BindSettings(MapReader& m, Settings* settings) {
  m.RemainingScalars([settings](const std::string& key, const std::string& value, int line) {
    (*settings)[key] = adapters::AdapterSetting{value, line};
  });
}

void BindMember(MapReader& m, GroupSpec* group) {
  failover::MemberConfig& member = group->group.members.emplace_back();
  m.Required("name", &member.name);
  m.Required("node", &member.node);
  HostPort address;
  m.Required("address", &address);
  member.address = address.ToString();
  m.Optional("priority", &member.priority);
  m.OptionalEnum("standby", &member.standby,
                 {{"hot", failover::StandbyKind::kHot},
                  {"warm", failover::StandbyKind::kWarm},
                  {"cold", failover::StandbyKind::kCold}});
  // A duplicate name keeps the first spec; CheckGroups reports it.
  MemberSpec spec;
  m.Section("adapter", Presence::kRequired, [&spec](MapReader& a) {
    a.Required("kind", &spec.adapter.kind);
    BindSettings(a, &spec.adapter.settings);
  });
  m.Sequence("checks", Presence::kOptional,
             [&spec](MapReader& c) { BindCheck(c, &spec.checks.emplace_back()); });
  m.Section("supervise", Presence::kOptional, [&spec, &member](MapReader& s) {
    BindSupervise(s, member.name, &spec.supervise.emplace());
  });
  group->members.emplace(member.name, std::move(spec));
}

std::optional<Violation> CheckMembers(const std::string& at, const GroupSpec& g,
                                      const std::vector<PeerConfig>& peers) {
  const std::vector<failover::MemberConfig>& members = g.group.members;
  if (members.empty()) return Violation{at + ".members", "must list at least one member"};
  for (size_t i = 0; i < members.size(); ++i) {
    const failover::MemberConfig& m = members[i];
    const std::string path = at + ".members[" + std::to_string(i) + "]";
    if (m.name.empty() || m.name.find('/') != std::string::npos) {
      return Violation{path + ".name", "must be non-empty and without '/'"};
    }
    for (size_t j = 0; j < i; ++j) {
      if (members[j].name == m.name) {
        return Violation{path + ".name", "'" + m.name + "' is also " + at + ".members[" +
                                             std::to_string(j) + "].name"};
      }
    }
    bool known = false;
    for (const PeerConfig& peer : peers) known = known || peer.name == m.node;
    if (!known) {
      return Violation{path + ".node", "'" + m.node + "' is not the name of any entry in peers"};
    }
    const MemberSpec& spec = g.members.at(m.name);
    if (spec.adapter.kind.empty()) return Violation{path + ".adapter.kind", "must not be empty"};
    if (auto v = CheckChecks(path, spec.checks)) return v;
    if (spec.supervise) {
      if (auto v = CheckSupervise(path + ".supervise", *spec.supervise)) return v;
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckHooks(const std::string& at, const GroupSpec& g) {
  if (g.fencing) {
    if (g.fencing->command.empty()) return Violation{at + ".fencing.command", "must not be empty"};
    if (g.fencing->timeout <= Duration::Zero()) {
      return Violation{at + ".fencing.timeout", "must be positive"};
    }
  }
  if (g.notify) {
    const adapters::NotifySpec& n = *g.notify;
    if (n.command.empty() && n.webhook.empty()) {
      return Violation{at + ".notify", "give a command, a webhook or both"};
    }
    if (!n.webhook.empty()) {
      constexpr std::string_view kScheme = "http://";
      const std::string_view rest =
          std::string_view(n.webhook).substr(n.webhook.starts_with(kScheme) ? kScheme.size() : 0);
      const std::string_view authority = rest.substr(0, rest.find('/'));
      if (!n.webhook.starts_with(kScheme) || authority.empty()) {
        return Violation{at + ".notify.webhook",
                         "expected http://host[:port]/path, got \"" + n.webhook + "\""};
      }
    }
    if (n.timeout <= Duration::Zero()) return Violation{at + ".notify.timeout", "must be positive"};
  }
  return std::nullopt;
}

}  // namespace

const MemberSpec* GroupSpec::FindMember(std::string_view name) const {
  auto it = members.find(std::string(name));
  return it == members.end() ? nullptr : &it->second;
}

void BindGroup(MapReader& m, GroupSpec* group) {
  group->line = m.line();
  failover::GroupConfig& g = group->group;
  m.Required("name", &g.name);
  m.OptionalEnum("mode", &g.mode,
                 {{"active-passive", failover::GroupMode::kActivePassive},
                  {"active-active", failover::GroupMode::kActiveActive}});
  m.OptionalEnum("replication", &g.replication,
                 {{"async", failover::Replication::kAsync},
                  {"semi-sync", failover::Replication::kSemiSync},
                  {"sync", failover::Replication::kSync}});
  m.Optional("sync_acks", &g.sync_acks);
  m.Optional("lease_ttl", &g.lease_ttl);
  m.Optional("drift_margin", &g.drift_margin);
  m.OptionalEnum("failover", &g.failover,
                 {{"automatic", failover::FailoverMode::kAutomatic},
                  {"manual", failover::FailoverMode::kManual}});
  m.OptionalEnum(
      "failback", &g.failback,
      {{"off", failover::Failback::kOff}, {"automatic", failover::Failback::kAutomatic}});
  m.Optional("failback_stable", &g.failback_stable);
  m.Optional("max_lag_bytes", &g.max_lag_bytes);
  m.Section("timeouts", Presence::kOptional, [&g](MapReader& t) { BindTimeouts(t, &g.timeouts); });
  m.Section("tilt", Presence::kOptional, [&g](MapReader& t) {
    t.Optional("max_tick_gap", &g.tilt.max_tick_gap);
    t.Optional("period", &g.tilt.period);
  });
  m.Section("fencing", Presence::kOptional, [group](MapReader& f) {
    adapters::FencingHookSpec& hook = group->fencing.emplace();
    f.List("command", Presence::kRequired, &hook.command);
    f.Optional("timeout", &hook.timeout);
  });
  g.fencing_hook = group->fencing.has_value();
  m.Section("notify", Presence::kOptional, [group](MapReader& n) {
    adapters::NotifySpec& notify = group->notify.emplace();
    n.List("command", Presence::kOptional, &notify.command);
    n.Optional("webhook", &notify.webhook);
    n.Optional("timeout", &notify.timeout);
  });
  m.Section("proxy", Presence::kOptional,
            [group](MapReader& p) { BindSettings(p, &group->proxy); });
  m.Sequence("members", Presence::kRequired, [group](MapReader& e) { BindMember(e, group); });
}

std::optional<Violation> CheckGroups(const std::vector<GroupSpec>& groups,
                                     const std::vector<PeerConfig>& peers) {
  for (size_t i = 0; i < groups.size(); ++i) {
    const GroupSpec& g = groups[i];
    const std::string at = "groups[" + std::to_string(i) + "]";
    const std::string& name = g.group.name;
    if (name.empty() || name.find('/') != std::string::npos) {
      return Violation{at + ".name", "must be non-empty and without '/'"};
    }
    for (size_t j = 0; j < i; ++j) {
      if (groups[j].group.name == name) {
        return Violation{at + ".name",
                         "'" + name + "' is also groups[" + std::to_string(j) + "].name"};
      }
    }
    if (auto v = CheckMembers(at, g, peers)) return v;
    if (auto v = CheckHooks(at, g)) return v;
    if (Status s = g.group.Validate(); !s.ok()) {
      return BlameField(
          at, s, "",
          {"sync_acks", "lease_ttl", "drift_margin", "failback_stable", "timeouts.", "tilt."});
    }
  }
  return std::nullopt;
}

}  // namespace baton::config
