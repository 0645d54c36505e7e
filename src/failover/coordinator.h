// Coordinator: the group decision state machine, run by the agent that leads
// the store (Sentinel's failover state machine, made lease- and data-aware).
// Pure: it reads the group's store records as inputs (Step), moves with time
// (Tick) and returns store writes, fencing orders, serving sets, closed
// timelines and events (TakeReady). The outcome of every write and fencing
// order comes back as an input (CasResult, FenceResult), so there is no
// separate Advance.
//
// One enum, one handler and one deadline per state (GroupConfig::timeouts):
//   kNone                 watch; start on a lease release, a lease expiry,
//                         no primary yet (once every member reported, or
//                         drift_margin after the first report),
//                         an ODOWN (manual mode: only on FailoverRequest),
//                         a SwitchoverRequest, or (failback: automatic)
//                         the preferred member caught up for failback_stable
//   kPauseWrites          switchover: CAS state=switchover; wait for it
//   kWaitCatchUp          switchover: the primary reports writes paused and
//                         the target reaches its position
//   kSelectCandidate      RankCandidates; none => abort, saying why
//   kFenceOld             wait until the old primary is known not to write:
//                         lease released, lease ended + drift_margin (with
//                         remote_fence: and the remote fence ordered at the
//                         lease's end answered), fencing hook success, or
//                         (switchover) its writes paused;
//                         sync / semi-sync: then drift_margin more for the
//                         last position reports, and rank again
//   kPromote              CAS primary=B, epoch=e+1 (lease key absent, or
//                         taken when fenced by hook/pause)
//   kWaitPromotion        B reports role primary at e+1; timeout, or B's lease
//                         of e+1 ended (its agent stopped) => next candidate
//   kReconfigureReplicas  the other live members (not the old primary, not a
//                         failed candidate) report following B (or timeout)
//   kDone                 CAS state=stable; close the timeline; => kNone
// Abort is allowed only up to kWaitPromotion (BATON_CHECK); after the new
// primary confirmed, the only way is forward.
//
// Safety: a promotion CAS compares the group record's mod revision, so two
// coordinators can never both raise the epoch from the same record, and
// requires the lease key to be absent unless the old primary was fenced
// otherwise, so no decision lands while an old primary may hold the lease.
//
// TILT: a Tick more than tilt.max_tick_gap after the previous one, or a
// reported SchedulingGap that long, makes the coordinator observe without
// acting for tilt.period ("+tilt" / "-tilt"). Maintenance (GroupRecord.paused)
// suppresses automatic failover. Active-active groups have no primary and no
// failover: the coordinator publishes the serving set (members reported
// healthy and not observed down by a majority of agents) with ServingCas,
// one write at a time, each raising the epoch by one; a refused CAS waits
// kServingRetry (or the record that beat it) and tries again.
//
// The driver calls Tick at a steady interval well below tilt.max_tick_gap
// (100ms in the tests): a longer gap is read as a scheduling failure of its
// own. A group record whose epoch is below the one seen is ignored
// ("-epoch-went-back"). Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "core/time.h"
#include "detect/event.h"
#include "failover/candidate_ranking.h"
#include "failover/group_config.h"
#include "failover/schema.h"
#include "failover/timeline.h"
#include "store/command.h"

namespace baton::failover {

enum class FailoverState {
  kNone,
  kPauseWrites,
  kWaitCatchUp,
  kSelectCandidate,
  kFenceOld,
  kPromote,
  kWaitPromotion,
  kReconfigureReplicas,
  kDone,
};
std::string_view FailoverStateName(FailoverState state);

// Inputs. The driver feeds the group's records as it sees them change.
struct GroupObserved {
  GroupRecord record;
  store::Revision revision = 0;  // its mod revision; 0 = the key is absent
};
struct MemberObserved {
  MemberRecord record;
};
struct LeaseObserved {
  std::optional<LeaseRecord> lease;  // nullopt: the lease key is absent
  bool released = false;             // absent because the holder released it (ReleaseLeaseTxn)
};
struct ServingObserved {
  ServingRecord record;
};
struct SyncObserved {
  std::optional<SyncRecord> record;  // nullopt: the sync key is absent
};
struct CasResult {
  uint64_t id = 0;
  bool succeeded = false;
  store::Revision revision = 0;  // the group record's new mod revision on success
};
struct FenceResult {
  uint64_t id = 0;
  bool ok = false;  // the hook confirmed the member is off / the remote fence took
};
struct FailoverRequest {
  bool force = false;       // promote even if data would be lost (the loss is reported)
  std::string target = {};  // empty: the best candidate
};
struct SwitchoverRequest {
  std::string target;
};
struct AbortRequest {};
struct MaintenanceRequest {
  bool pause = true;
};
struct SchedulingGap {
  Duration gap;  // how late the driver's timer fired, or how far the clock jumped
};
struct Routed {
  Epoch epoch = 0;  // routers now send traffic to this epoch's primary
};
using CoordinatorInput =
    std::variant<GroupObserved, MemberObserved, LeaseObserved, ServingObserved, SyncObserved,
                 CasResult, FenceResult, FailoverRequest, SwitchoverRequest, AbortRequest,
                 MaintenanceRequest, SchedulingGap, Routed>;

// Outputs.
struct GroupWrite {
  uint64_t id = 0;  // answer with CasResult{id}
  store::Txn txn;   // GroupCas(...)
  GroupRecord next;
};
struct FenceOrder {
  uint64_t id = 0;  // answer with FenceResult{id}
  std::string member;
  std::string node;
  Epoch epoch = 0;
  // False: run the fencing hook (STONITH). True: fence the member through
  // the service's protocol from this node (GroupConfig::remote_fence),
  // answering within drift_margin / 2.
  bool remote = false;
};
// Active-active: publish `next` (answer with CasResult{id}).
struct ServingWrite {
  uint64_t id = 0;
  store::Txn txn;  // ServingCas(group, the record it replaces, next)
  ServingRecord next;
};
// A serving set the store took: who joined and who left it, and when.
struct ServingChange {
  std::string group;
  ServingRecord record;
  std::vector<std::string> joined;
  std::vector<std::string> left;
  Instant decided;    // the coordinator saw the readiness change and wrote
  Instant published;  // the CAS succeeded
};
struct CoordinatorReady {
  std::vector<GroupWrite> writes;
  std::vector<FenceOrder> fences;
  std::vector<ServingWrite> serving;
  std::vector<ServingChange> serving_changes;
  std::vector<Timeline> timelines;  // closed; keep in the history
  std::vector<detect::Event> events;
};

struct CoordinatorStatus {
  FailoverState state = FailoverState::kNone;
  bool tilt = false;
  bool paused = false;
  bool odown = false;
  Epoch epoch = 0;
  std::string primary;
  std::string candidate;
};

class Coordinator {
 public:
  // `agents`: the voting agents of the store; ODOWN needs a majority of them.
  // REQUIRES: config.Validate().ok(), agents >= 1.
  Coordinator(const GroupConfig& config, int agents, Instant now);

  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;

  void Step(const CoordinatorInput& input, Instant now);
  void Tick(Instant now);

  bool HasReady() const;
  CoordinatorReady TakeReady();

  bool CanAbort() const { return state_ <= FailoverState::kWaitPromotion; }
  // Ends the current failover with event `name`. REQUIRES: CanAbort() and a
  // failover in progress.
  void Abort(const std::string& name, const std::string& reason, Instant now);

  CoordinatorStatus Status(Instant now) const;
  FailoverState state() const { return state_; }
  const std::optional<Timeline>& current() const { return current_; }
  const std::vector<Timeline>& history() const { return history_; }

 private:
  struct LeaseView {
    bool known = false;
    std::optional<LeaseRecord> held;
    bool released = false;             // the last end was a release
    Instant ended_at;                  // when the coordinator saw it end
    std::optional<LeaseRecord> ended;  // the holder of the lease that ended last
  };

  // Observing half (coordinator.cc).
  void Observe(const GroupObserved& in, Instant now);
  void Observe(const MemberObserved& in, Instant now);
  void Observe(const LeaseObserved& in, Instant now);
  void Observe(const ServingObserved& in, Instant now);
  void Observe(const SyncObserved& in, Instant now);
  void Observe(const CasResult& in, Instant now);
  void Observe(const FenceResult& in, Instant now);
  void Observe(const FailoverRequest& in, Instant now);
  void Observe(const SwitchoverRequest& in, Instant now);
  void Observe(const AbortRequest& in, Instant now);
  void Observe(const MaintenanceRequest& in, Instant now);
  void Observe(const SchedulingGap& in, Instant now);
  void Observe(const Routed& in, Instant now);
  void UpdateDown(const MemberRecord& record, Instant now);
  // After a no-candidate / would-lose-data abort: a change that may let a
  // member qualify ends the retry_after wait early (at most one retry per
  // drift_margin).
  void RetrySoon(Instant now);
  // The group record names a primary (state failover) that never took the
  // lease at its epoch: a promotion written by a coordinator that lost office
  // before it confirmed. That member never wrote at the epoch, so it is a
  // candidate like any other, not an old primary to exclude.
  bool PromotionUnconfirmed() const;
  bool ReplicaEvidence(const MemberRecord& primary) const;
  void EnterTilt(Duration gap, Instant now);
  bool Tilted(Instant now) const { return tilt_until_ && now < *tilt_until_; }

  // Acting half (coordinator_states.cc).
  void Act(Instant now);
  void MaybeStart(Instant now);
  // Automatic failback: once the preferred member (highest priority, above
  // the primary's) has been healthy and caught up - a replica following the
  // primary at its epoch, within max_lag_bytes - for failback_stable, a
  // switchover to it (cause "failback"). Any lapse restarts the wait.
  void MaybeFailBack(Instant now);
  bool CaughtUp(const MemberConfig& member) const;
  void StartSwitchover(const std::string& target, const std::string& cause, Instant now);
  void Begin(const std::string& cause, Instant detected, FailoverState first, Instant now);
  void Enter(FailoverState state, Instant now);
  void OnPauseWrites(Instant now);
  void OnWaitCatchUp(Instant now);
  void OnSelectCandidate(Instant now);
  void OnFenceOld(Instant now);
  // Orders the remote fence of the old primary once its lease ended
  // (GroupConfig::remote_fence), once per candidate round.
  void OrderRemoteFence(Instant now);
  // A remote fence ordered and not answered yet, within its wait.
  bool RemoteFencePending(Instant now) const;
  void ResetFence();
  void OnPromote(Instant now);
  void OnWaitPromotion(Instant now);
  void OnReconfigureReplicas(Instant now);
  void OnDone(Instant now);
  Duration Deadline(FailoverState state) const;
  std::optional<std::string> FencedBy(Instant now) const;
  // Sync modes, not yet ranked after the fence settled (see OnFenceOld).
  bool SettleBeforeRanking() const;
  void RequestStepDown(Instant now);
  bool Settled(const MemberConfig& member) const;
  void WriteGroup(const GroupRecord& next, LeaseRule rule, bool tracked);
  // The outcome of the tracked write, once; nullopt while it is pending.
  std::optional<bool> TakeCasOutcome();
  void Close(const std::string& outcome, Instant now);
  void PublishServing(Instant now);
  void ServingOutcome(const CasResult& in, Instant now);
  void Emit(std::string name, std::string target, Instant now,
            std::vector<std::pair<std::string, std::string>> fields = {});
  const MemberRecord* Record(const std::string& member) const;

  const GroupConfig config_;
  const int quorum_;

  // Observed store state.
  bool group_seen_ = false;
  GroupRecord group_;
  store::Revision group_revision_ = 0;
  MemberRecords records_;
  LeaseView lease_;
  std::optional<SyncRecord> sync_;
  Epoch lease_epoch_seen_ = 0;  // the highest epoch a lease was seen held at
  ServingRecord serving_;       // the newest serving record known to be in the store
  // The serving write in flight (one at a time): its id, the record it
  // replaces and the one it writes.
  std::optional<uint64_t> serving_id_;
  ServingRecord serving_seen_;
  ServingRecord serving_next_;
  Instant serving_decided_;
  Instant serving_retry_at_;

  // Detection.
  bool sdown_ = false;
  bool odown_ = false;
  Instant sdown_since_;
  std::optional<Instant> last_tick_;
  std::optional<Instant> tilt_until_;
  Instant retry_after_;
  std::optional<Instant> retry_early_after_;  // set by a no-candidate / would-lose-data abort
  std::optional<Instant> failback_since_;     // the preferred member caught up since
  std::optional<Instant> first_report_;       // no primary yet: the first member report

  // The failover in progress.
  FailoverState state_ = FailoverState::kNone;
  Instant state_since_;
  std::optional<Timeline> current_;
  std::string candidate_;
  std::string original_primary_;
  bool unconfirmed_primary_ = false;  // original_primary_ never took the lease (a candidate)
  std::set<std::string> tried_;
  std::string only_;
  bool force_ = false;
  bool take_lease_ = false;          // fenced by hook or paused writes
  bool ranked_after_fence_ = false;  // sync modes: candidate re-ranked after the fence settled
  std::optional<uint64_t> fence_id_;
  bool hook_ok_ = false;
  // The remote fence of the old primary whose lease ended (one per
  // candidate round): in flight since remote_fence_sent_, then its answer.
  std::optional<uint64_t> remote_fence_id_;
  Instant remote_fence_sent_;
  std::optional<bool> remote_fence_ok_;
  std::optional<uint64_t> cas_id_;
  std::optional<bool> cas_outcome_;
  GroupRecord cas_next_;  // what the tracked write sets
  Position catch_up_lag_ = 0;

  uint64_t next_id_ = 1;
  CoordinatorReady ready_;
  std::vector<Timeline> history_;
};

}  // namespace baton::failover
