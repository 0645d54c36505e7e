// ReadOnly: the leader's bookkeeping for linearizable reads and its lease.
//
// Every heartbeat broadcast is a numbered round (carried in
// Message::context). A peer that answers round r confirms that this node was
// still its leader after every round <= r was sent. A read request registered
// with round r may be answered, at the commit index recorded when it was
// made, once a quorum of voters (the leader included) has confirmed r.
// The lease starts at the tick at which the latest quorum-confirmed round was
// sent. One instance per leadership term; reset on every role change.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "raft/types.h"

namespace baton::raft {

struct ReadRequest {
  uint64_t round = 0;  // the heartbeat round that must be confirmed
  Index index = 0;     // the commit index when the request was made
  uint64_t context = 0;
  NodeId from = kNoNode;  // who asked (the leader itself for local reads)
};

class ReadOnly {
 public:
  // Bounds the rounds remembered for lease computation.
  static constexpr size_t kMaxRememberedRounds = 1024;

  // Starts a heartbeat round sent at `now_tick`; returns its number (>= 1).
  uint64_t NewRound(int64_t now_tick);
  uint64_t last_round() const { return next_round_ - 1; }

  void AddRequest(const ReadRequest& request);
  size_t pending_requests() const { return requests_.size(); }

  // `peer` answered round `round`. Unknown or future rounds are ignored.
  void Ack(NodeId peer, uint64_t round);

  // Releases, in order, the requests whose round a quorum of `voters` has
  // confirmed (`self` confirms every round it sent when it is a voter), and
  // moves the lease start forward.
  std::vector<ReadRequest> Release(const std::vector<NodeId>& voters, NodeId self);

  // The tick at which the newest quorum-confirmed round was sent.
  std::optional<int64_t> lease_start_tick() const { return lease_start_tick_; }

 private:
  uint64_t next_round_ = 1;
  std::map<NodeId, uint64_t> acked_;
  std::deque<std::pair<uint64_t, int64_t>> rounds_;  // (round, sent tick), unconfirmed
  std::deque<ReadRequest> requests_;
  std::optional<int64_t> lease_start_tick_;
};

}  // namespace baton::raft
