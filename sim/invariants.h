// SafetyChecker: the Raft safety properties (Raft paper, Figure 3), checked
// as the simulator reports what each node does, after every step.
//
//  - Election Safety: at most one leader per term, over the whole run.
//  - Log Matching: two logs that hold an entry with the same index and term
//    hold the same entry there and the same prefix. Checked inductively: each
//    (index, term) ever written anywhere must always carry the same data and
//    sit after an entry of the same term.
//  - Leader Completeness: a node that becomes leader holds every entry that
//    was known committed (applied anywhere) before it won.
//  - State Machine Safety: no two nodes apply different entries at one index,
//    and snapshots taken or installed at one index hold the same state.
//  - Commit monotonicity: a node's commit index never goes back while it
//    runs, and its persisted commit never goes back, across restarts too.
//
// The first violation is kept as text; later reports are still accepted.
// The checker knows nothing about RawNode; the simulator feeds it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "raft/types.h"

namespace baton::sim {

class SafetyChecker {
 public:
  // `node` is leader in `term`; `log` is its whole log held in memory and
  // `first_index` the index of log.front() (entries before it are in its
  // snapshot).
  void OnLeader(raft::NodeId node, raft::Term term, raft::Index first_index,
                const std::vector<raft::Entry>& log);
  // `node` wrote `entries` (contiguous) after an entry of term `prev_term`.
  void OnAppend(raft::NodeId node, raft::Term prev_term, const std::vector<raft::Entry>& entries);
  // `node` applied a committed entry to its state machine.
  void OnApply(raft::NodeId node, const raft::Entry& entry);
  // `node` took or installed a state machine snapshot at `index`.
  void OnSnapshot(raft::NodeId node, raft::Index index, const std::string& data);
  // `node`'s running commit index; OnRestart starts a new incarnation.
  void OnCommit(raft::NodeId node, raft::Index commit);
  void OnRestart(raft::NodeId node);
  // `node`'s durable hard state commit.
  void OnPersistedCommit(raft::NodeId node, raft::Index commit);

  bool ok() const { return !violation_.has_value(); }
  const std::optional<std::string>& violation() const { return violation_; }
  // Entries known committed: the largest index applied anywhere.
  raft::Index committed() const { return committed_.size(); }

 private:
  struct EntryDigest {
    raft::Term term = 0;
    size_t data_hash = 0;
    friend bool operator==(const EntryDigest&, const EntryDigest&) = default;
  };
  struct LinkDigest {
    raft::Term prev_term = 0;
    size_t data_hash = 0;
  };
  struct PairHash {
    size_t operator()(const std::pair<raft::Index, raft::Term>& p) const {
      return std::hash<uint64_t>()(p.first * 0x9e3779b97f4a7c15ULL ^ p.second);
    }
  };
  void Fail(std::string what);

  std::map<raft::Term, raft::NodeId> leaders_;
  std::unordered_map<std::pair<raft::Index, raft::Term>, LinkDigest, PairHash> written_;
  std::vector<EntryDigest> committed_;  // [i] is the entry at index i + 1
  std::map<raft::Index, size_t> snapshots_;
  std::map<raft::NodeId, raft::Index> commit_;
  std::map<raft::NodeId, raft::Index> persisted_commit_;
  std::optional<std::string> violation_;
};

}  // namespace baton::sim
