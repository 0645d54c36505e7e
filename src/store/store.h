// Store: the client view of the cluster store, as the agent and the failover
// controller use it. Implementations: LocalStore (one replica, no Raft; for
// tests and single-node use), the embedded one (a proposal through Raft,
// completed when the entry is applied to StateMachine) and an etcd backend.
// All honour this contract:
//
// - Every operation is asynchronous: it calls its callback exactly once, on
//   the implementation's event loop thread, with a value or a Status
//   (Unavailable: no quorum or not connected; Timeout; NotFound: unknown
//   lease; InvalidArgument; Aborted: cancelled at shutdown). The callback may
//   run before the call returns (LocalStore does); callers must not assume
//   either order.
// - Writes complete only after they are committed and applied; a completed
//   write is visible to every later read on any client (linearizable).
// - Revisions, versions, leases and events mean what kv.h and
//   state_machine.h say, whichever backend is used.
// - A Watch callback runs once per batch of events, in revision order, with no
//   gaps; an error (IsCompacted, Aborted for a slow watcher, Unavailable) ends
//   the watch and is the last call; the client then re-watches from the
//   revision after the last event it received. Cancel stops further calls.
//
// The Store must outlive every pending operation. Not thread-safe: call it
// from its event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "store/command.h"
#include "store/kv.h"

namespace baton::store {

struct RangeResponse {
  std::vector<KeyValue> kvs;  // key order
  Revision revision = 0;      // the store revision the read observed
};

struct PutResponse {
  Revision revision = 0;            // the revision of this write
  std::optional<KeyValue> prev_kv;  // the key before, if it existed
};

struct DeleteResponse {
  Revision revision = 0;          // unchanged if nothing was deleted
  std::vector<KeyValue> deleted;  // key order
};

struct TxnResponse {
  bool succeeded = false;  // the compares held and then_ops ran
  Revision revision = 0;
  std::vector<OpResult> ops;  // one per op of the branch that ran
};

struct LeaseGrantResponse {
  LeaseId id = kNoLease;
  Duration ttl;
};

using WatchId = uint64_t;

class Store {
 public:
  template <typename T>
  using Callback = std::function<void(Result<T>)>;
  using WatchCallback = std::function<void(Result<std::vector<Event>>)>;

  virtual ~Store() = default;

  // `key` exactly, or every key under it when `prefix`.
  virtual void Range(std::string key, bool prefix, Callback<RangeResponse> done) = 0;
  virtual void Put(std::string key, std::string value, LeaseId lease,
                   Callback<PutResponse> done) = 0;
  virtual void Delete(std::string key, Callback<DeleteResponse> done) = 0;
  virtual void DeleteRange(std::string prefix, Callback<DeleteResponse> done) = 0;
  virtual void Commit(Txn txn, Callback<TxnResponse> done) = 0;

  // Grants a lease with a fresh id chosen by the store.
  virtual void LeaseGrant(Duration ttl, Callback<LeaseGrantResponse> done) = 0;
  // Restarts the lease's ttl (the embedded store commits a LeaseRefresh);
  // completes with the ttl once every future leader will know of it. See
  // lease_keeper.h for the timing guarantee: measure validity from the time
  // KeepAlive was called.
  virtual void LeaseKeepAlive(LeaseId id, Callback<Duration> done) = 0;
  virtual void LeaseRevoke(LeaseId id, Callback<DeleteResponse> done) = 0;

  // Streams the events for keys under `prefix` from `start_revision`
  // (0: from the next change). Returns the id to Cancel it with.
  virtual WatchId Watch(std::string prefix, Revision start_revision, WatchCallback on_events) = 0;
  virtual void Cancel(WatchId id) = 0;
};

}  // namespace baton::store
