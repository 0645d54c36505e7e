// LocalStore: a Store with a single replica and no Raft. Each write is
// applied to a StateMachine at once and its callback runs before the call
// returns; watch callbacks run in revision order, never re-entrantly (a write
// made from inside a callback is delivered after the current delivery ends).
// Lease expiry follows the leader rules of LeaseKeeper, with this store as
// the permanent leader and time given by AdvanceTo. Pure: no clock, no
// threads, no I/O. For tests of the store's clients (agent, failover) and
// for a single-node deployment. Not thread-safe.
#pragma once

#include <deque>
#include <map>

#include "store/lease_keeper.h"
#include "store/state_machine.h"
#include "store/store.h"
#include "store/watch_hub.h"

namespace baton::store {

class LocalStore final : public Store {
 public:
  // `now` starts the lease clock; see WatchHub for `max_pending_events`.
  explicit LocalStore(Instant now, size_t max_pending_events = 1024);
  LocalStore(const LocalStore&) = delete;
  LocalStore& operator=(const LocalStore&) = delete;

  // Moves the lease clock to `now` (never backwards) and revokes every lease
  // that is due, as the leader would by committing LeaseRevoke entries.
  void AdvanceTo(Instant now);
  // Discards the watch history below `revision`, as the leader's periodic
  // compaction would; the ApplyResult status says why it was refused.
  Status Compact(Revision revision);
  const StateMachine& state() const { return state_; }

  void Range(std::string key, bool prefix, Callback<RangeResponse> done) override;
  void Put(std::string key, std::string value, LeaseId lease, Callback<PutResponse> done) override;
  void Delete(std::string key, Callback<DeleteResponse> done) override;
  void DeleteRange(std::string prefix, Callback<DeleteResponse> done) override;
  void Commit(Txn txn, Callback<TxnResponse> done) override;
  void LeaseGrant(Duration ttl, Callback<LeaseGrantResponse> done) override;
  void LeaseKeepAlive(LeaseId id, Callback<Duration> done) override;
  void LeaseRevoke(LeaseId id, Callback<DeleteResponse> done) override;
  WatchId Watch(std::string prefix, Revision start_revision, WatchCallback on_events) override;
  void Cancel(WatchId id) override;

 private:
  struct Delivery {
    WatchId watch = 0;
    std::vector<Event> events;
    Status end;  // non-OK: the watch ends with this
  };

  // Applies `command` as the next entry and queues its watch deliveries.
  ApplyResult Submit(const Command& command);
  void Enqueue(WatchOutput output);
  // Runs the queued watch callbacks unless a delivery is already running.
  void Deliver();

  StateMachine state_;
  LeaseKeeper leases_;
  WatchHub hub_;
  Instant now_;
  LeaseId next_lease_ = 1;
  WatchId next_watch_ = 1;
  std::map<WatchId, WatchCallback> watchers_;
  std::deque<Delivery> queue_;
  bool delivering_ = false;
};

}  // namespace baton::store
