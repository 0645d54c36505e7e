#include "raft/quorum.h"

#include <gtest/gtest.h>

namespace baton::raft {
namespace {

TEST(Quorum, IndexIsWhatAMajorityReached) {
  std::map<NodeId, Index> match{{1, 9}, {2, 5}, {3, 7}};
  auto reached = [&](NodeId id) { return match.count(id) ? match[id] : 0; };
  EXPECT_EQ(QuorumIndex({1, 2, 3}, reached), 7u);
  EXPECT_EQ(QuorumIndex({1, 2, 3, 4}, reached), 5u) << "4 voters need 3";
  EXPECT_EQ(QuorumIndex({1}, reached), 9u);
  EXPECT_EQ(QuorumIndex({}, reached), 0u);
}

TEST(Quorum, HasQuorumNeedsAStrictMajority) {
  auto alive = [](NodeId id) { return id <= 2; };
  EXPECT_TRUE(HasQuorum({1, 2, 3}, alive));
  EXPECT_FALSE(HasQuorum({1, 2, 3, 4}, alive));
  EXPECT_FALSE(HasQuorum({}, alive));
}

TEST(Quorum, TallyWinsLosesOrWaits) {
  EXPECT_EQ(TallyVotes({1, 2, 3}, {{1, true}}), VoteResult::kPending);
  EXPECT_EQ(TallyVotes({1, 2, 3}, {{1, true}, {2, true}}), VoteResult::kWon);
  EXPECT_EQ(TallyVotes({1, 2, 3}, {{1, true}, {2, false}, {3, false}}), VoteResult::kLost);
  EXPECT_EQ(TallyVotes({1, 2, 3, 4}, {{1, true}, {2, false}, {3, false}}), VoteResult::kLost);
  EXPECT_EQ(TallyVotes({1, 2, 3}, {{1, true}, {7, true}}), VoteResult::kPending)
      << "a non-voter's grant does not count";
  EXPECT_STREQ(VoteResultName(VoteResult::kWon), "won");
}

}  // namespace
}  // namespace baton::raft
