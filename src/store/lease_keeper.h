// LeaseKeeper: the leader's clock for leases. Lease expiry is decided by one
// node, the store's Raft leader, and committed as a LeaseRevoke entry, so
// every replica deletes the lease's keys at the same revision. LeaseKeeper is
// that decision, pure: the driver passes in the time and proposes whatever
// Tick returns. Followers need no LeaseKeeper.
//
// Life cycle (in the leader's driver):
//   on becoming leader:      Reset(now, state_machine.Leases())
//   after each Apply:        Observe(apply_result, now)
//   on a client keep-alive:  KeepAlive(id, now)   (answer only if it succeeds)
//   on every timer:          for id in Tick(now): propose LeaseRevoke{id}
//   on losing leadership:    Stop()
//
// Timing guarantee. Every lease's deadline is set to now + ttl, on the
// leader's monotonic clock, when the leader applies its grant, when it
// accepts a keep-alive, and when the leader takes office (Reset). Tick never
// returns a lease before its deadline. So a lease is not revoked earlier than
// ttl after the later of: its grant, its last accepted keep-alive, the start
// of the current leader's term. A leader change never shortens a lease: the
// new leader starts a full ttl for every lease, which is how keep-alives
// survive the change. A holder that measures from the moment it SENT its last
// acknowledged keep-alive (which precedes its arrival) and stops acting at
// send + ttl - drift_margin stops before any replica can delete its keys,
// provided (a) clock rates differ by less than the margin and (b) the driver
// acknowledges a keep-alive only after confirming it is still leader (a Raft
// ReadIndex round after receipt), so no other leader's Reset predates it.
//
// A lease returned by Tick counts as expired: KeepAlive on it fails and Tick
// offers it again every `revoke_retry` until its revoke is applied (in case
// the proposal was dropped). Not thread-safe.
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

  // Takes office at `now`: tracks exactly `leases`, each due at now + ttl.
  void Reset(Instant now, const std::vector<Lease>& leases);
  // Leaves office: forgets every lease; Tick returns nothing and KeepAlive
  // fails with Unavailable until the next Reset.
  void Stop();
  bool leading() const { return leading_; }

  // Follows the applied log: a granted lease is due at now + ttl, a revoked
  // one is forgotten. No effect when not leading.
  void Observe(const ApplyResult& result, Instant now);

  // Refreshes lease `id` to now + ttl and returns the ttl. Unavailable when
  // not leading; NotFound for an unknown or already expired lease.
  Result<Duration> KeepAlive(LeaseId id, Instant now);

  // The leases to revoke: due at or before `now`, in id order. A lease comes
  // back again after `revoke_retry` if its revoke has not been observed.
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
    bool expired = false;  // returned by Tick; awaiting its revoke
    Instant next_offer{};  // when Tick may return an expired lease again
  };

  Duration revoke_retry_;
  bool leading_ = false;
  std::map<LeaseId, Tracked> leases_;
};

}  // namespace baton::store
