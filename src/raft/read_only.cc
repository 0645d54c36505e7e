#include "raft/read_only.h"

#include "core/check.h"
#include "raft/quorum.h"

namespace baton::raft {

uint64_t ReadOnly::NewRound(int64_t now_tick) {
  const uint64_t round = next_round_++;
  if (rounds_.size() >= kMaxRememberedRounds) rounds_.pop_front();
  rounds_.emplace_back(round, now_tick);
  return round;
}

void ReadOnly::AddRequest(const ReadRequest& request) {
  BATON_CHECK(request.round >= 1 && request.round <= last_round()) << "read for an unsent round";
  BATON_CHECK(requests_.empty() || requests_.back().round <= request.round)
      << "read rounds must not decrease";
  requests_.push_back(request);
}

void ReadOnly::Ack(NodeId peer, uint64_t round) {
  if (round == 0 || round > last_round()) return;
  uint64_t& acked = acked_[peer];
  if (round > acked) acked = round;
}

std::vector<ReadRequest> ReadOnly::Release(const std::vector<NodeId>& voters, NodeId self) {
  const uint64_t confirmed = QuorumIndex(voters, [&](NodeId id) -> Index {
    if (id == self) return last_round();
    auto it = acked_.find(id);
    return it == acked_.end() ? 0 : it->second;
  });
  while (!rounds_.empty() && rounds_.front().first <= confirmed) {
    if (rounds_.front().first == confirmed) lease_start_tick_ = rounds_.front().second;
    rounds_.pop_front();
  }
  std::vector<ReadRequest> released;
  while (!requests_.empty() && requests_.front().round <= confirmed) {
    released.push_back(requests_.front());
    requests_.pop_front();
  }
  return released;
}

}  // namespace baton::raft
