// SimDisk: one node's simulated durable storage for Raft state, with fsync
// latency and power-cut semantics (leveldb's FaultInjectionTestEnv idea).
//
// A write (hard state, log entries, a snapshot) lands at once in the
// "current" view, which is what the running process reads back, and becomes
// durable only when its fsync completes. At most one fsync is outstanding: the
// node's loop waits for it (the Ready rule: persist, then send). Crash()
// discards every unsynced write; Synced() is what a restarted node finds.
// Not thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "core/time.h"
#include "raft/types.h"

namespace baton::sim {

// What a node keeps on disk: the RestoredState shape.
struct DiskState {
  raft::HardState hard_state;
  raft::Snapshot snapshot;           // empty() if none
  std::vector<raft::Entry> entries;  // contiguous, after snapshot.meta.index

  raft::Index LastIndex() const;
  // The term of the entry at `index`: from the log, or the snapshot's last
  // term, or nullopt when the index is neither (compacted away or absent).
  std::optional<raft::Term> TermAt(raft::Index index) const;
};

struct DiskWrite {
  std::optional<raft::HardState> hard_state;
  std::optional<raft::Snapshot> snapshot;  // applied before entries
  // Replaces the suffix from entries.front().index on.
  std::vector<raft::Entry> entries;

  bool empty() const { return !hard_state && !snapshot && entries.empty(); }
};

// Applies `write` to `state`. A snapshot replaces the whole log; entries
// replace the suffix they overlap. REQUIRES: entries leave no gap.
void ApplyWrite(const DiskWrite& write, DiskState* state);

class SimDisk {
 public:
  SimDisk() = default;

  // Writes to the unsynced buffer and starts its fsync, done at `sync_done`.
  // REQUIRES: !syncing().
  void Write(DiskWrite write, Instant sync_done);
  bool syncing() const { return pending_.has_value(); }
  Instant sync_done() const { return sync_done_; }
  // Makes the outstanding write durable. REQUIRES: syncing().
  void CompleteSync();

  // The application saves a state machine snapshot atomically (written to a
  // temporary file and renamed): durable at once. It drops the log it covers.
  void SaveSnapshot(const raft::Snapshot& snapshot);

  // Power cut: unsynced writes are gone.
  void Crash();

  const DiskState& current() const { return current_; }
  const DiskState& synced() const { return synced_; }

 private:
  DiskState current_;
  DiskState synced_;
  std::optional<DiskWrite> pending_;
  Instant sync_done_;
};

}  // namespace baton::sim
