// Linearizable reads: ReadIndex on the leader and via a follower, and lease
// reads that stop once the lease lapses.
#include <gtest/gtest.h>

#include "testing/raft_test_cluster.h"

namespace baton::raft {
namespace {

TEST(RaftRead, LeaderAnswersReadIndexOnlyAfterAQuorumConfirmsLeadership) {
  RaftTestCluster c(3);
  c.Elect(1);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "w").ok());
  ASSERT_TRUE(c.node(1).ReadIndex(7).ok());
  c.ProcessReadies();
  EXPECT_TRUE(c.read_states(1).empty()) << "answered before the heartbeat round";
  bool heartbeat_carries_round = false;
  for (const Message& m : c.queued()) {
    if (m.type == MessageType::kHeartbeat && m.context != 0) heartbeat_carries_round = true;
  }
  EXPECT_TRUE(heartbeat_carries_round);
  c.Stabilize();
  ASSERT_EQ(c.read_states(1).size(), 1u);
  EXPECT_EQ(c.read_states(1)[0].context, 7u);
  EXPECT_EQ(c.read_states(1)[0].index, 5u);
}

TEST(RaftRead, IsolatedLeaderNeverAnswersReadIndex) {
  RaftTestCluster c(3, [](Config& cfg) { cfg.check_quorum = false; });
  c.Elect(1);
  c.Isolate(1);
  ASSERT_TRUE(c.node(1).ReadIndex(8).ok());
  c.TickAndStabilize(30);
  EXPECT_EQ(c.node(1).role(), Role::kLeader);
  EXPECT_TRUE(c.read_states(1).empty()) << "a deposed leader could serve stale data";
}

TEST(RaftRead, FollowerForwardsReadIndexToTheLeader) {
  RaftTestCluster c(3);
  c.Elect(1);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "w").ok());
  ASSERT_TRUE(c.node(2).ReadIndex(9).ok());
  c.Stabilize();
  EXPECT_EQ(c.delivered()[MessageType::kReadIndex], 1u);
  EXPECT_EQ(c.delivered()[MessageType::kReadIndexResponse], 1u);
  ASSERT_EQ(c.read_states(2).size(), 1u);
  EXPECT_EQ(c.read_states(2)[0].context, 9u);
  EXPECT_EQ(c.read_states(2)[0].index, 5u);
  EXPECT_TRUE(c.read_states(1).empty());
}

TEST(RaftRead, ReadIndexWithoutAKnownLeaderIsUnavailable) {
  RaftTestCluster c(3);
  EXPECT_TRUE(c.node(2).ReadIndex(1).IsUnavailable());
}

TEST(RaftRead, NewLeaderWaitsForItsNoopBeforeAnswering) {
  RaftTestCluster c(3);
  c.node(1).Campaign();
  // Deliver pre-votes and votes, but no appends yet: leader, nothing committed in its term.
  for (int i = 0; i < 10 && c.node(1).role() != Role::kLeader; ++i) {
    c.ProcessReadies();
    c.DeliverQueued();
  }
  ASSERT_EQ(c.node(1).role(), Role::kLeader);
  ASSERT_EQ(c.node(1).commit_index(), 3u);
  ASSERT_TRUE(c.node(1).ReadIndex(5).ok());
  c.Stabilize();
  ASSERT_EQ(c.read_states(1).size(), 1u);
  EXPECT_EQ(c.read_states(1)[0].index, 4u) << "the read index includes the no-op";
}

TEST(RaftRead, SingleVoterAnswersAtOnce) {
  RaftTestCluster c(1);
  c.Elect(1);
  ASSERT_TRUE(c.node(1).ReadIndex(3).ok());
  c.ProcessReadies();
  ASSERT_EQ(c.read_states(1).size(), 1u);
  EXPECT_EQ(c.read_states(1)[0].index, c.node(1).commit_index());
}

void LeaseMode(Config& cfg) {
  cfg.read_mode = ReadMode::kLeaseBased;
  cfg.election_ticks = 10;
  cfg.lease_drift_ticks = 2;
}

TEST(RaftRead, LeaseReadIsAnsweredWithoutMessages) {
  RaftTestCluster c(3, LeaseMode);
  c.Elect(1);
  c.TickAndStabilize(1);  // one quorum-acknowledged heartbeat round starts the lease
  ASSERT_TRUE(c.node(1).ReadIndex(11).ok());
  Ready rd = c.node(1).TakeReady();
  c.node(1).Advance(rd);
  EXPECT_TRUE(rd.messages.empty());
  ASSERT_EQ(rd.read_states.size(), 1u);
  EXPECT_EQ(rd.read_states[0].context, 11u);
  EXPECT_EQ(rd.read_states[0].index, c.node(1).commit_index());
}

TEST(RaftRead, LeaseReadIsRefusedOnceTheLeaseLapses) {
  RaftTestCluster c(3, LeaseMode);
  c.Elect(1);
  c.TickAndStabilize(1);
  c.Isolate(1);
  // The lease holds for election_ticks - lease_drift_ticks = 8 ticks after
  // the last acknowledged round was sent.
  for (int i = 0; i < 7; ++i) c.TickAll();
  EXPECT_TRUE(c.node(1).ReadIndex(1).ok()) << "still within the lease";
  c.TickAll();
  EXPECT_EQ(c.node(1).role(), Role::kLeader);
  EXPECT_TRUE(c.node(1).ReadIndex(2).IsUnavailable()) << "the lease has lapsed";
}

TEST(RaftRead, LeaseModeRequiresCheckQuorum) {
  Config cfg;
  cfg.id = 1;
  cfg.read_mode = ReadMode::kLeaseBased;
  cfg.check_quorum = false;
  EXPECT_TRUE(cfg.Validate().IsInvalidArgument());
}

}  // namespace
}  // namespace baton::raft
