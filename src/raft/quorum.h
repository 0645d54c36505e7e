// Majority arithmetic over a voter set: the index a quorum has reached and
// the outcome of a vote tally. Pure functions; a voter missing from the
// inputs counts as having reached 0 / not having answered.
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "raft/types.h"

namespace baton::raft {

// The largest index that a majority of `voters` has reached, where
// `reached(id)` says how far voter `id` is. 0 for an empty voter set.
Index QuorumIndex(const std::vector<NodeId>& voters, const std::function<Index(NodeId)>& reached);

// True when the voters for which `alive(id)` holds form a majority.
bool HasQuorum(const std::vector<NodeId>& voters, const std::function<bool(NodeId)>& alive);

enum class VoteResult { kPending, kWon, kLost };
const char* VoteResultName(VoteResult result);

// Tallies `votes` (voter -> granted). Answers from non-voters are ignored.
// kWon once a majority granted, kLost once a majority can no longer grant.
VoteResult TallyVotes(const std::vector<NodeId>& voters, const std::map<NodeId, bool>& votes);

}  // namespace baton::raft
