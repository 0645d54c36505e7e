// LeaseKeeper: the clock for leases. Lease expiry is decided by one node, the
// store's Raft leader, and committed as a LeaseRevoke entry, so every replica
// deletes the lease's keys at the same revision. LeaseKeeper is that decision,
// pure: the driver passes in the time and proposes whatever Tick returns.
//
// Every replica runs one and feeds it the applied log, leader or not, so the
// deadlines survive a change of leader:
//   after each Apply:            Observe(apply_result, now)
//   after a snapshot install:    Restore(now, state_machine.Leases())
//   on becoming leader, once everything committed before the election is
//   applied (a ReadIndex round): Reset(now, state_machine.Leases())
//   on a client keep-alive:      CheckKeepAlive(id), propose LeaseRefresh{id},
//                                and once it is applied answer with
//                                AnswerKeepAlive(id, its apply result)
//   on every timer:              for id in Tick(now): propose LeaseRevoke{id}
//   on losing leadership:        Stop()
//
// Timing guarantee. On every replica a lease is due at ttl after this replica
// applied its grant or its latest refresh (LeaseRefresh, a keep-alive), on its
// own monotonic clock; a lease the replica never saw applied (it restarted
// from a snapshot) is due at ttl after it learned of it (Restore, Reset). Tick
// never returns a lease before its deadline. The holder measures from the
// moment it SENT its last acknowledged keep-alive; every replica applies the
// refresh entry after that moment, so no replica's deadline apply + ttl is
// earlier than the holder's send + ttl. A keep-alive is acknowledged only
// once its refresh entry is committed and applied, so every future leader has
// it in its log; a new leader takes office (Reset) only after applying
// everything committed before its election, so it counts from that refresh
// too. A holder that stops acting (demotes its member) at
// send + ttl - drift_margin therefore stops before any replica can delete its
// keys, provided clock rates differ by less than the margin. And a leader
// change no longer restarts the ttl: a killed leader's lease ends ttl after
// its last keep-alive, not ttl after the next election.
//
// Expired leases. A lease returned by Tick counts as expired on this leader:
// CheckKeepAlive fails for it, and Tick offers it again every `revoke_retry`
// until its revoke is applied (in case the proposal was dropped). A refresh
// entry applied after Tick returned the lease (the keep-alive raced the
// expiry) still changes the deadline, but the keep-alive it answers must fail:
// the revoke is on its way, and the holder must not believe in a lease whose
// keys are about to be deleted. Not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "store/kv.h"
#include "store/state_machine.h"

namespace baton::store {

class LeaseKeeper {
 public:
  explicit LeaseKeeper(Duration revoke_retry = Duration::Seconds(1));

  // Takes office at `now`: tracks exactly `leases`. A lease this keeper
  // already follows keeps its deadline; one it never saw applied is due at
  // now + ttl. No lease starts out expired.
  void Reset(Instant now, const std::vector<Lease>& leases);
  // Leaves office: Tick returns nothing and CheckKeepAlive fails with
  // Unavailable until the next Reset. The keeper keeps following the log.
  void Stop();
  bool leading() const { return leading_; }

  // Follows the applied log, leading or not: a granted or refreshed lease is
  // due at now + ttl, a revoked one is forgotten.
  void Observe(const ApplyResult& result, Instant now);
  // The state machine was replaced (a snapshot) at `now`: follows exactly
  // `leases`, each due at now + ttl (the refreshes in the image were applied
  // before now, at times this keeper does not know).
  void Restore(Instant now, const std::vector<Lease>& leases);

  // Whether a keep-alive on lease `id` may be accepted (before proposing its
  // LeaseRefresh) and acknowledged (once the refresh is applied): the lease's
  // ttl. Unavailable when not leading; NotFound for an unknown lease or one
  // Tick has returned (expired).
  Result<Duration> CheckKeepAlive(LeaseId id) const;
  // The answer to a keep-alive whose LeaseRefresh was applied with `refresh`:
  // its failure, or else CheckKeepAlive(id), which fails if Tick expired the
  // lease while the refresh was in flight.
  Result<Duration> AnswerKeepAlive(LeaseId id, const ApplyResult& refresh) const;

  // The leases to revoke: due at or before `now`, in id order. A lease comes
  // back again after `revoke_retry` if its revoke has not been observed.
  // Nothing when not leading.
  std::vector<LeaseId> Tick(Instant now);

  // When lease `id` is (or was) due; nullopt for an unknown lease.
  std::optional<Instant> Deadline(LeaseId id) const;
  // The earliest time Tick can return something, for the driver's timer.
  std::optional<Instant> NextDeadline() const;
  size_t size() const { return leases_.size(); }

 private:
  struct Tracked {
    Duration ttl;
    Instant deadline;      // due at this time
    bool expired = false;  // returned by Tick while leading; awaiting its revoke
    Instant next_offer{};  // when Tick may return an expired lease again
  };

  Duration revoke_retry_;
  bool leading_ = false;
  std::map<LeaseId, Tracked> leases_;
};

}  // namespace baton::store
