// Progress: the leader's view of one peer's replication, with flow control.
//
// A peer is in one of three states:
//   kProbe:     the leader does not know where the logs match; at most one
//               kAppend is outstanding until the peer answers (or a
//               heartbeat response arrives).
//   kReplicate: the logs match up to `match`; the leader streams appends
//               optimistically, at most `max_inflight` unacknowledged.
//   kSnapshot:  a snapshot is in flight; nothing else is sent until the peer
//               acknowledges it or the attempt times out.
// Invariant: match < next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "raft/types.h"

namespace baton::raft {

enum class ProgressState { kProbe, kReplicate, kSnapshot };

// The last indexes of unacknowledged appends, oldest first, bounded.
class Inflights {
 public:
  explicit Inflights(size_t capacity) : capacity_(capacity) {}

  bool full() const { return last_indexes_.size() >= capacity_; }
  size_t count() const { return last_indexes_.size(); }
  // REQUIRES: !full() and `last_index` >= every index already added.
  void Add(Index last_index);
  // Acknowledges every append whose last index is <= `index`.
  void FreeLE(Index index);
  void FreeFirstOne();
  void Reset() { last_indexes_.clear(); }

 private:
  size_t capacity_;
  std::deque<Index> last_indexes_;
};

class Progress {
 public:
  Progress(Index next, size_t max_inflight, bool learner);

  ProgressState state() const { return state_; }
  Index match() const { return match_; }
  Index next() const { return next_; }
  bool learner() const { return learner_; }
  void set_learner(bool learner) { learner_ = learner; }
  Index pending_snapshot() const { return pending_snapshot_; }
  const Inflights& inflights() const { return inflights_; }

  // Ticks since the peer last answered (CheckQuorum and status pages).
  int ticks_since_contact = 0;
  int ticks_in_snapshot = 0;
  // kSnapshot: the end offset of the chunk sent last (its ack asks for it).
  uint64_t snapshot_sent_end = 0;

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(Index snapshot_index);

  // True when no kAppend may be sent now.
  bool IsPaused() const;
  // Records that an append covering up to `last_index` was sent (entries
  // may be empty, then last_index is next - 1).
  void SentAppend(Index last_index, bool had_entries);
  // A heartbeat response lets a probing peer be probed again.
  void Unpause() { probe_sent_ = false; }
  void FreeInflightsUpTo(Index index) { inflights_.FreeLE(index); }
  // Lets a stalled stream (an append was lost) send again.
  void FreeFirstInflight() { inflights_.FreeFirstOne(); }

  // A success ack for `index`. Returns false if it told nothing new.
  bool MaybeUpdate(Index index);
  // A reject of the append whose prev index was `rejected`, with the next
  // index the hint suggests. Returns false for a stale reject.
  bool MaybeDecrTo(Index rejected, Index hint_next);

 private:
  ProgressState state_ = ProgressState::kProbe;
  Index match_ = 0;
  Index next_;
  bool learner_;
  bool probe_sent_ = false;
  Index pending_snapshot_ = 0;
  Inflights inflights_;
};

}  // namespace baton::raft
