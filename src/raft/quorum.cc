#include "raft/quorum.h"

#include <algorithm>
#include <functional>

namespace baton::raft {

Index QuorumIndex(const std::vector<NodeId>& voters, const std::function<Index(NodeId)>& reached) {
  if (voters.empty()) return 0;
  std::vector<Index> indexes;
  indexes.reserve(voters.size());
  for (NodeId id : voters) indexes.push_back(reached(id));
  std::sort(indexes.begin(), indexes.end(), std::greater<Index>());
  return indexes[voters.size() / 2];
}

bool HasQuorum(const std::vector<NodeId>& voters, const std::function<bool(NodeId)>& alive) {
  if (voters.empty()) return false;
  size_t count = 0;
  for (NodeId id : voters) {
    if (alive(id)) ++count;
  }
  return count > voters.size() / 2;
}

const char* VoteResultName(VoteResult result) {
  switch (result) {
    case VoteResult::kPending:
      return "pending";
    case VoteResult::kWon:
      return "won";
    case VoteResult::kLost:
      return "lost";
  }
  return "unknown";
}

VoteResult TallyVotes(const std::vector<NodeId>& voters, const std::map<NodeId, bool>& votes) {
  if (voters.empty()) return VoteResult::kLost;
  size_t granted = 0;
  size_t rejected = 0;
  for (NodeId id : voters) {
    auto it = votes.find(id);
    if (it == votes.end()) continue;
    if (it->second) {
      ++granted;
    } else {
      ++rejected;
    }
  }
  const size_t majority = voters.size() / 2 + 1;
  if (granted >= majority) return VoteResult::kWon;
  if (voters.size() - rejected < majority) return VoteResult::kLost;
  return VoteResult::kPending;
}

}  // namespace baton::raft
