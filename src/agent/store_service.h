// StoreService: the embedded store::Store (store/store.h) on a RaftServer.
//
// Writes (Put, Delete, DeleteRange, Txn, LeaseGrant, LeaseRevoke) are
// proposed through Raft and complete when their entry is applied; on a node
// that is not the leader they fail at once with NotLeaderError() (the caller
// redirects to the leader). Reads wait for a ReadIndex round, then read the
// local state machine: linearizable on any node that can reach the leader.
//
// Leases: every node's LeaseKeeper follows the applied log (grants,
// refreshes, revokes) on its own clock, so lease deadlines survive a change
// of leader (store/lease_keeper.h). A new leader's keeper takes office once a
// ReadIndex round shows it has applied everything committed before its
// election; until then keep-alives fail with Unavailable. A keep-alive is
// checked (known, not expired), proposed as a LeaseRefresh entry and
// acknowledged with the ttl once applied, unless the lease expired meanwhile
// (NotFound). An expired lease is proposed as a LeaseRevoke entry.
// Keep-alives on a follower fail with NotLeaderError.
//
// Watches: a WatchHub is fed the events of every applied command; a watcher
// whose state machine is replaced by a snapshot is ended with Unavailable
// (re-read and watch again).
//
// Not thread-safe: the loop thread only. The RaftServer and the loop outlive
// the service; the service must be destroyed before the RaftServer.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

#include "agent/raft_server.h"
#include "core/rng.h"
#include "net/event_loop.h"
#include "store/lease_keeper.h"
#include "store/store.h"
#include "store/watch_hub.h"

namespace baton::agent {

class StoreService final : public store::Store {
 public:
  // Installs itself as `raft`'s observer.
  StoreService(net::EventLoop& loop, RaftServer& raft);
  ~StoreService() override;
  StoreService(const StoreService&) = delete;
  StoreService& operator=(const StoreService&) = delete;

  void Range(std::string key, bool prefix, Callback<store::RangeResponse> done) override;
  void Put(std::string key, std::string value, store::LeaseId lease,
           Callback<store::PutResponse> done) override;
  void Delete(std::string key, Callback<store::DeleteResponse> done) override;
  void DeleteRange(std::string prefix, Callback<store::DeleteResponse> done) override;
  void Commit(store::Txn txn, Callback<store::TxnResponse> done) override;
  void LeaseGrant(Duration ttl, Callback<store::LeaseGrantResponse> done) override;
  void LeaseKeepAlive(store::LeaseId id, Callback<Duration> done) override;
  void LeaseRevoke(store::LeaseId id, Callback<store::DeleteResponse> done) override;
  store::WatchId Watch(std::string prefix, store::Revision start_revision,
                       WatchCallback on_events) override;
  void Cancel(store::WatchId id) override;

  // Leases this node's keeper follows (every node follows the applied log).
  size_t tracked_leases() const { return keeper_.size(); }
  // When this node's keeper has lease `id` due (nullopt: not followed).
  std::optional<Instant> lease_deadline(store::LeaseId id) const { return keeper_.Deadline(id); }

 private:
  void OnApply(const store::ApplyResult& result);
  void OnRestore();
  void OnLeadership(bool leading);
  // Resets the keeper once this node has applied everything committed before
  // it became leader (retrying), unless leadership changed since (`office`).
  void TakeOffice(uint64_t office);
  void RevokeExpiredLeases();
  void Deliver(store::WatchId id, Result<std::vector<store::Event>> events);

  net::EventLoop& loop_;
  RaftServer& raft_;
  store::LeaseKeeper keeper_;
  store::WatchHub hub_;
  std::map<store::WatchId, WatchCallback> watchers_;
  store::WatchId next_watch_ = 0;
  Rng rng_;
  net::TimerHandle lease_timer_;
  uint64_t office_ = 0;  // counts leadership changes
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace baton::agent
