// RaftImpl: the Raft state machine behind RawNode (see raw_node.h for the
// contract). The implementation is split by concern:
//   raft.cc             construction, Tick, Step (term rules), roles, elections
//   raft_replication.cc log replication, commit, snapshots (both sides)
//   raft_membership.cc  configuration history, conf changes, leader transfer
//   raft_read.cc        ReadIndex and lease reads
//   raft_ready.cc       Ready / Advance / Compact
// Not thread-safe. Never reads a clock; randomness comes from the Rng.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/logger.h"
#include "core/result.h"
#include "core/rng.h"
#include "raft/conf_change.h"
#include "raft/config.h"
#include "raft/progress.h"
#include "raft/raft_log.h"
#include "raft/raw_node.h"
#include "raft/read_only.h"
#include "raft/types.h"

namespace baton::raft {

// Message::context of a kVote / kPreVote sent because of kTimeoutNow: voters
// grant it even while they still hear from a leader.
inline constexpr uint64_t kCampaignTransfer = 1;

class RaftImpl {
 public:
  static Result<std::unique_ptr<RaftImpl>> Bootstrap(const Config& config,
                                                     const std::vector<NodeId>& voters, Rng& rng,
                                                     Logger& logger);
  static Result<std::unique_ptr<RaftImpl>> Restore(const Config& config, const RestoredState& state,
                                                   Rng& rng, Logger& logger);

  void Tick();
  Status Step(const Message& m);
  Status Propose(std::string data);
  Status ProposeConfChange(const ConfChange& change);
  Status TransferLeadership(NodeId target);
  Status ReadIndex(uint64_t context);
  void Campaign() { Hup(/*transfer=*/false); }
  void ReportLeaderUnreachable(NodeId leader);

  bool HasReady() const;
  Ready TakeReady();
  void Advance(const Ready& ready);
  Status Compact(Index index, std::string data);

  NodeId id() const { return config_.id; }
  Role role() const { return role_; }
  Term term() const { return term_; }
  NodeId leader() const { return lead_; }
  Index leader_commit() const {
    return role_ == Role::kLeader ? log_.committed() : std::max(leader_commit_, log_.committed());
  }
  bool receiving_snapshot() const {
    return incoming_.has_value() || unstable_snapshot_.has_value();
  }
  const RaftLog& log() const { return log_; }
  const ConfState& conf_state() const { return conf_; }
  HardState hard_state() const { return HardState{term_, vote_, log_.committed()}; }
  std::vector<PeerProgress> progress() const;
  const std::map<std::string, uint64_t>& drop_counters() const { return drop_counters_; }

 private:
  RaftImpl(const Config& config, Rng& rng, Logger& logger, Index snapshot_index,
           Term snapshot_term);

  // raft.cc
  void Log(LogLevel level, const std::string& text) const;
  Status Drop(const char* cause, const Message& m);
  Status Validate(const Message& m) const;
  void Send(Message m);
  bool Promotable() const;
  bool IsVoter(NodeId id) const;
  void Reset(Term term);
  void BecomeFollower(Term term, NodeId lead);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void Hup(bool transfer);
  void TickElection();
  void TickHeartbeat();
  Status StepByTerm(const Message& m, bool* handled);
  void HandleVoteRequest(const Message& m);
  Status StepLeader(const Message& m);
  Status StepCandidate(const Message& m);
  Status StepFollower(const Message& m);
  void HandleVoteResponse(const Message& m);

  // raft_replication.cc
  void AppendEntry(EntryType type, std::string data);
  bool SendAppend(NodeId to, bool send_if_empty);
  void SendSnapshot(NodeId to, Progress& pr);
  void SendSnapshotChunk(NodeId to, Progress& pr, uint64_t offset);
  void HandleSnapshotResponse(const Message& m, Progress& pr);
  void BroadcastAppend();
  uint64_t BroadcastHeartbeat();
  bool MaybeCommit();
  // Advance: the leader's own log is durable up to log_.stable().
  void OnOwnEntriesPersisted();
  void OnCommitAdvanced();
  Status HandleAppendResponse(const Message& m, Progress& pr);
  void HandleHeartbeatResponse(const Message& m, Progress& pr);
  Status HandleAppend(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleSnapshot(const Message& m);
  // Adds a kSnapshot chunk to incoming_; returns the whole image once its
  // last chunk arrived, else answers the leader and returns nullptr.
  std::shared_ptr<const Snapshot> AssembleSnapshotChunk(const Message& m);
  Index HintNext(const Message& reject) const;

  // raft_membership.cc
  void RecordConfEntries(const std::vector<Entry>& entries);
  void ForgetConfEntriesFrom(Index index);
  ConfState ConfAt(Index index) const;
  void OnConfChanged();
  bool HasPendingConfChange() const;
  void SendTimeoutNow(NodeId to);
  void AbortTransfer();

  // raft_read.cc
  bool CommittedInCurrentTerm() const;
  bool LeaseValid() const;
  Status HandleReadRequest(uint64_t context, NodeId from);
  void ReleaseReads();
  void ServePendingReads();
  void AnswerRead(uint64_t context, NodeId from, Index index);

  const Config config_;
  Rng& rng_;
  Logger& logger_;

  // Persistent state (HardState + log + snapshot).
  Term term_ = 0;
  NodeId vote_ = kNoNode;
  RaftLog log_;
  std::shared_ptr<const Snapshot> snapshot_;   // the newest snapshot, to send to peers
  std::optional<Snapshot> unstable_snapshot_;  // received, not yet persisted
  // A snapshot arriving in chunks from leader `from` at `term`: the bytes so
  // far of an image of `size` bytes.
  struct IncomingSnapshot {
    NodeId from = kNoNode;
    Term term = 0;
    uint64_t size = 0;
    Snapshot snapshot;
  };
  std::optional<IncomingSnapshot> incoming_;

  // Membership: as of the snapshot, then after each conf-change entry in the
  // log (effective when appended).
  ConfState base_conf_;
  std::vector<std::pair<Index, ConfState>> conf_history_;
  ConfState conf_;

  // Volatile state.
  Role role_ = Role::kFollower;
  NodeId lead_ = kNoNode;
  // Follower: the highest commit index the current leader announced (its
  // appends' commit, its heartbeats' index); reset with the leader.
  Index leader_commit_ = 0;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  int64_t now_ticks_ = 0;
  std::map<NodeId, bool> votes_;
  std::map<NodeId, Progress> progress_;  // leader only; includes itself
  NodeId lead_transferee_ = kNoNode;
  ReadOnly read_only_;
  std::vector<std::pair<uint64_t, NodeId>> reads_awaiting_commit_;  // (context, from)

  // Output, drained by TakeReady.
  std::vector<Message> msgs_;
  std::vector<ReadState> read_states_;
  SoftState prev_soft_;
  HardState prev_hard_;
  bool ready_outstanding_ = false;
  std::map<std::string, uint64_t> drop_counters_;
};

}  // namespace baton::raft
