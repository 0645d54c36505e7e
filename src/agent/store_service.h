// StoreService: the embedded store::Store (store/store.h) on a RaftServer.
//
// Writes (Put, Delete, DeleteRange, Txn, LeaseGrant, LeaseRevoke) are
// proposed through Raft and complete when their entry is applied; on a node
// that is not the leader they fail at once with NotLeaderError() (the caller
// redirects to the leader). Reads wait for a ReadIndex round, then read the
// local state machine: linearizable on any node that can reach the leader.
//
// Leases: while this node leads, a LeaseKeeper tracks every lease (Reset on
// taking office), KeepAlive refreshes one and is acknowledged only after a
// ReadIndex round confirms the leadership, and an expired lease is proposed
// as a LeaseRevoke entry. Keep-alives on a follower fail with NotLeaderError.
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

  // Leases this node's keeper tracks (0 unless leading).
  size_t tracked_leases() const { return keeper_.size(); }

 private:
  void OnApply(const store::ApplyResult& result);
  void OnRestore();
  void OnLeadership(bool leading);
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
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace baton::agent
