// Leader election: randomized timeouts, PreVote, CheckQuorum, stickiness and
// the election restriction.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "testing/raft_test_cluster.h"

namespace baton::raft {
namespace {

// "tag" followed by i (built with append: GCC 12 mis-warns on "lit" + to_string).
std::string Numbered(const char* tag, int i) {
  std::string s = tag;
  s.append(std::to_string(i));
  return s;
}

void ClassicRaft(Config& c) {
  c.pre_vote = false;
  c.check_quorum = false;
}

TEST(RaftElection, CampaignElectsLeaderAndCommitsNoop) {
  RaftTestCluster c(3);
  EXPECT_EQ(c.Elect(1), 1u);
  EXPECT_EQ(c.node(1).role(), Role::kLeader);
  EXPECT_EQ(c.node(1).term(), 2u);
  for (NodeId id : {2, 3}) {
    EXPECT_EQ(c.node(id).role(), Role::kFollower);
    EXPECT_EQ(c.node(id).leader(), 1u);
  }
  // Bootstrap wrote 3 conf entries; the leader's no-op is index 4, committed everywhere.
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(c.node(id).commit_index(), 4u) << id;
    EXPECT_EQ(c.node(id).applied_index(), 4u) << id;
  }
}

TEST(RaftElection, TimeoutIsDrawnFromElectionTicksToTwiceElectionTicks) {
  std::set<int> seen;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    RaftTestCluster c(3, nullptr, seed);
    int ticks = 0;
    while (c.node(1).role() == Role::kFollower && ticks < 100) {
      c.Tick(1);
      ++ticks;
    }
    EXPECT_GE(ticks, 10) << "seed " << seed;
    EXPECT_LT(ticks, 20) << "seed " << seed;
    seen.insert(ticks);
  }
  EXPECT_GE(seen.size(), 4u) << "timeouts are not randomized";
}

TEST(RaftElection, TicksAloneElectExactlyOneLeader) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RaftTestCluster c(5, nullptr, seed);
    c.TickAndStabilize(40);
    const NodeId leader = c.Leader();
    ASSERT_NE(leader, kNoNode) << "seed " << seed;
    for (NodeId id : c.ids()) {
      EXPECT_EQ(c.node(id).leader(), leader) << "seed " << seed << " node " << id;
      EXPECT_EQ(c.node(id).term(), c.node(leader).term());
    }
  }
}

TEST(RaftElection, SingleVoterElectsItselfAndCommitsAlone) {
  RaftTestCluster c(1);
  c.TickAndStabilize(20);
  ASSERT_EQ(c.node(1).role(), Role::kLeader);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "x").ok());
  EXPECT_EQ(c.node(1).commit_index(), c.node(1).last_index());
  EXPECT_EQ(c.applied(1).back().data, "x");
}

TEST(RaftElection, PreVoteKeepsPartitionedNodeFromInflatingTerms) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.Isolate(3);
  c.TickAndStabilize(100);  // node 3 times out again and again
  EXPECT_EQ(c.node(3).term(), 2u) << "a pre-vote must not raise the term";
  EXPECT_EQ(c.node(3).role(), Role::kPreCandidate);
  c.Heal();
  c.TickAndStabilize(5);
  EXPECT_EQ(c.node(1).role(), Role::kLeader) << "rejoining node deposed the leader";
  EXPECT_EQ(c.node(1).term(), 2u);
  EXPECT_EQ(c.node(3).leader(), 1u);
}

TEST(RaftElection, WithoutPreVoteARejoiningNodeDisruptsTheLeader) {
  // The contrast that shows what PreVote buys.
  RaftTestCluster c(3, [](Config& cfg) { cfg.pre_vote = false; });
  c.Elect(1);
  c.Isolate(3);
  c.TickAndStabilize(100);
  EXPECT_GT(c.node(3).term(), 5u);
  c.Heal();
  c.TickAndStabilize(5);
  EXPECT_GT(c.node(1).term(), 2u) << "the stale leader learned the inflated term";
}

TEST(RaftElection, CheckQuorumStepsDownAnIsolatedLeader) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.Isolate(1);
  for (int i = 0; i < 10 && c.node(1).role() == Role::kLeader; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_EQ(c.node(1).role(), Role::kFollower) << "still leader after an election timeout";
  EXPECT_EQ(c.node(1).leader(), kNoNode);
  c.TickAndStabilize(40);
  const NodeId leader = c.Leader();
  EXPECT_TRUE(leader == 2 || leader == 3);
}

TEST(RaftElection, WithoutCheckQuorumAnIsolatedLeaderStaysLeader) {
  RaftTestCluster c(3, [](Config& cfg) { cfg.check_quorum = false; });
  c.Elect(1);
  c.Isolate(1);
  c.TickAndStabilize(50);
  EXPECT_EQ(c.node(1).role(), Role::kLeader);
}

TEST(RaftElection, FollowersWithALiveLeaderIgnoreVoteRequests) {
  RaftTestCluster c(3, [](Config& cfg) { cfg.pre_vote = false; });
  c.Elect(1);
  c.node(3).Campaign();  // term 3, without a pre-vote
  c.Stabilize();
  EXPECT_EQ(c.node(2).term(), 2u) << "node 2 should not even adopt the higher term";
  EXPECT_EQ(c.node(2).hard_state().vote, 1u);
  EXPECT_EQ(c.node(2).drop_counters().at("vote_while_leader_alive"), 1u);
  EXPECT_EQ(c.node(1).role(), Role::kLeader);
}

TEST(RaftElection, PreCandidateRejoinsItsLeaderOnHeartbeat) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.node(3).Campaign();
  c.Stabilize();
  EXPECT_EQ(c.node(3).role(), Role::kPreCandidate);
  EXPECT_EQ(c.node(1).role(), Role::kLeader);
  c.TickAndStabilize(1);  // heartbeat
  EXPECT_EQ(c.node(3).role(), Role::kFollower);
  EXPECT_EQ(c.node(3).leader(), 1u);
  EXPECT_EQ(c.node(3).term(), 2u);
}

void SlowElections(Config& c) {
  c.election_ticks = 20;
  c.heartbeat_ticks = 2;
}

TEST(RaftElection, LeaderUnreachableHintWithALiveLeaderDoesNotDisruptIt) {
  RaftTestCluster c(3, SlowElections);
  ASSERT_EQ(c.Elect(1), 1u);
  const Term term = c.node(1).term();
  c.delivered().clear();
  c.node(2).ReportLeaderUnreachable(1);  // a connection broke; the leader is fine
  EXPECT_EQ(c.node(2).leader(), kNoNode);
  for (int i = 0; i < 4; ++i) c.Tick(2);  // no heartbeat reaches node 2 meanwhile
  ASSERT_TRUE(c.Stabilize());
  EXPECT_GT(c.delivered()[MessageType::kPreVote], 0u) << "the hint made node 2 poll";
  c.TickAndStabilize(40);
  EXPECT_EQ(c.Leader(), 1u);
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(c.node(id).term(), term) << id;
    EXPECT_EQ(c.node(id).leader(), 1u) << id;
  }
  EXPECT_EQ(c.delivered()[MessageType::kVote], 0u) << "no real election was started";
}

TEST(RaftElection, LeaderUnreachableHintWithADeadLeaderElectsWithinHeartbeats) {
  // The survivors draw their delays independently; if both draw the same
  // tick they split the vote and fall back to the election timeout.
  int fast = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    for (bool hint : {false, true}) {
      RaftTestCluster c(3, SlowElections, seed);
      ASSERT_EQ(c.Elect(1), 1u);
      const Term term = c.node(1).term();
      c.Isolate(1);  // as good as killed
      if (hint) {
        c.node(2).ReportLeaderUnreachable(1);
        c.node(3).ReportLeaderUnreachable(1);
      }
      c.TickAndStabilize(2 * 2 + 1);  // a little over 2 * heartbeat_ticks
      const NodeId leader = c.Leader();
      if (!hint) {
        EXPECT_EQ(leader, 1u) << "without the hint the survivors wait an election timeout";
        continue;
      }
      if (leader == 2 || leader == 3) {
        ++fast;
        EXPECT_EQ(c.node(leader).term(), term + 1) << "one election";
      }
      c.TickAndStabilize(2 * 20 * 2);  // a split vote still resolves
      EXPECT_TRUE(c.Leader() == 2 || c.Leader() == 3) << "seed " << seed;
    }
  }
  EXPECT_GE(fast, 14) << "most hinted failovers take a few heartbeats";
}

TEST(RaftElection, LeaderUnreachableHintIsIgnoredWithoutPreVoteOrForAnotherNode) {
  RaftTestCluster classic(3, [](Config& c) {
    SlowElections(c);
    ClassicRaft(c);
  });
  ASSERT_EQ(classic.Elect(1), 1u);
  classic.node(2).ReportLeaderUnreachable(1);
  EXPECT_EQ(classic.node(2).leader(), 1u) << "without PreVote the hint could depose a leader";

  RaftTestCluster c(3, SlowElections);
  ASSERT_EQ(c.Elect(1), 1u);
  c.node(2).ReportLeaderUnreachable(3);  // not its leader
  c.node(1).ReportLeaderUnreachable(1);  // the leader itself
  EXPECT_EQ(c.node(2).leader(), 1u);
  EXPECT_EQ(c.node(1).role(), Role::kLeader);
}

TEST(RaftElection, VoteDeniedToCandidateWithStaleLog) {
  RaftTestCluster c(3, ClassicRaft);
  c.Elect(1);
  c.Isolate(3);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "committed").ok());  // on 1 and 2 only
  c.Heal();
  c.Isolate(1);
  c.node(3).Campaign();
  c.Stabilize();
  EXPECT_NE(c.node(3).role(), Role::kLeader) << "node 2 must refuse a log missing an entry";
}

TEST(RaftElection, UnsafeVoteWithoutLogCheckElectsLeaderMissingCommittedEntry) {
  RaftTestCluster c(3, [](Config& cfg) {
    ClassicRaft(cfg);
    cfg.unsafe.vote_without_log_check = true;
  });
  c.Elect(1);
  c.Isolate(3);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "committed").ok());
  const Index committed = c.node(1).commit_index();
  c.Heal();
  c.Isolate(1);
  c.node(3).Campaign();
  c.Stabilize();
  ASSERT_EQ(c.node(3).role(), Role::kLeader);
  EXPECT_LT(c.node(3).last_index(), committed + 1) << "the new leader lacks a committed entry";
}

// One leader per term and identical applied entries at every index, over
// many seeded runs of partitions, heals and proposals. With `hints`, the
// nodes cut off from an isolated node are told it is unreachable, and random
// nodes get the same hint about a leader that is fine.
void CheckSafetyUnderRandomPartitions(bool hints) {
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    RaftTestCluster c(5, nullptr, seed);
    Rng rng(seed);
    std::map<Term, NodeId> leader_of_term;
    for (int step = 0; step < 300; ++step) {
      if (rng.Chance(0.05)) {
        c.Heal();
        const NodeId cut = static_cast<NodeId>(rng.UniformInt(1, 5));
        c.Isolate(cut);
        for (NodeId id : c.ids()) {
          if (hints && id != cut) c.node(id).ReportLeaderUnreachable(cut);
        }
      }
      if (rng.Chance(0.05)) c.Heal();
      if (hints && rng.Chance(0.05) && c.Leader() != kNoNode) {
        c.node(static_cast<NodeId>(rng.UniformInt(1, 5))).ReportLeaderUnreachable(c.Leader());
      }
      c.TickAll();
      const NodeId leader = c.Leader();
      if (leader != kNoNode) (void)c.node(leader).Propose(Numbered("v", step));
      c.Stabilize();
      for (NodeId id : c.ids()) {
        if (c.node(id).role() != Role::kLeader) continue;
        auto [it, inserted] = leader_of_term.emplace(c.node(id).term(), id);
        ASSERT_EQ(it->second, id) << "two leaders in term " << it->first << " seed " << seed;
      }
    }
    std::map<Index, Entry> applied;
    for (NodeId id : c.ids()) {
      for (const Entry& e : c.applied(id)) {
        auto [it, inserted] = applied.emplace(e.index, e);
        ASSERT_EQ(it->second, e) << "divergent entry at " << e.index << " seed " << seed;
      }
    }
    EXPECT_GT(applied.size(), 50u) << "no progress with seed " << seed;
  }
}

TEST(RaftElection, SafetyHoldsUnderRandomPartitions) { CheckSafetyUnderRandomPartitions(false); }

TEST(RaftElection, SafetyHoldsUnderRandomPartitionsWithLeaderUnreachableHints) {
  CheckSafetyUnderRandomPartitions(true);
}

TEST(RaftElection, SafetyHoldsWithRestartsAndCompaction) {
  size_t snapshots_sent = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    RaftTestCluster c(
        3, [](Config& cfg) { cfg.max_entries_per_append = 3; }, seed);
    Rng rng(seed * 7);
    for (int step = 0; step < 300; ++step) {
      if (rng.Chance(0.03)) c.Restart(static_cast<NodeId>(rng.UniformInt(1, 3)));
      if (rng.Chance(0.05)) {
        c.Heal();
        c.Isolate(static_cast<NodeId>(rng.UniformInt(1, 3)));
      }
      if (rng.Chance(0.08)) c.Heal();
      c.TickAll();
      const NodeId leader = c.Leader();
      if (leader != kNoNode) (void)c.node(leader).Propose(Numbered("v", step));
      c.Stabilize();
      if (rng.Chance(0.05)) {
        const NodeId id = static_cast<NodeId>(rng.UniformInt(1, 3));
        const Index applied = c.node(id).applied_index();
        if (applied > c.node(id).first_index() + 2) (void)c.Compact(id, applied - 2);
      }
    }
    c.Heal();
    c.TickAndStabilize(40);
    std::map<Index, Entry> applied;
    for (NodeId id : c.ids()) {
      for (const Entry& e : c.applied(id)) {
        auto [it, inserted] = applied.emplace(e.index, e);
        ASSERT_EQ(it->second, e) << "divergent entry at " << e.index << " seed " << seed;
      }
    }
    const NodeId leader = c.Leader();
    ASSERT_NE(leader, kNoNode) << "seed " << seed;
    for (NodeId id : c.ids()) {
      EXPECT_EQ(c.node(id).commit_index(), c.node(leader).commit_index()) << "seed " << seed;
    }
    snapshots_sent += c.delivered()[MessageType::kSnapshot];
  }
  EXPECT_GT(snapshots_sent, 0u) << "the runs never exercised snapshot installation";
}

}  // namespace
}  // namespace baton::raft
