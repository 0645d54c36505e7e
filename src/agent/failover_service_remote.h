// RemoteObserver: this agent's view of the members other nodes run, the
// evidence behind quorum confirmation (docs/failover.md, "Detect"). Each
// remote member gets one light probe on a ProbeScheduler (probes on the
// observer's own worker pool, never on the loop); every verdict goes to
// `on_health`, which the FailoverService hands to the group's driver: an
// unhealthy member gets this node in its `observed_down_by`, a healthy one
// leaves it. Loop thread only; the loop outlives it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/agent_config.h"
#include "core/rng.h"
#include "detect/check_config.h"
#include "net/event_loop.h"
#include "net/worker_pool.h"
#include "probe/probe_scheduler.h"
#include "probe/probe_spec.h"

namespace baton::agent {

// How this node observes one member of another node.
struct RemoteCheck {
  std::string group;
  std::string member;
  detect::CheckConfig config;
  probe::ProbeSpec spec;
};

// The remote checks of `node`'s agent: for every member another node runs,
// its first readiness check that reaches the member over the network (tcp,
// http, redis or postgres, without a password file), else, for adapters
// whose address is the service's own (redis), a tcp probe of that address
// with the member's first check's timing. Exec checks and exec adapters'
// addresses are never probed from afar (they may mean anything locally).
std::vector<RemoteCheck> RemoteChecksFromConfig(const config::AgentConfig& config);

class RemoteObserver {
 public:
  using HealthFn = std::function<void(const std::string& group, const std::string& member,
                                      detect::Health health, Instant at)>;

  // Starts every check now. REQUIRES: each check's config and spec valid.
  RemoteObserver(net::EventLoop& loop, std::vector<RemoteCheck> checks, HealthFn on_health);
  ~RemoteObserver();
  RemoteObserver(const RemoteObserver&) = delete;
  RemoteObserver& operator=(const RemoteObserver&) = delete;

 private:
  net::EventLoop& loop_;
  HealthFn on_health_;
  Rng rng_;
  net::WorkerPool pool_;
  std::unique_ptr<probe::ProbeScheduler> scheduler_;
  std::vector<RemoteCheck> checks_;  // scheduler check name = index
};

}  // namespace baton::agent
