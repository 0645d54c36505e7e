// StateMachine: the replicated store's deterministic state, the function every
// replica applies committed Raft entries to. Same entries in the same order
// give the same keys, leases, revisions and history on every replica, because
// nothing here reads a clock, a random source or any other outside input.
//
// State: keys with etcd-like metadata (kv.h), leases with the keys attached to
// them, the global revision, the MVCC event history (until compaction) and the
// index of the last applied Raft entry.
//
// Revision rule: a command that changes at least one key raises the revision
// by exactly one and all its changes carry the new revision (a Txn, a
// DeleteRange or a LeaseRevoke that deletes many keys is still one revision).
// A command that changes no key (a Delete of a missing key, a LeaseGrant, a
// LeaseRefresh, a Compact, a Txn whose branch only reads) leaves the revision alone.
//
// Errors: a command that cannot be decoded or is invalid (empty key, unknown
// lease, compaction in the future, ...) yields an ApplyResult whose status
// says why; such a command changes nothing except the applied index. Apply
// never aborts on any input bytes.
//
// Not thread-safe; the owner serializes calls.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/command.h"
#include "store/event_history.h"
#include "store/kv.h"

namespace baton::store {

struct ApplyResult {
  Status status;          // OK, or why the command was rejected (nothing changed)
  bool skipped = false;   // the index was already applied; nothing was done
  Revision revision = 0;  // the store revision after the command
  bool succeeded = true;  // false if rejected; Txn: the compares held and `then_ops` ran
  // Put, Delete, DeleteRange: one result. Txn: one per op of the branch that ran.
  std::vector<OpResult> ops;
  std::vector<Event> events;             // the changes made, in order (feed them to WatchHub)
  std::optional<Lease> granted_lease;    // set by a successful LeaseGrant
  std::optional<LeaseId> revoked_lease;  // set by a successful LeaseRevoke
  std::optional<Lease> refreshed_lease;  // set by a successful LeaseRefresh
};

class StateMachine {
 public:
  // Applies the encoded command of the Raft entry at `index`. An index at or
  // below applied_index() is ignored (result.skipped), which makes re-applying
  // a log suffix after a restart harmless.
  ApplyResult Apply(uint64_t index, std::string_view encoded_command);

  // Records that the entry at `index` carried no store command (the leader's
  // empty entry, a membership change). Lower indexes are ignored.
  void MarkApplied(uint64_t index);

  // Reads at the current revision.
  std::optional<KeyValue> Get(std::string_view key) const;
  // `key` exactly, or every key starting with it when `prefix`; key order.
  std::vector<KeyValue> Range(std::string_view key, bool prefix) const;

  // The events since `start_revision` (inclusive) for keys under `prefix`,
  // oldest first; empty when start_revision is in the future. Fails with
  // CompactedError (IsCompacted) when start_revision is below the compaction
  // point.
  Result<std::vector<Event>> WatchFrom(std::string_view prefix, Revision start_revision) const;

  std::vector<Lease> Leases() const;  // in id order
  // The keys attached to lease `id`, in key order (empty for an unknown lease).
  std::vector<std::string> LeaseKeys(LeaseId id) const;

  // The full state as bytes (checksummed), for a Raft snapshot.
  std::string Snapshot() const;
  // Replaces the whole state with a Snapshot() image. On error (Corruption)
  // the state is unchanged.
  Status Restore(std::string_view bytes);

  uint64_t applied_index() const { return applied_index_; }
  Revision revision() const { return revision_; }
  Revision compacted_revision() const { return history_.compacted_revision(); }
  size_t key_count() const { return keys_.size(); }
  const EventHistory& history() const { return history_; }

  friend bool operator==(const StateMachine&, const StateMachine&) = default;

 private:
  struct LeaseState {
    Duration ttl;
    std::set<std::string, std::less<>> keys;
    friend bool operator==(const LeaseState&, const LeaseState&) = default;
  };
  using KeyMap = std::map<std::string, KeyValue, std::less<>>;

  // One Execute per command type; each fills `result` (status, ops, events).
  void Execute(const Put& c, ApplyResult* result);
  void Execute(const Delete& c, ApplyResult* result);
  void Execute(const DeleteRange& c, ApplyResult* result);
  void Execute(const Txn& c, ApplyResult* result);
  void Execute(const LeaseGrant& c, ApplyResult* result);
  void Execute(const LeaseRevoke& c, ApplyResult* result);
  void Execute(const LeaseRefresh& c, ApplyResult* result);
  void Execute(const Compact& c, ApplyResult* result);

  Status Validate(const TxnOp& op) const;
  bool Holds(const Compare& compare) const;
  OpResult RunOp(const TxnOp& op, ApplyResult* result);

  // Mutations at the pending revision (revision_ + 1); each records an event.
  OpResult PutKey(const Put& c, ApplyResult* result);
  KeyValue DeleteKey(KeyMap::iterator it, ApplyResult* result);
  OpResult DeletePrefix(std::string_view prefix, ApplyResult* result);
  void Detach(LeaseId lease, const std::string& key);

  KeyMap keys_;
  std::map<LeaseId, LeaseState> leases_;
  EventHistory history_;
  Revision revision_ = 0;
  uint64_t applied_index_ = 0;
};

}  // namespace baton::store
