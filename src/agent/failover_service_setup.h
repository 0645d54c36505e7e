// The failover service's options from the agent config: each `groups:` entry
// with adapters for this node's members (exec, redis) and its fencing hook
// and notify hooks (adapters/hooks.h), and the watchdog's fence commands. InvalidArgument naming
// the group and member for a bad adapter.
#pragma once

#include "agent/failover_service.h"
#include "config/agent_config.h"

namespace baton::agent {

Result<FailoverServiceOptions> FailoverOptionsFromConfig(const config::AgentConfig& config);

}  // namespace baton::agent
