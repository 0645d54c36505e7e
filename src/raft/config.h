// Raft core configuration. Time is counted in ticks: the driver calls
// RawNode::Tick() at a fixed interval (the agent: every tick_interval from its
// config; the simulator: in virtual time), so the core never reads a clock.
#pragma once

#include <cstddef>

#include "core/status.h"
#include "raft/codec.h"
#include "raft/types.h"

namespace baton::raft {

enum class ReadMode {
  // ReadIndex: the leader confirms it is still leader with a heartbeat round
  // before answering. Safe whatever the clocks do.
  kReadIndex,
  // Lease read: the leader answers at once while it holds a lease derived from
  // the last heartbeat round a quorum acknowledged. The lease is the election
  // timeout minus `lease_drift_ticks`, so it stays safe while clocks drift by
  // at most that much over one election timeout. Requires check_quorum.
  kLeaseBased,
};

// Room kept, below kMaxEncodedBytes, for a message's envelope around its
// entries or snapshot chunk (ids, terms, membership lists).
inline constexpr size_t kEnvelopeHeadroomBytes = size_t{1} << 20;

struct Config {
  NodeId id = kNoNode;  // this node; must be non-zero

  // A follower that hears nothing from a leader for a randomized timeout in
  // [election_ticks, 2 * election_ticks) starts an election (PreVote first).
  // Larger = fewer needless elections, slower failover.
  int election_ticks = 10;
  // The leader sends heartbeats every heartbeat_ticks. Must be well below
  // election_ticks (Validate requires election_ticks >= 3 * heartbeat_ticks).
  int heartbeat_ticks = 1;

  // PreVote (Raft thesis 9.6): a node campaigns only if a quorum would vote
  // for it, so a partitioned node rejoining does not inflate terms.
  bool pre_vote = true;
  // CheckQuorum: a leader that has not heard from a quorum within an election
  // timeout steps down. Also makes followers ignore vote requests while they
  // have a live leader (leader stickiness).
  bool check_quorum = true;

  ReadMode read_mode = ReadMode::kReadIndex;
  // Clock-drift bound for lease reads, in ticks. Must be < election_ticks.
  int lease_drift_ticks = 2;

  // Flow control: entries per kAppend and kAppend messages in flight per peer.
  size_t max_entries_per_append = 256;
  size_t max_inflight_appends = 64;
  // Bytes of entry data per kAppend: a batch stops before the entry that
  // would cross it, but always carries at least one entry. Must stay well
  // under the transport's frame limit (kMaxEncodedBytes).
  size_t max_append_bytes = size_t{1} << 20;
  // The largest entry Propose accepts (data bytes): an append carrying it
  // alone, with its envelope, must still fit kMaxEncodedBytes.
  size_t max_entry_bytes = kMaxEncodedBytes - kEnvelopeHeadroomBytes;
  // A snapshot image travels to a follower in kSnapshot chunks of at most
  // this many bytes, one chunk in flight at a time.
  size_t max_snapshot_chunk_bytes = size_t{4} << 20;

  // A learner is caught up (and may be promoted) when its match index is
  // within this many entries of the leader's last index.
  Index learner_catch_up_entries = 16;

  // Deliberately broken rules, only for proving that the simulator's checkers
  // catch violations. Never set outside tests.
  struct Unsafe {
    // Commit an entry of an earlier term by counting replicas (Raft paper,
    // Figure 8): breaks Leader Completeness / State Machine Safety.
    bool commit_previous_term_by_count = false;
    // Grant votes without the "candidate's log is at least as up to date"
    // check: breaks Leader Completeness.
    bool vote_without_log_check = false;
  } unsafe;

  Status Validate() const;
};

}  // namespace baton::raft
