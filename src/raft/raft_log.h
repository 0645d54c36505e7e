// RaftLog: the in-memory log of one node, from the last snapshot on.
//
// Indexes (all monotonic except where noted):
//   snapshot_index  the last index covered by the snapshot (0: none); entries
//                   start at snapshot_index + 1 = first_index().
//   stable          entries up to here were handed out in a Ready that was
//                   Advance()d, i.e. are durable. May move back when a leader
//                   overwrites an unstable or stable suffix.
//   committed       known committed; never decreases.
//   applied         handed out as committed entries and Advance()d.
// Invariants: applied <= committed <= last_index(); committed entries are
// never truncated. Entries are handed out for applying only up to
// min(committed, stable), so a node never applies what it has not persisted.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "core/result.h"
#include "raft/types.h"

namespace baton::raft {

class RaftLog {
 public:
  // An empty log whose first entry will be `snapshot_index` + 1.
  RaftLog(Index snapshot_index, Term snapshot_term);

  Index first_index() const { return snapshot_index_ + 1; }
  Index last_index() const { return snapshot_index_ + entries_.size(); }
  Index snapshot_index() const { return snapshot_index_; }
  Term snapshot_term() const { return snapshot_term_; }
  Index committed() const { return committed_; }
  Index applied() const { return applied_; }
  Index stable() const { return stable_; }
  Term last_term() const { return *TermAt(last_index()); }

  // The term of the entry at `index`, for index in [snapshot_index,
  // last_index]; nullopt outside (compacted or not yet appended).
  std::optional<Term> TermAt(Index index) const;
  bool MatchTerm(Index index, Term term) const;
  // REQUIRES: first_index() <= index <= last_index().
  const Entry& At(Index index) const;
  // Entries in [lo, hi), at most `max_count`, and stopping before the entry
  // that would lift their summed data size above `max_bytes` (but never
  // empty when lo < hi). REQUIRES: first_index() <= lo <= hi <=
  // last_index() + 1.
  std::vector<Entry> Slice(Index lo, Index hi, size_t max_count, size_t max_bytes = SIZE_MAX) const;
  // Like Slice, but an error for a range outside the log.
  Result<std::vector<Entry>> Entries(Index lo, Index hi) const;

  // Raft's election restriction: is (last_index, last_term) at least as up
  // to date as this log?
  bool IsUpToDate(Index last_index, Term last_term) const;

  // The first entry of `entries` whose term differs from ours or that lies
  // beyond our last index; 0 if every entry is already present.
  Index FindConflict(const std::vector<Entry>& entries) const;
  // The first index of the term of the entry at `index` (searching no
  // further back than first_index()). REQUIRES: index in the log.
  Index FirstIndexOfTerm(Index index) const;
  // The last index <= `index` whose term is `term`, or nullopt.
  std::optional<Index> LastIndexOfTerm(Index index, Term term) const;

  // Appends entries, replacing any suffix from entries.front().index on.
  // REQUIRES: contiguous entries starting in (committed, last_index + 1].
  void TruncateAndAppend(std::vector<Entry> entries);

  void CommitTo(Index index);
  void AppliedTo(Index index);
  // Marks entries up to `index` durable if the entry there still has `term`.
  void StableTo(Index index, Term term);

  // Entries not yet handed out for persistence.
  std::vector<Entry> UnstableEntries() const;
  bool HasUnstableEntries() const { return last_index() > stable_; }
  // Committed, durable entries not yet applied: (applied, min(committed, stable)].
  std::vector<Entry> NextCommittedEntries() const;
  bool HasNextCommittedEntries() const;

  // Discards entries up to `index`. REQUIRES: snapshot_index() < index <=
  // applied().
  void Compact(Index index);
  // Replaces the whole log with the state of a snapshot at (index, term):
  // empty, committed = index, applied and stable stay behind until the
  // snapshot is persisted (SnapshotPersisted).
  void RestoreSnapshot(Index index, Term term);
  void SnapshotPersisted(Index index);

 private:
  Index snapshot_index_;
  Term snapshot_term_;
  std::deque<Entry> entries_;
  Index committed_;
  Index applied_;
  Index stable_;
  // Set between RestoreSnapshot and SnapshotPersisted: nothing is applied.
  bool snapshot_pending_ = false;
};

}  // namespace baton::raft
