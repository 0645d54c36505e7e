// GroupDriver: the I/O half of one group's failover controller on one agent
// (the driver that failover/member_agent.h and coordinator.h ask for).
//
//  - Keeps a copy of the group's records from a store watch on
//    /baton/groups/<g>/ (Range, then Watch from the next revision; on a
//    watch error, Range again) and feeds every change to the MemberAgent and,
//    while this node leads the store, to the Coordinator. A lease key deleted
//    in the same revision as a `fenced` report of its holder is a release;
//    any other deletion is an expiry.
//  - Runs the MemberAgent for this node's members and the Coordinator only
//    while `leading()`; a new Coordinator is first fed the current records.
//  - Performs their Ready: adapter commands on the member's MemberExecutor;
//    lease work (grant + AcquireLeaseTxn, keep-alive, ReleaseLeaseTxn +
//    revoke, the release only after the same Ready's fence completed);
//    member reports (rewritten until the store holds this agent's view);
//    GroupCas writes; fencing orders through the hook;
//    serving sets (active-active: ServingCas, the outcome back to the
//    coordinator); closed timelines and serving changes into
//    /baton/groups/<g>/history/; every event to the notify hooks.
//    An active-active group has no group record, so the MemberAgent issues
//    no promote, follow or fence and takes no lease: its members only report
//    their health, and the coordinator turns those reports into the set.
//  - Watches its members with Adapter::WaitUntilGone where the adapter can
//    (an exit makes the member unhealthy at once), and observes them through
//    Adapter::Observe (position, and health
//    when no health feed reports them) and writes observed_down_by on other
//    nodes' members (CAS on the member record) from OnHealth.
//  - Arms the watchdog (a separate process) for every member whose lease it
//    holds, so a paused or dead agent's member is fenced at the fence point
//    even though the agent cannot act.
// Writes go to `writer` (the store leader, local or forwarded). Loop thread
// only; the service owns it and outlives it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/hooks.h"
#include "adapters/watchdog_client.h"
#include "admin/metrics.h"
#include "agent/failover_service_exec.h"
#include "core/logger.h"
#include "failover/coordinator.h"
#include "failover/member_agent.h"
#include "failover/topology.h"
#include "net/event_loop.h"
#include "net/worker_pool.h"
#include "store/store.h"

namespace baton::agent {

// Blocking; runs on a worker thread. OK when the member is known off.
using FenceHook = std::function<Status(const failover::FenceOrder& order, Instant deadline)>;

struct GroupSetup {
  failover::GroupConfig config;
  // This node's members: member name -> its adapter.
  std::map<std::string, std::shared_ptr<adapters::Adapter>> adapters;
  FenceHook fence_hook;  // empty: no hook (config.fencing_hook must be false)
  // Every event of this node's controllers is announced here (command
  // and/or webhook); nullopt: none.
  std::optional<adapters::NotifySpec> notify;
  // This node's members the watchdog can fence on its own: member -> command.
  std::map<std::string, adapters::ExecCommand> watchdog_fence;
  // Every member this node can fence through the service's own protocol
  // (the coordinator's remote fence of an old primary whose agent is gone):
  // member -> an adapter of its own for that (never the member's local one).
  std::map<std::string, std::shared_ptr<adapters::Adapter>> remote_fencers;
};

struct GroupDriverContext {
  net::EventLoop& loop;
  Logger& logger;
  net::WorkerPool& pool;
  store::Store& local;   // reads and watches (this node's replica)
  store::Store& writer;  // writes, leases (the store leader)
  std::string node;
  std::function<bool()> leading;                               // this node leads the store
  std::function<int()> voters;                                 // voting agents (ODOWN quorum)
  std::function<void(const failover::Timeline&)> on_timeline;  // metrics
  std::function<void(const failover::ServingChange&)> on_serving_change;  // metrics
  std::function<void()> on_change;  // records changed (topology)
  Duration observe_interval;
  // Null: no watchdog. Arm/Disarm run on `watchdog_pool` (one thread, in order).
  adapters::WatchdogClient* watchdog = nullptr;
  net::WorkerPool* watchdog_pool = nullptr;
  // Adapter::WaitUntilGone calls block here, one thread per local member.
  net::WorkerPool* gone_pool = nullptr;
  // Notify hooks run here, one at a time (a slow webhook delays only them).
  net::WorkerPool* notify_pool = nullptr;
};

// What GET /v1/groups/<g> shows.
struct GroupView {
  std::optional<failover::GroupRecord> group;
  store::Revision group_revision = 0;
  std::optional<failover::LeaseRecord> lease;
  std::map<std::string, failover::MemberRecord> members;
  std::optional<failover::ServingRecord> serving;
  std::optional<failover::CoordinatorStatus> coordinator;  // set on the store leader
  std::deque<detect::Event> recent_events;                 // newest last
};

// The watchdog's answer to one arm or disarm request, awaited by a worker
// thread (a promote waits for the arm of its lease). Thread-safe.
class WatchdogAck {
 public:
  void Set(Status status);
  // The answer, or Unavailable when none came within `limit` (the request
  // may have been dropped with its pool at shutdown).
  Status Wait(Duration limit);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Status> status_;  // guarded by mu_
};

class GroupDriver {
 public:
  GroupDriver(GroupDriverContext context, GroupSetup setup);
  ~GroupDriver();
  GroupDriver(const GroupDriver&) = delete;
  GroupDriver& operator=(const GroupDriver&) = delete;

  // Starts the watch. Call once.
  void Start();
  // Periodic: observes members, ticks the agent and the coordinator.
  void Tick(Instant now);
  // A health verdict about `member` from this node's checks.
  void OnHealth(const std::string& member, detect::Health health, Instant now);
  // This node's heartbeat detector suspects (or clears) the agent of
  // `node`: its members count as observed down here (ODOWN evidence, as a
  // failed remote probe), so a dead node is seen in the detector's time,
  // not only at its lease's end.
  void OnPeerSuspected(const std::string& node, bool suspected, Instant now);
  // A scheduling gap of the loop (TILT).
  void OnSchedulingGap(Duration gap, Instant now);
  // Requests for the coordinator; FailedPrecondition when this node does
  // not run it (not the store leader, or not loaded yet).
  Status Request(const failover::CoordinatorInput& input, Instant now);

  const failover::GroupConfig& config() const { return config_; }
  GroupView View(Instant now) const;
  failover::Topology Topology() const;
  bool coordinating() const { return coordinator_ != nullptr; }
  Instant NextWakeup() const { return agent_.NextWakeup(); }

 private:
  struct Local {
    std::shared_ptr<adapters::Adapter> adapter;
    std::unique_ptr<MemberExecutor> exec;
    std::optional<detect::Health> fed_health;  // from OnHealth; wins over Observe
    detect::Health observed_health = detect::Health::kUnknown;
    int observe_failures = 0;
    failover::Position position = 0;
    failover::Position acked_position = 0;  // sync / semi-sync primary (Observe)
    std::optional<bool> replicating;        // the last Observe's stream verdict (replica)
    // The primary whose stream this replica was last seen receiving. Only a
    // stream once seen flowing counts as stopped: a replica still doing its
    // first sync after a follow (or after its own restart) says nothing
    // about the primary.
    std::string stream_seen_from;
    bool observing = false;
    Instant next_observe;
    store::LeaseId store_lease = store::kNoLease;
    std::optional<failover::LeaseWork> release_after_fence;
    bool report_pending = false;  // a member report write is in flight
    // WaitUntilGone: running, unsupported by the adapter, or saw the member go
    // (unhealthy until an Observe succeeds again).
    bool waiting_gone = false;
    bool gone_unsupported = false;
    bool gone = false;
    std::shared_ptr<std::atomic<bool>> cancel_gone = std::make_shared<std::atomic<bool>>(false);
    std::optional<adapters::ExecCommand> watchdog_fence;
    std::optional<Instant> watchdog_armed;      // the deadline last handed to the watchdog
    std::shared_ptr<WatchdogAck> watchdog_ack;  // the answer to that request
    failover::Epoch divergence_measured = 0;    // the epoch of the last measurement
  };

  // Store view.
  void Load();
  void OnWatch(Result<std::vector<store::Event>> events);
  void ApplyBatch(const std::vector<store::Event>& batch);
  void Reset(const std::vector<store::KeyValue>& kvs);
  void FeedCoordinatorAll(Instant now);
  void StepCoordinator(const failover::CoordinatorInput& input, Instant now);

  // Acting.
  void Pump();
  void RunCommand(const failover::AdapterCommand& command);
  // Before a former primary follows the primary of a later epoch: measures
  // what it has that the new primary lacks (Adapter::MeasureDivergence, on
  // the member's executor, so it runs before the follow) and records it as
  // an event and a history record; a failed measurement is recorded too.
  void MeasureDivergence(const failover::AdapterCommand& follow, Local& m);
  void RunLease(failover::LeaseWork work);
  void Release(const failover::LeaseWork& work);
  // Arms the watchdog with each held lease's fence point (minus the fence
  // command's time), re-arms it after renewals, disarms it on release.
  void UpdateWatchdog();
  // Promote only once the watchdog holds the lease's fence point: an agent
  // paused right after the promote could not fence its member itself.
  // Returns the answer the promote must wait for (null: no watchdog for
  // this member).
  std::shared_ptr<WatchdogAck> ArmBeforePromote(Local& m);
  // Writes this agent's view of each local member when the store differs.
  void WriteReports();
  void Write(store::Txn txn, std::function<void(Result<store::TxnResponse>)> done);
  void RunWrite(const failover::GroupWrite& write);
  void RunFence(const failover::FenceOrder& order);
  // The coordinator's remote fence: the member's remote fencer, bounded by
  // drift_margin / 2; a member without one answers not fenced at once.
  void RunRemoteFence(const failover::FenceOrder& order);
  void RunServingWrite(const failover::ServingWrite& write);
  void SaveTimeline(const failover::Timeline& timeline);
  void SaveServingChange(const failover::ServingChange& change);
  void Observe(const std::string& name, Local& m, Instant now);
  void FeedStatus(const std::string& name, Local& m, Instant now);
  // Watches a healthy member for its exit (Adapter::WaitUntilGone): a crash
  // is acted on at once instead of at the next failed checks.
  void WatchGone(const std::string& name, Local& m);
  // Writes this node into (or out of) `member`'s observed_down_by.
  void UpdateObservedDown(const std::string& member);
  // Whether a local replica following `primary` reports its replication
  // stream stopped (any of them); nullopt: none can tell.
  std::optional<bool> StreamStopped(const std::string& primary) const;
  void Record(const std::vector<detect::Event>& events, const std::string& source);
  void Announce(const detect::Event& event);

  GroupDriverContext c_;
  const failover::GroupConfig config_;
  FenceHook fence_hook_;
  std::map<std::string, std::shared_ptr<adapters::Adapter>> remote_fencers_;
  std::optional<adapters::NotifySpec> notify_;
  int notify_pending_ = 0;  // queued notify calls; beyond a bound, events are not announced
  failover::MemberAgent agent_;
  std::unique_ptr<failover::Coordinator> coordinator_;
  std::map<std::string, Local> locals_;

  bool loaded_ = false;
  store::WatchId watch_ = 0;
  bool watching_ = false;
  store::Revision revision_ = 0;  // the last revision seen
  std::optional<failover::GroupRecord> group_;
  store::Revision group_revision_ = 0;
  std::optional<failover::LeaseRecord> lease_;
  std::map<std::string, failover::MemberRecord> members_;
  std::map<std::string, store::Revision> member_revisions_;
  std::optional<failover::ServingRecord> serving_;

  // This node's health view of other nodes' members (observed_down_by).
  std::map<std::string, detect::Health> remote_health_;
  std::set<std::string> suspected_nodes_;  // by this node's heartbeat detector
  std::map<std::string, bool> down_write_pending_;

  std::deque<detect::Event> recent_;
  bool pumping_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace baton::agent
