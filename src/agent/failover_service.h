// FailoverService: the agent's failover controller for its configured groups
// (docs/failover.md, "Agent wiring"). One GroupDriver per group runs the
// MemberAgent for this node's members and, while this node leads the store,
// the group's Coordinator; a timer ticks them every `tick` (at most
// drift_margin / 2 of any group, so every lease holder notices its own
// pauses), a scheduling-gap watcher reports loop stalls (TILT), and adapter
// calls and fencing hooks run on the service's WorkerPool.
//
// Health: OnHealth carries the verdicts of this node's checks (the health
// service); a member without them is judged by its adapter's Observe. Other
// nodes' members are probed by a RemoteObserver (options.remote_checks),
// whose verdicts write this node into their observed_down_by (ODOWN).
// Topology: topology() delivers every group's Topology on each change.
// Metrics: baton_failover_detect_seconds and baton_failover_recover_seconds
// (histograms, per group) and baton_failovers_total{group,cause}; for
// active-active groups baton_serving_members and baton_serving_epoch (gauges,
// every node) and baton_serving_changes_total{group,change=join|leave} (the
// coordinator's node).
//
// Loop thread only. The loop, logger, metrics, raft and stores outlive it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "admin/metrics.h"
#include "agent/failover_service_group.h"
#include "agent/failover_service_remote.h"
#include "agent/raft_server.h"
#include "core/logger.h"
#include "core/result.h"
#include "failover/topology_feed.h"
#include "net/event_loop.h"
#include "net/worker_pool.h"
#include "store/store.h"

namespace baton::agent {

struct FailoverServiceOptions {
  std::string node;  // this agent's node name (MemberConfig::node)
  std::vector<GroupSetup> groups;
  // How often the holders and the coordinator run (at most drift_margin / 2):
  // a decision due at an instant (lease end + drift_margin) waits for the
  // next tick, so this is added to a node failure's recovery time.
  Duration tick = Duration::Millis(25);
  // How often each local member's adapter is asked for its state.
  Duration observe_interval = Duration::Millis(500);
  int worker_threads = 4;
  // The watchdog process (e.g. {"/proc/self/exe", "watchdog"}) and its log;
  // empty: no watchdog. Started when any member has a watchdog fence.
  std::vector<std::string> watchdog_argv;
  std::string watchdog_log;
  // How this agent observes other nodes' members (observed_down_by, ODOWN).
  std::vector<RemoteCheck> remote_checks;
};

class FailoverService {
 public:
  // `local` serves reads and watches; `writer` takes writes and lease calls
  // (it reaches the store leader). InvalidArgument when a group's config is
  // invalid or a member of this node has no adapter.
  static Result<std::unique_ptr<FailoverService>> Create(net::EventLoop& loop, Logger& logger,
                                                         admin::MetricsRegistry& metrics,
                                                         RaftServer& raft, store::Store& local,
                                                         store::Store& writer,
                                                         FailoverServiceOptions options);
  ~FailoverService();
  FailoverService(const FailoverService&) = delete;
  FailoverService& operator=(const FailoverService&) = delete;

  // A health verdict about a member of `group`: this node's checks for its
  // own members, the remote observer's probes for other nodes' members.
  void OnHealth(const std::string& group, const std::string& member, detect::Health health,
                Instant now);

  // This node's heartbeat detector's verdict about the agent of `node`:
  // while suspected, that node's members count as observed down here.
  void OnPeerSuspected(const std::string& node, bool suspected, Instant now);

  // nullptr for an unknown group.
  GroupDriver* group(const std::string& name);
  std::vector<std::string> group_names() const;
  failover::TopologySource& topology() { return feed_; }
  const std::string& node() const { return node_; }

 private:
  FailoverService(net::EventLoop& loop, Logger& logger, admin::MetricsRegistry& metrics,
                  int worker_threads, int local_members);
  void Tick();
  void OnTimeline(const failover::Timeline& timeline);
  void OnServingChange(const failover::ServingChange& change);  // counters (coordinator)
  // Publishes the group's topology; serving gauges on every node.
  void OnGroupChange(const std::string& name);

  net::EventLoop& loop_;
  Logger& logger_;
  admin::MetricsRegistry& metrics_;
  std::string node_;
  // Declared before the pools: destroyed after them, once no job uses it.
  std::unique_ptr<adapters::WatchdogClient> watchdog_;
  net::WorkerPool pool_;
  net::WorkerPool watchdog_pool_;  // one thread: arm and disarm stay in order
  net::WorkerPool notify_pool_;    // one thread: notifications in event order
  net::WorkerPool gone_pool_;      // a thread per local member: WaitUntilGone blocks
  failover::TopologyFeed feed_;
  std::map<std::string, std::unique_ptr<GroupDriver>> groups_;
  net::TimerHandle tick_timer_;
  net::TimerHandle gap_timer_;
  std::unique_ptr<RemoteObserver> remote_;  // destroyed first: it calls OnHealth
};

}  // namespace baton::agent
