// GroupSpec: one replicated service from the agent config's `groups:`
// section, as typed values (docs/configuration.md, "Groups"). The failover
// controller's part is a failover::GroupConfig; the rest is what the agent's
// I/O layers need per member (adapter settings, health checks, supervision)
// and per group (fencing and notify hooks, proxy settings). Produced and
// validated by LoadAgentConfig; plain value types.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/hooks.h"
#include "core/time.h"
#include "detect/check_config.h"
#include "failover/group_config.h"
#include "probe/probe_spec.h"
#include "supervise/supervisor.h"

namespace baton::config {

// Free-form scalar settings, each with its config line (an adapter's, the
// proxy's): the component that reads them names key and line in its errors.
using Settings = std::map<std::string, adapters::AdapterSetting>;

// One entry of a member's `checks:`.
struct CheckSpec {
  std::string name;  // unique within the member
  detect::CheckConfig config;
  probe::ProbeSpec probe;
  // redis and postgres: a file holding the password (resolved against the
  // config file's directory, not read here: the agent reads it when the
  // check starts and fills the spec's password). Empty: no password.
  std::string password_file;
  int line = 0;  // where the check was written
};

// What the agent needs to run one member, besides its failover::MemberConfig.
struct MemberSpec {
  adapters::AdapterConfig adapter;
  std::vector<CheckSpec> checks;
  // Set when this node's agent runs the member's process itself.
  std::optional<supervise::SupervisorConfig> supervise;
};

struct GroupSpec {
  failover::GroupConfig group;                       // group.fencing_hook == fencing.has_value()
  std::map<std::string, MemberSpec> members;         // by member name; one per group.members entry
  std::optional<adapters::FencingHookSpec> fencing;  // adapters/hooks.h
  std::optional<adapters::NotifySpec> notify;
  // The `proxy:` mapping as written (validated by src/route); empty: no proxy.
  Settings proxy;
  int line = 0;  // where the group was written

  // The spec of member `name`, or nullptr.
  const MemberSpec* FindMember(std::string_view name) const;
};

}  // namespace baton::config
