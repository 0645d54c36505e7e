// ConnectionTable: the admission decisions of one listener, as a pure state
// machine over connection ids (no sockets, no clock), so every listener
// applies ListenerLimits the same way and the rules are unit-tested.
//
// Admit() either refuses a new connection or accepts it as unauthenticated,
// possibly naming one older unauthenticated connection the caller must close
// first (it is already forgotten by the table). Authenticate() moves a
// connection out of the unauthenticated pool; Release() forgets it (a no-op
// for an evicted or unknown id). Events go to the optional observer.
//
// Thread-compatible: one thread (the listener's network thread) uses it.
#pragma once

#include <cstdint>
#include <optional>
#include <set>

#include "limits/listener_limits.h"
#include "limits/listener_observer.h"

namespace baton::limits {

using ConnectionId = uint64_t;

struct Admission {
  bool accepted = false;
  ConnectionId id = 0;                // valid when accepted
  std::optional<ConnectionId> evict;  // close this one (oldest unauthenticated) first
};

class ConnectionTable {
 public:
  // REQUIRES: limits.Validate() is OK. `observer` may be null; it must
  // outlive the table.
  explicit ConnectionTable(const ListenerLimits& limits, ListenerObserver* observer = nullptr);

  // Rules, in order: with max_unauthenticated unauthenticated connections
  // open, or max_connections open, one unauthenticated connection is evicted
  // (the oldest idle one, else the oldest busy one), or, when every open
  // connection is authenticated, the new one is refused; else the new one is
  // accepted.
  Admission Admit();
  // A busy connection (a whole request received, its answer not yet sent)
  // is evicted only when every unauthenticated connection is busy. Unknown
  // ids are ignored.
  void SetBusy(ConnectionId id, bool busy);
  // REQUIRES nothing: unknown or already-authenticated ids are ignored.
  void Authenticate(ConnectionId id);
  void Release(ConnectionId id);
  // Counts a connection closed for a timeout (Release it as well).
  void CountEnd(ConnectionEnd end);

  bool IsOpen(ConnectionId id) const { return open_.contains(id); }
  bool IsAuthenticated(ConnectionId id) const {
    return open_.contains(id) && !unauthenticated_.contains(id);
  }
  size_t open() const { return open_.size(); }
  size_t unauthenticated() const { return unauthenticated_.size(); }

 private:
  // The oldest unauthenticated connection that is not busy, if any.
  std::optional<ConnectionId> EvictOldestUnauthenticated();
  void Report();

  const ListenerLimits limits_;
  ListenerObserver* const observer_;
  ConnectionId next_id_ = 1;
  std::set<ConnectionId> open_;
  std::set<ConnectionId> unauthenticated_;  // ids grow with age: begin() is the oldest
  std::set<ConnectionId> busy_;
};

}  // namespace baton::limits
