// RawNode: one Raft participant as a pure state machine.
//
// It never opens a socket, writes a file, starts a thread or reads a clock.
// The application drives it:
//
//   node.Tick();                    // at a fixed interval
//   node.Step(message);             // for each message from a peer
//   node.Propose(data);             // on the leader
//   while (node.HasReady()) {
//     Ready rd = node.TakeReady();
//     persist(rd.snapshot, rd.entries, rd.hard_state);   // fsync if rd.must_sync
//     send(rd.messages);                                 // only after persisting
//     apply(rd.snapshot, rd.committed_entries);          // state machine
//     serve_reads(rd.read_states);                       // once applied >= index
//     node.Advance(rd);
//   }
//
// Ready rule: everything in rd.hard_state, rd.entries and rd.snapshot must be
// durable before any of rd.messages is sent (a vote or an append ack promises
// that), except the messages for which SendableBeforePersisting() is true:
// a leader's appends, heartbeats and snapshots promise nothing about its own
// disk, so the leader may write its log in parallel with replicating it (Raft
// thesis 10.2.1). The leader counts itself toward a commit quorum only for
// entries whose Ready was Advance()d, i.e. durable. Each Ready must be
// Advance()d before the next TakeReady(); Step, Tick and Propose may be
// called while a Ready is being persisted.
//
// The core keeps its log in memory, bounded by snapshots (Compact). After a
// restart the application rebuilds the node from what it persisted with the
// RestoredState constructor.
//
// Not thread-safe: one thread owns a RawNode.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/logger.h"
#include "core/result.h"
#include "core/rng.h"
#include "core/status.h"
#include "raft/config.h"
#include "raft/types.h"

namespace baton::raft {

enum class Role { kFollower, kPreCandidate, kCandidate, kLeader };
const char* RoleName(Role role);

// A linearizable read that may now be served: once the state machine has
// applied `index`, a read registered with `context` sees every write that
// completed before it was requested.
struct ReadState {
  uint64_t context = 0;
  Index index = 0;
};

// Volatile state that changed since the last Ready.
struct SoftState {
  NodeId leader = kNoNode;
  Role role = Role::kFollower;
  friend bool operator==(const SoftState&, const SoftState&) = default;
};

struct Ready {
  std::optional<SoftState> soft_state;  // set when leader or role changed
  std::optional<HardState> hard_state;  // set when it changed: persist it
  // New log entries to persist. If entries.front().index <= the last
  // persisted index, the persisted suffix from that index on is replaced.
  std::vector<Entry> entries;
  // A snapshot received from the leader: persist it and restore the state
  // machine from it before applying committed_entries.
  std::optional<Snapshot> snapshot;
  std::vector<Entry> committed_entries;  // apply in order
  std::vector<Message> messages;         // send after persisting
  std::vector<ReadState> read_states;
  // True when hard_state or entries changed in a way that must be fsynced
  // before the messages go out (a vote, a term, appended entries).
  bool must_sync = false;
};

// True for the messages a Ready may send before its contents are durable
// (see the Ready rule above): kAppend, kHeartbeat and kSnapshot.
bool SendableBeforePersisting(const Message& message);

// What a node persisted, handed back after a restart.
struct RestoredState {
  HardState hard_state;
  Snapshot snapshot;           // empty() if none
  std::vector<Entry> entries;  // the log after snapshot.meta.index, contiguous
};

// Per-peer replication progress as the leader sees it (for status/metrics).
struct PeerProgress {
  NodeId id = kNoNode;
  bool learner = false;
  Index match = 0;
  Index next = 0;
  // Ticks since the leader last heard from this peer.
  int ticks_since_contact = 0;
};

// Propose's error for data larger than Config::max_entry_bytes (no append
// could carry it): InvalidArgument, recognised by IsEntryTooLarge.
Status EntryTooLargeError(size_t bytes, size_t limit);
bool IsEntryTooLarge(const Status& status);

class RaftImpl;

class RawNode {
 public:
  // A brand-new node whose initial membership is `voters` (must contain
  // config.id for a founding member; a joining node passes an empty list and
  // waits to be added by the leader).
  static Result<std::unique_ptr<RawNode>> Bootstrap(const Config& config,
                                                    const std::vector<NodeId>& voters, Rng& rng,
                                                    Logger& logger);
  // A node restarted from durable state.
  static Result<std::unique_ptr<RawNode>> Restore(const Config& config, const RestoredState& state,
                                                  Rng& rng, Logger& logger);
  ~RawNode();
  RawNode(const RawNode&) = delete;
  RawNode& operator=(const RawNode&) = delete;

  // Advances logical time by one tick.
  void Tick();

  // Feeds a message from a peer. Messages for another node, from unknown
  // senders or of stale terms are dropped and counted (not errors).
  // Returns InvalidArgument only for a message that is malformed.
  Status Step(const Message& message);

  // Appends `data` as a new entry. Unavailable (with the known leader in the
  // message) unless this node is the leader and is not transferring;
  // EntryTooLargeError above Config::max_entry_bytes.
  Status Propose(std::string data);

  // Proposes a membership change (single-server, Raft thesis 4.1). It takes
  // effect when appended; at most one may be uncommitted at a time.
  // kAddVoter is accepted only for a learner that is caught up (see
  // Config::learner_catch_up_entries); new nodes join with kAddLearner first.
  Status ProposeConfChange(const struct ConfChange& change);

  // Hands leadership to `target` (a voter): the leader stops accepting
  // proposals, brings the target up to date and sends it kTimeoutNow. The
  // transfer is abandoned after an election timeout.
  Status TransferLeadership(NodeId target);

  // Requests a linearizable read. The answer arrives as a ReadState with the
  // same context in a later Ready (at once in kLeaseBased mode while the
  // lease holds). A follower forwards it to the leader. Unavailable when no
  // leader is known, or (kLeaseBased) when this leader's lease has lapsed.
  // A request is silently lost if leadership changes before it is answered
  // or its messages are dropped: the application retries after a timeout.
  Status ReadIndex(uint64_t context);

  // Starts an election now (tests and operator tools).
  void Campaign();

  // A hint from the transport that the connection from `leader` was closed
  // (e.g. its process died). A follower of `leader` forgets it, so that it
  // may grant the other survivors' PreVotes at once, and starts a PreVote
  // within 1..2*heartbeat_ticks ticks (randomized, so that survivors do not
  // split) instead of after a full election timeout. Harmless if the leader
  // is alive: its next heartbeat makes it the leader again, and a PreVote
  // raises no term and is refused by every voter that still hears it
  // (CheckQuorum). Ignored unless pre_vote and check_quorum are both on, and
  // by any node that is not a follower of `leader`.
  void ReportLeaderUnreachable(NodeId leader);

  bool HasReady() const;
  Ready TakeReady();
  void Advance(const Ready& ready);

  // Tells the core the application has built a snapshot of its state machine
  // at `index` (<= applied): the log up to there is discarded and `data` is
  // what a lagging follower will be sent.
  Status Compact(Index index, std::string data);

  // Introspection; cheap, for status pages and tests.
  NodeId id() const;
  Role role() const;
  Term term() const;
  NodeId leader() const;
  Index commit_index() const;
  // The leader's commit index as far as this node knows (its own on the
  // leader; 0 with no leader heard in this term): how far behind it is.
  Index leader_commit_index() const;
  // A snapshot from the leader is arriving or not yet persisted.
  bool receiving_snapshot() const;
  Index applied_index() const;
  Index last_index() const;
  Index first_index() const;  // first entry still held in memory
  const ConfState& conf_state() const;
  HardState hard_state() const;
  std::vector<PeerProgress> progress() const;  // empty unless leader
  // The entries in [lo, hi) still held in memory.
  Result<std::vector<Entry>> Entries(Index lo, Index hi) const;
  // Counters of dropped messages, by cause (stale term, unknown peer, ...).
  const std::map<std::string, uint64_t>& drop_counters() const;

 private:
  explicit RawNode(std::unique_ptr<RaftImpl> impl);
  std::unique_ptr<RaftImpl> impl_;
};

}  // namespace baton::raft
