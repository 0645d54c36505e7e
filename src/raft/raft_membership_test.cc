// Membership changes (single-server, thesis 4.1) and leadership transfer.
#include <gtest/gtest.h>

#include <algorithm>

#include "raft/conf_change.h"
#include "testing/raft_test_cluster.h"

namespace baton::raft {
namespace {

bool Contains(const std::vector<NodeId>& ids, NodeId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

PeerProgress ProgressOf(RawNode& leader, NodeId id) {
  for (const PeerProgress& p : leader.progress()) {
    if (p.id == id) return p;
  }
  return PeerProgress{};
}

// A 3-voter cluster led by 1 with node 4 joined as a caught-up learner.
void AddLearner4(RaftTestCluster& c) {
  c.Elect(1);
  c.AddJoiningNode(4);
  ASSERT_TRUE(c.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 4, "addr4"}).ok());
  c.Stabilize();
  c.TickAndStabilize(2);
}

TEST(RaftMembership, LearnerReceivesTheLogButNeverCampaigns) {
  RaftTestCluster c(3);
  AddLearner4(c);
  EXPECT_TRUE(Contains(c.node(1).conf_state().learners, 4));
  EXPECT_EQ(c.node(4).conf_state(), c.node(1).conf_state());
  EXPECT_EQ(c.node(4).commit_index(), c.node(1).commit_index());
  EXPECT_EQ(c.applied(4).back(), c.applied(1).back());
  EXPECT_TRUE(ProgressOf(c.node(1), 4).learner);
  const Term term = c.node(4).term();
  c.Isolate(4);
  for (int i = 0; i < 100; ++i) c.Tick(4);
  c.Stabilize();
  EXPECT_EQ(c.node(4).role(), Role::kFollower);
  EXPECT_EQ(c.node(4).term(), term);
}

TEST(RaftMembership, LearnerAcksDoNotCountTowardCommit) {
  RaftTestCluster c(3);
  AddLearner4(c);
  c.Cut(1, 2);
  c.Cut(1, 3);
  const Index commit = c.node(1).commit_index();
  ASSERT_TRUE(c.ProposeAndStabilize(1, "needs a voter").ok());
  EXPECT_EQ(c.node(4).last_index(), c.node(1).last_index()) << "the learner has the entry";
  EXPECT_EQ(c.node(1).commit_index(), commit) << "leader + learner is not a quorum of 3";
}

TEST(RaftMembership, CaughtUpLearnerIsPromotedToVoter) {
  RaftTestCluster c(3);
  AddLearner4(c);
  ASSERT_TRUE(c.node(1).ProposeConfChange({ConfChangeType::kAddVoter, 4, ""}).ok());
  c.Stabilize();
  for (NodeId id : {1, 2, 3, 4}) {
    EXPECT_EQ(c.node(id).conf_state().voters, (std::vector<NodeId>{1, 2, 3, 4})) << id;
    EXPECT_TRUE(c.node(id).conf_state().learners.empty());
  }
  // Now 4 counts: with 2 and 3 cut off, 1 + 4 are not a quorum of 4 voters,
  // but 1 + 2 + 4 are.
  c.Cut(1, 3);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "three of four").ok());
  EXPECT_EQ(c.node(1).commit_index(), c.node(1).last_index());
}

TEST(RaftMembership, PromotionRefusedWhileLearnerLags) {
  RaftTestCluster c(3);
  AddLearner4(c);
  c.Isolate(4);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(c.node(1).Propose("x").ok());
  c.Stabilize();
  Status s = c.node(1).ProposeConfChange({ConfChangeType::kAddVoter, 4, ""});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  c.Heal();
  c.TickAndStabilize(2);
  EXPECT_TRUE(c.node(1).ProposeConfChange({ConfChangeType::kAddVoter, 4, ""}).ok());
}

TEST(RaftMembership, NewNodeMustJoinAsLearnerFirst) {
  RaftTestCluster c(3);
  c.Elect(1);
  Status s = c.node(1).ProposeConfChange({ConfChangeType::kAddVoter, 9, ""});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_TRUE(
      c.node(1).ProposeConfChange({ConfChangeType::kRemoveNode, 9, ""}).IsInvalidArgument());
}

TEST(RaftMembership, AtMostOneUncommittedChange) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.Isolate(1);
  ASSERT_TRUE(c.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 4, ""}).ok());
  Status s = c.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 5, ""});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  c.Heal();
  c.TickAndStabilize(1);
  EXPECT_TRUE(c.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 5, ""}).ok());
}

TEST(RaftMembership, ChangeTakesEffectWhenAppendedAndRevertsWhenTruncated) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.Isolate(1);
  ASSERT_TRUE(c.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 4, ""}).ok());
  c.Stabilize();
  EXPECT_TRUE(Contains(c.node(1).conf_state().learners, 4)) << "effective once appended";
  c.TickAndStabilize(30);  // 1 steps down; 2 or 3 leads and commits a no-op
  const NodeId leader = c.Leader();
  ASSERT_TRUE(leader == 2 || leader == 3);
  c.Heal();
  c.TickAndStabilize(3);
  EXPECT_EQ(c.node(1).leader(), leader);
  EXPECT_TRUE(c.node(1).conf_state().learners.empty()) << "the truncated change was undone";
}

TEST(RaftMembership, RemovedFollowerCannotDisruptTheRest) {
  RaftTestCluster c(3);
  c.Elect(1);
  ASSERT_TRUE(c.node(1).ProposeConfChange({ConfChangeType::kRemoveNode, 3, ""}).ok());
  c.Stabilize();
  for (NodeId id : {1, 2}) {
    EXPECT_EQ(c.node(id).conf_state().voters, (std::vector<NodeId>{1, 2})) << id;
  }
  EXPECT_EQ(c.node(1).progress().size(), 2u) << "the leader stops replicating to 3";
  // Node 3 may never learn of its removal; its pre-votes must not disturb.
  c.TickAndStabilize(100);
  EXPECT_EQ(c.node(1).role(), Role::kLeader);
  EXPECT_EQ(c.node(1).term(), 2u);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "two voters").ok());
  EXPECT_EQ(c.node(1).commit_index(), c.node(1).last_index());
}

TEST(RaftMembership, LeaderRemovingItselfStepsDownOnceCommitted) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.Isolate(1);
  ASSERT_TRUE(c.node(1).ProposeConfChange({ConfChangeType::kRemoveNode, 1, ""}).ok());
  c.Stabilize();
  EXPECT_EQ(c.node(1).role(), Role::kLeader) << "not committed yet";
  c.Heal();
  c.TickAndStabilize(1);
  EXPECT_EQ(c.node(1).role(), Role::kFollower);
  c.TickAndStabilize(40);
  const NodeId leader = c.Leader();
  EXPECT_TRUE(leader == 2 || leader == 3);
  EXPECT_EQ(c.node(leader).conf_state().voters, (std::vector<NodeId>{2, 3}));
}

TEST(RaftMembership, TransferToUpToDateFollowerSucceeds) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.delivered().clear();
  ASSERT_TRUE(c.node(1).TransferLeadership(2).ok());
  c.Stabilize();
  EXPECT_EQ(c.node(2).role(), Role::kLeader);
  EXPECT_EQ(c.node(2).term(), 3u);
  EXPECT_EQ(c.node(1).leader(), 2u);
  EXPECT_EQ(c.node(3).leader(), 2u) << "node 3 voted although it heard from a live leader";
  EXPECT_EQ(c.delivered()[MessageType::kTimeoutNow], 1u);
  EXPECT_EQ(c.delivered()[MessageType::kPreVote], 0u) << "a transfer skips PreVote";
}

TEST(RaftMembership, TransferCatchesUpALaggingTargetFirst) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(c.node(1).Propose("x").ok());
  c.Stabilize();
  c.Heal();
  ASSERT_TRUE(c.node(1).TransferLeadership(3).ok());
  EXPECT_TRUE(c.node(1).Propose("during transfer").IsUnavailable());
  c.Stabilize();
  EXPECT_EQ(c.node(3).role(), Role::kLeader);
  EXPECT_EQ(c.node(3).last_index(), 15u) << "caught up (14) plus its own no-op";
}

TEST(RaftMembership, TransferIsAbandonedAfterAnElectionTimeout) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.Isolate(3);
  ASSERT_TRUE(c.node(1).TransferLeadership(3).ok());
  EXPECT_TRUE(c.node(1).Propose("refused").IsUnavailable());
  c.TickAndStabilize(10);
  EXPECT_EQ(c.node(1).role(), Role::kLeader);
  EXPECT_TRUE(c.node(1).Propose("accepted again").ok());
}

TEST(RaftMembership, TransferRejectsNonVotersAndNonLeaders) {
  RaftTestCluster c(3);
  c.Elect(1);
  EXPECT_TRUE(c.node(1).TransferLeadership(7).IsInvalidArgument());
  EXPECT_TRUE(c.node(2).TransferLeadership(3).IsUnavailable());
}

TEST(RaftMembership, LearnerJoiningAfterCompactionStartsFromASnapshot) {
  RaftTestCluster c(3);
  c.Elect(1);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(c.ProposeAndStabilize(1, "x").ok());
  ASSERT_TRUE(c.Compact(1, 12).ok());
  c.AddJoiningNode(4);
  ASSERT_TRUE(c.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 4, ""}).ok());
  c.Stabilize();
  c.TickAndStabilize(2);
  EXPECT_EQ(c.restored_snapshot(4), 12u);
  EXPECT_EQ(c.node(4).commit_index(), c.node(1).commit_index());
  EXPECT_EQ(c.node(4).conf_state(), c.node(1).conf_state())
      << "membership from the snapshot plus the AddLearner entry after it";
}

}  // namespace
}  // namespace baton::raft
