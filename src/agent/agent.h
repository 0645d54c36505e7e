// Agent: the parts of one `baton agent` process, composed from a validated
// AgentConfig: the RaftServer (Raft over the peer transport, the durable log,
// the store state machine), the StoreService on top of it, the admin HTTP
// server whose handlers run on the agent's EventLoop and, with
// `sentinel.listen`, the Sentinel-compatible endpoint (docs/redis.md).
//
// The admin server uses the peer transport's certificate and key for TLS when
// tls is configured (server authentication only; clients prove themselves
// with the bearer token read from admin.token_file, and without a token file
// every mutating route answers 401).
//
// Thread-safety: create and destroy on the loop thread (or before the loop
// runs). The loop and the logger outlive the agent.
#pragma once

#include <memory>

#include "admin/admin_server.h"
#include "admin/metrics.h"
#include "agent/failover_service.h"
#include "agent/failover_service_writer.h"
#include "agent/health_service.h"
#include "agent/listener_metrics.h"
#include "agent/peer_heartbeats.h"
#include "agent/raft_server.h"
#include "agent/store_service.h"
#include "config/agent_config.h"
#include "core/logger.h"
#include "core/result.h"
#include "failover/topology_gate.h"
#include "net/event_loop.h"
#include "route/group_proxies.h"
#include "sentinel/sentinel_server.h"

namespace baton::agent {

struct AgentOptions {
  bool join = false;  // a fresh data dir waits to be added instead of bootstrapping
  // Called once if the data directory fails; the agent should then exit.
  std::function<void(const Status&)> on_fatal;
};

class Agent {
 public:
  // Opens the data directory, binds the peer and admin listeners and starts
  // serving. InvalidArgument/IOError for unusable files or addresses.
  static Result<std::unique_ptr<Agent>> Create(net::EventLoop& loop, Logger& logger,
                                               const config::AgentConfig& config,
                                               AgentOptions options);
  ~Agent();  // stops the admin server first, then Raft
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  uint16_t admin_port() const { return admin_->port(); }
  RaftServer& raft() { return *raft_; }
  StoreService& store() { return *store_; }
  // Checks and supervision of this node's members (health_service.h).
  HealthService& health() { return *health_; }
  // The failover controller of the configured groups; nullptr without groups.
  FailoverService* failover() { return failover_.get(); }
  // Every group's topology as the store says (routers subscribe here).
  failover::TopologySource& topology() { return failover_ ? failover_->topology() : no_groups_; }

 private:
  Agent() = default;
  // Whether the Sentinel endpoint and the proxies may name a primary: not
  // once no store leader has been known for `stale_after` (the smallest
  // drift_margin of its groups), so a cut-off agent stops naming a primary
  // the other side may have replaced; again only after a linearizable read
  // (ReadIndex) shows this node applied what the cluster committed while it
  // was away, so it never names the former primary after a heal. Closed at
  // start until the first such read.
  void WatchStoreContact(net::EventLoop& loop, Logger& logger, Duration stale_after);
  void SetNaming(bool named, Logger& logger);

  admin::MetricsRegistry metrics_;
  // Declared after metrics_ and before every listener, which they outlive.
  std::unique_ptr<ListenerMetrics> admin_listener_;
  std::unique_ptr<ListenerMetrics> peer_listener_;
  std::unique_ptr<ListenerMetrics> sentinel_listener_;
  std::unique_ptr<RaftServer> raft_;
  std::unique_ptr<StoreService> store_;
  std::unique_ptr<PeerHeartbeats> heartbeats_;
  std::unique_ptr<HealthService> health_;
  std::unique_ptr<LeaderWriter> writer_;
  std::unique_ptr<FailoverService> failover_;
  failover::TopologyFeed no_groups_;
  // topology() as the proxies see it: no primary while SetNaming(false).
  std::unique_ptr<failover::TopologyGate> routed_topology_;
  std::unique_ptr<sentinel::SentinelServer> sentinel_;  // when `sentinel.listen` is set
  std::unique_ptr<route::GroupProxies> proxies_;        // groups with `proxy:`
  std::unique_ptr<admin::AdminServer> admin_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  net::TimerHandle store_contact_timer_;
};

// The first line of `path` without surrounding whitespace. IOError when it
// cannot be read, InvalidArgument when it holds no token.
Result<std::string> ReadTokenFile(const std::string& path);

}  // namespace baton::agent
