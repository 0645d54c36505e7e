// The values that cross the Raft core's boundary: log entries, hard state,
// membership, snapshots and messages. Plain data; no behaviour.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace baton::raft {

using NodeId = uint64_t;
using Term = uint64_t;
using Index = uint64_t;

// Node ids start at 1; 0 means "nobody" (no vote, no known leader).
inline constexpr NodeId kNoNode = 0;

enum class EntryType : uint8_t {
  kNormal = 0,      // application data (an empty one is the leader's no-op)
  kConfChange = 1,  // data is an encoded ConfChange (see conf_change.h)
};

struct Entry {
  Term term = 0;
  Index index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;

  friend bool operator==(const Entry&, const Entry&) = default;
};

// What must be durable before any message that depends on it is sent.
struct HardState {
  Term term = 0;
  NodeId vote = kNoNode;
  Index commit = 0;

  friend bool operator==(const HardState&, const HardState&) = default;
};

// The membership. Voters count toward quorums; learners receive the log but
// never vote or count. A node is in at most one of the two lists.
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;

  friend bool operator==(const ConfState&, const ConfState&) = default;
};

struct SnapshotMeta {
  Index index = 0;  // last entry the snapshot covers
  Term term = 0;    // that entry's term
  ConfState conf;   // membership as of `index`

  friend bool operator==(const SnapshotMeta&, const SnapshotMeta&) = default;
};

struct Snapshot {
  SnapshotMeta meta;
  std::string data;  // the application's state machine image, opaque to Raft

  bool empty() const { return meta.index == 0; }
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

enum class MessageType : uint8_t {
  kPreVote = 0,  // "would you vote for me at term+1?" (does not raise terms)
  kPreVoteResponse = 1,
  kVote = 2,
  kVoteResponse = 3,
  kAppend = 4,          // entries after (log_term, index); also carries commit
  kAppendResponse = 5,  // index = last matching index, or reject with a hint
  kHeartbeat = 6,       // commit + context (read-index round id)
  kHeartbeatResponse = 7,
  kSnapshot = 8,    // InstallSnapshot; `snapshot` is set
  kTimeoutNow = 9,  // leadership transfer: campaign now, skipping PreVote
  kReadIndex = 10,  // follower -> leader: a linearizable read request
  kReadIndexResponse = 11,
  kSnapshotResponse = 12,  // follower -> leader: a snapshot chunk arrived
};

const char* MessageTypeName(MessageType type);

struct Message {
  MessageType type = MessageType::kAppend;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  Term term = 0;

  // kAppend: the entry just before `entries` (prev log term/index).
  // kVote / kPreVote: the candidate's last log term/index.
  // kAppendResponse: index = the follower's last matching index on success,
  //   or the rejected prev index on reject.
  // kReadIndexResponse: index = the read index.
  // kHeartbeat: index = the leader's commit index (informational; `commit`
  //   is what the follower may commit).
  Term log_term = 0;
  Index index = 0;

  std::vector<Entry> entries;
  Index commit = 0;

  bool reject = false;
  // Fast backtracking (kAppendResponse with reject): the follower's hint of
  // where the logs may match: the term of its entry at `reject_hint` (or 0).
  // With a term, reject_hint is the follower's first index of that
  // conflicting term, and the leader skips the whole term; with 0, the
  // follower's log ends at reject_hint.
  Index reject_hint = 0;
  Term reject_hint_term = 0;

  // kHeartbeat(Response), kReadIndex(Response): read request correlation.
  // kVote / kPreVote: 1 marks a campaign started by kTimeoutNow (leadership
  // transfer), which voters grant even while they hear from a leader.
  uint64_t context = 0;

  // kSnapshot: one chunk of an InstallSnapshot. `snapshot` holds the
  // metadata and the chunk's bytes, which start at byte `snapshot_offset` of
  // an image of `snapshot_size` bytes; the last chunk ends at the size.
  // kSnapshotResponse: index = the snapshot's index, snapshot_offset = the
  // next byte the follower wants; reject = it has nothing of this snapshot
  // and the leader must start again from the offset given (0).
  std::shared_ptr<const Snapshot> snapshot;
  uint64_t snapshot_offset = 0;
  uint64_t snapshot_size = 0;
};

}  // namespace baton::raft
