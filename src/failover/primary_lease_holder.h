// PrimaryLeaseHolder: the primary agent's side of the primary lease, for one
// member. Pure: the driver performs the LeaseOps against the store and hands
// the outcomes back; time is passed in.
//
// Timing (see docs/failover.md and store/lease_keeper.h):
//  - Acquire: the driver grants a fresh store lease of lease_ttl and runs
//    AcquireLeaseTxn with it. Renew: LeaseKeepAlive on that store lease,
//    every lease_ttl / 3 measured from the previous renewal's send time.
//    Release: ReleaseLeaseTxn, then LeaseRevoke.
//  - The local view of the lease ends at (send time of the last acknowledged
//    acquire or renewal) + lease_ttl. The store cannot revoke the lease before
//    that instant on any clock running within the drift bound, because the
//    store starts its ttl when the request arrives, after it was sent.
//  - At view_end - drift_margin without a newer acknowledgement the holder
//    orders a self-fence (the member stops writing) and tries to release.
//    An acquire acknowledged that late (its answer held up on the way) is
//    released at once: the member is never promoted on it.
//  - When the member fails (fall threshold) the holder fences and releases at
//    once, so failover starts without waiting for the lease to expire.
//  - A Tick more than drift_margin after the previous one means this process
//    was paused: the holder fences and releases before anything else, and
//    every later outcome of an operation sent before the pause is ignored.
//    The driver must therefore Tick at least every drift_margin / 2 while a
//    lease is held (NextWakeup says so).
//  - Once fenced, the holder only acts again after Start() with a newer
//    epoch; it never acts with an old epoch.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "detect/event.h"
#include "failover/group_config.h"
#include "failover/schema.h"

namespace baton::failover {

enum class LeaseOpKind { kAcquire, kRenew, kRelease };
std::string_view LeaseOpKindName(LeaseOpKind kind);

struct LeaseOp {
  uint64_t id = 0;  // per holder, from 1; report the outcome with this id
  LeaseOpKind kind = LeaseOpKind::kAcquire;
  LeaseRecord lease;  // the lease key's value (acquire) or expected value (release)
  Instant sent_at;    // the `now` at which the holder asked for it
};

// The member must stop taking writes now (demote or pause it).
struct SelfFence {
  std::string member;
  Epoch epoch = 0;
  // "lease-view-ending", "lease-acquired-late", "member-failed", "pause",
  // "lease-lost", "resign", "step-down-requested"
  std::string reason;
};

struct HolderReady {
  std::vector<LeaseOp> ops;
  std::optional<SelfFence> fence;
  std::vector<detect::Event> events;
};

enum class HolderState { kIdle, kAcquiring, kHolding, kFenced };
std::string_view HolderStateName(HolderState state);

class PrimaryLeaseHolder {
 public:
  // REQUIRES: config.Validate().ok().
  PrimaryLeaseHolder(const GroupConfig& config, std::string member, std::string node);

  PrimaryLeaseHolder(const PrimaryLeaseHolder&) = delete;
  PrimaryLeaseHolder& operator=(const PrimaryLeaseHolder&) = delete;

  // The group record names this member primary at `epoch`: acquire the
  // lease. REQUIRES: epoch > every epoch started before.
  void Start(Epoch epoch, Instant now);
  // The store's answer to op `id`: OK, NotFound (the lease is gone: fence at
  // once) or another error (ignored; the next renewal retries). Outcomes of
  // superseded operations are ignored.
  void OnResult(uint64_t id, const Status& status, Instant now);
  // The member failed its health check (fall threshold): fence and release.
  void OnMemberFailed(Instant now);
  // The group moved on (another member is primary): fence and release.
  void Resign(Instant now);
  // The coordinator asked this epoch's primary to step down (a majority of
  // agents sees its member down while this agent renews): fence and
  // release, so the failover need not wait for the lease to end.
  void StepDown(Instant now);
  void Tick(Instant now);

  // The latest instant by which Tick must run again; Instant max when idle.
  Instant NextWakeup() const;
  bool HasReady() const { return !ready_.ops.empty() || ready_.fence || !ready_.events.empty(); }
  HolderReady TakeReady();

  HolderState state() const { return state_; }
  Epoch epoch() const { return epoch_; }
  // True while the member may take writes: holding and before the fence point.
  bool MayWrite(Instant now) const { return state_ == HolderState::kHolding && now < FenceAt(); }
  Instant view_end() const { return view_end_; }
  Instant FenceAt() const { return view_end_ - config_.drift_margin; }

 private:
  void Send(LeaseOpKind kind, Instant now);
  void Fence(std::string reason, bool release, Instant now);
  void Emit(std::string name, Instant now, std::vector<std::pair<std::string, std::string>> fields);
  bool DetectPause(Instant now);

  const GroupConfig config_;
  const std::string member_;
  const std::string node_;

  HolderState state_ = HolderState::kIdle;
  Epoch epoch_ = 0;
  uint64_t next_id_ = 1;
  uint64_t acquire_id_ = 0;
  uint64_t first_valid_id_ = 1;            // outcomes of earlier ops are ignored
  std::map<uint64_t, LeaseOp> in_flight_;  // acquire and renewals awaiting an outcome
  Instant view_end_;
  Instant next_renew_;
  std::optional<Instant> last_tick_;
  HolderReady ready_;
};

}  // namespace baton::failover
