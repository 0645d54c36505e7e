// HealthService: runs the health checks and the supervision of the members
// this node runs (members whose `node` is this agent's name), decides each
// member's health, and publishes it to the store (docs/detection.md,
// "Member health in the agent").
//
//  - Checks run on a ProbeScheduler (probes on the service's own worker
//    pool, so a hung target never stalls the loop or, up to 8 checks, any
//    other check). Per check it keeps the
//    state, the last result (ok, latency, output or error text) and when it
//    came.
//  - A member with `supervise:` gets a Supervisor, started at once unless
//    the member is a cold standby. A liveness check turning unhealthy is
//    handed to the supervisor (restart with backoff); a restarted process
//    restarts its member's checks (start period again).
//  - A member's health: unhealthy when any of its checks is unhealthy or its
//    supervised process is not running (exited, backing off, crash-looping;
//    a cold standby that was never started is unknown); healthy when every
//    check is healthy (a member without checks: its process runs); unknown
//    otherwise.
//  - Every change of a member's health is passed to the OnMemberHealth
//    callback and written at once to /baton/health/<node>/<group>/<member>
//    (JSON, below); every record is rewritten every `refresh` so status shows
//    fresh latencies and ages. Writes go through RaftServer::PublishHealth
//    (forwarded to the store leader from a follower).
//  - Every decision (check and supervision events) is logged and kept in a
//    short in-memory history for /v1/status.
//
// Record value (one line of JSON, output truncated to 256 bytes):
//   {"node","group","member","health","since_ms","updated_ms",
//    "process":{"state","pid","starts"}|null,
//    "checks":[{"name","kind","state","ok","output","latency_ms","at_ms"}]}
// Times are wall-clock milliseconds since the Unix epoch (they are compared
// across machines); "at_ms" is null before the first result.
//
// Thread-safety: loop thread only (create, call and destroy there). The
// loop, logger, metrics and raft server outlive the service.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "admin/metrics.h"
#include "agent/raft_server.h"
#include "config/group_spec.h"
#include "core/logger.h"
#include "core/result.h"
#include "core/rng.h"
#include "detect/check_state.h"
#include "detect/event.h"
#include "net/event_loop.h"
#include "net/worker_pool.h"
#include "probe/probe_scheduler.h"
#include "supervise/supervisor.h"

namespace baton::agent {

struct HealthServiceOptions {
  std::string node;                       // this agent's node name
  std::vector<config::GroupSpec> groups;  // every group; only this node's members are run
  Duration refresh = Duration::Seconds(5);
  // Probes in flight at once; 0: one per local check, between 2 and 8 (a
  // slow resolver or hung target then delays no other check).
  int worker_threads = 0;
};

// One check as the service last saw it.
struct CheckView {
  std::string name;
  detect::CheckKind kind = detect::CheckKind::kReadiness;
  detect::Health health = detect::Health::kUnknown;
  std::optional<detect::ProbeResult> last;  // nullopt before the first result
  int64_t at_ms = 0;                        // wall clock of `last`
};

struct MemberView {
  std::string group;
  std::string member;
  detect::Health health = detect::Health::kUnknown;
  int64_t since_ms = 0;  // wall clock of the last change of `health`
  std::vector<CheckView> checks;
  bool supervised = false;
  supervise::ProcessState process = supervise::ProcessState::kStopped;
  int pid = -1;
  int starts = 0;
};

class HealthService {
 public:
  using HealthFn = std::function<void(const std::string& group, const std::string& member,
                                      detect::Health health, Instant at)>;

  // Reads the checks' password files and starts every check and supervised
  // process of this node's members. InvalidArgument/IOError when a password
  // file cannot be read.
  static Result<std::unique_ptr<HealthService>> Create(net::EventLoop& loop, Logger& logger,
                                                       admin::MetricsRegistry& metrics,
                                                       RaftServer& raft,
                                                       HealthServiceOptions options);
  ~HealthService();
  HealthService(const HealthService&) = delete;
  HealthService& operator=(const HealthService&) = delete;

  // `fn` runs on the loop thread after every change of a member's health
  // (kUnknown -> kHealthy included), with the instant the change was
  // decided. It replaces any earlier callback, and is called at once for
  // every member whose health is already known (decided while the service
  // started, e.g. a supervised process running), so a subscriber misses
  // nothing.
  void OnMemberHealth(HealthFn fn);

  // Every member this node runs, ordered by group then member.
  std::vector<MemberView> Members() const;
  // The latest events (check health changes, restarts, crash loops), oldest first.
  const std::deque<detect::Event>& recent_events() const { return events_; }
  // The supervisor of a member of this node, or nullptr (not supervised,
  // or not this node's): lets the failover driver start a cold standby.
  supervise::Supervisor* FindSupervisor(const std::string& group, const std::string& member);

 private:
  struct Check {
    std::string name;
    std::string key;  // the scheduler's name: "<group>/<member>/<check>"
    detect::CheckKind kind = detect::CheckKind::kReadiness;
    int64_t at_ms = 0;
    admin::Gauge* state_gauge = nullptr;
    admin::Gauge* latency_gauge = nullptr;
  };
  struct Member {
    std::string group;
    std::string name;
    bool cold = false;
    std::vector<Check> checks;
    std::unique_ptr<supervise::Supervisor> supervisor;
    detect::Health health = detect::Health::kUnknown;
    int64_t since_ms = 0;
  };

  HealthService(net::EventLoop& loop, Logger& logger, admin::MetricsRegistry& metrics,
                RaftServer& raft, HealthServiceOptions options);
  Status AddMember(const failover::GroupConfig& group, const failover::MemberConfig& config,
                   const config::MemberSpec& spec);
  void OnReport(const probe::CheckReport& report);
  void OnSupervisorEvent(Member& member, const detect::Event& event);
  void Record(const detect::Event& event);
  void Reassess(Member& member);
  detect::Health Judge(const Member& member) const;
  MemberView View(const Member& member) const;
  void Publish(const Member& member);

  net::EventLoop& loop_;
  Logger& logger_;
  admin::MetricsRegistry& metrics_;
  RaftServer& raft_;
  const HealthServiceOptions options_;
  Rng rng_;
  net::WorkerPool pool_;
  std::unique_ptr<probe::ProbeScheduler> scheduler_;
  std::vector<std::unique_ptr<Member>> members_;
  std::map<std::string, std::pair<Member*, size_t>> by_check_;  // scheduler name -> check
  std::deque<detect::Event> events_;
  HealthFn on_health_;
  net::TimerHandle refresh_timer_;
};

}  // namespace baton::agent
