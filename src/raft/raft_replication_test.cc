// Log replication: ordering, flow control, fast backtracking, the commit
// rule (Figure 8 of the Raft paper) and snapshots.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
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

std::optional<Entry> AppliedAt(RaftTestCluster& c, NodeId id, Index index) {
  for (const Entry& e : c.applied(id)) {
    if (e.index == index) return e;
  }
  return std::nullopt;
}

TEST(RaftReplication, ProposalsApplyInTheSameOrderEverywhere) {
  RaftTestCluster c(3);
  c.Elect(1);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(c.node(1).Propose(Numbered("p", i)).ok());
  ASSERT_TRUE(c.Stabilize());
  c.TickAndStabilize(1);  // the heartbeat carries the final commit index
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(c.node(id).commit_index(), 24u) << id;
    EXPECT_EQ(c.applied(id), c.applied(1)) << id;
    EXPECT_EQ(c.applied(id).back().data, "p19");
  }
}

TEST(RaftReplication, FollowerRefusesProposalsAndNamesTheLeader) {
  RaftTestCluster c(3);
  c.Elect(1);
  Status s = c.node(2).Propose("x");
  EXPECT_TRUE(s.IsUnavailable());
  EXPECT_NE(s.message().find("leader is 1"), std::string::npos) << s.ToString();
}

TEST(RaftReplication, EntriesCommitOnlyWithAQuorum) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.Isolate(1);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "alone").ok());
  EXPECT_EQ(c.node(1).commit_index(), 4u);
  c.Heal();
  c.TickAndStabilize(1);
  EXPECT_EQ(c.node(1).commit_index(), 5u);
}

TEST(RaftReplication, FlowControlBoundsEntriesPerAppendAndAppendsInFlight) {
  RaftTestCluster c(3, [](Config& cfg) {
    cfg.max_entries_per_append = 2;
    cfg.max_inflight_appends = 3;
  });
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(c.node(1).Propose("e").ok());
  c.ProcessReadies();
  size_t appends_to_2 = 0;
  for (const Message& m : c.queued()) {
    if (m.type == MessageType::kAppend && m.to == 2) ++appends_to_2;
  }
  EXPECT_EQ(appends_to_2, 3u) << "a replicating peer gets at most max_inflight appends";
  size_t largest = 0;
  c.SetFilter([&](Message& m) {
    if (m.type == MessageType::kAppend) largest = std::max(largest, m.entries.size());
    return true;
  });
  c.Heal();
  ASSERT_TRUE(c.Stabilize());
  c.TickAndStabilize(2);
  EXPECT_EQ(largest, 2u);
  for (NodeId id : {1, 2, 3}) EXPECT_EQ(c.node(id).commit_index(), 34u) << id;
}

TEST(RaftReplication, LostAppendIsRepairedAfterHeartbeat) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.SetFilter([](Message& m) { return !(m.type == MessageType::kAppend && m.to == 3); });
  ASSERT_TRUE(c.ProposeAndStabilize(1, "lost on the way to 3").ok());
  EXPECT_EQ(c.node(3).last_index(), 4u);
  c.SetFilter(nullptr);
  c.TickAndStabilize(2);
  EXPECT_EQ(c.node(3).last_index(), 5u);
  EXPECT_EQ(c.node(3).commit_index(), 5u);
}

TEST(RaftReplication, FastBacktrackingSkipsAConflictingTermInFewRoundTrips) {
  RaftTestCluster c(3);
  c.Elect(3);  // term 2: no-op at 4 everywhere
  c.Isolate(3);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(c.node(3).Propose("doomed").ok());
  c.Stabilize();
  ASSERT_EQ(c.node(3).last_index(), 54u);
  c.TickAndStabilize(30);  // node 3 steps down; 1 or 2 takes over
  const NodeId first = c.Leader();
  ASSERT_TRUE(first == 1 || first == 2);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(c.node(first).Propose("kept").ok());
  c.Stabilize();
  // A fresh leader starts probing 3 from its own last index.
  const NodeId leader = first == 1 ? 2 : 1;
  ASSERT_TRUE(c.node(first).TransferLeadership(leader).ok());
  c.Stabilize();
  ASSERT_EQ(c.node(leader).role(), Role::kLeader);
  size_t rejects = 0;
  c.SetFilter([&](Message& m) {
    if (m.type == MessageType::kAppendResponse && m.from == 3 && m.reject) ++rejects;
    return true;
  });
  c.Heal();
  c.TickAndStabilize(3);
  EXPECT_GE(rejects, 1u) << "the logs did conflict";
  EXPECT_LE(rejects, 3u) << "the leader must skip the whole conflicting term";
  EXPECT_EQ(c.node(3).last_index(), c.node(leader).last_index());
  EXPECT_EQ(c.node(3).Entries(6, 7)->front().data, "kept");  // after the new no-op at 5
  EXPECT_EQ(c.applied(3).back(), c.applied(leader).back());
}

// Figure 8 of the Raft paper, with five nodes (bootstrap entries 1..5 and
// node 1's first no-op at 6 are committed everywhere):
//  (a) node 1 (term 2) replicates entry 7 to node 2 only;
//  (b) node 5 wins term 3 with 3 and 4 and appends its no-op at 7 locally;
//  (c) node 1 restarts, wins term 4 and copies its term-2 entry 7 to node 3: it is now
//      on a majority (1, 2, 3), while node 1's term-4 no-op at 8 is not;
//  (d) node 1 crashes; node 5 wins term 5 with 3 and 4 and overwrites 7.
// Returns node 1's commit index after (c).
Index RunFigure8(RaftTestCluster& c) {
  c.Elect(1);
  c.Partition({1, 2}, {3, 4, 5});
  EXPECT_TRUE(c.ProposeAndStabilize(1, "a").ok());  // (a): entry 7 on 1 and 2
  c.Heal();
  c.Isolate(1);
  c.SetFilter([](Message& m) { return !(m.from == 5 && m.type == MessageType::kAppend); });
  c.Elect(5);  // (b)
  EXPECT_EQ(c.node(5).role(), Role::kLeader);
  EXPECT_EQ(c.node(5).term(), 3u);
  c.Heal();
  c.Isolate(5);
  c.Restart(1);
  c.SetFilter([](Message& m) {
    if (m.from != 1) return true;
    if (m.commit > 6) return false;  // node 1 "crashes" before telling anyone
    if (m.type != MessageType::kAppend) return true;
    if (m.to == 4) return false;
    if (m.to == 3) std::erase_if(m.entries, [](const Entry& e) { return e.index >= 8; });
    return true;
  });
  c.Elect(1);  // loses term 3 (3 and 4 voted for 5)
  c.Elect(1);  // (c): wins term 4
  EXPECT_EQ(c.node(1).role(), Role::kLeader);
  EXPECT_EQ(c.node(1).term(), 4u);
  EXPECT_EQ(c.node(3).Entries(7, 8)->front().term, 2u);
  const Index commit_after_c = c.node(1).commit_index();
  // (d)
  c.SetFilter(nullptr);
  c.Heal();
  c.Isolate(1);
  c.Restart(5);
  c.Elect(5);  // loses term 4
  c.Elect(5);  // wins term 5
  EXPECT_EQ(c.node(5).role(), Role::kLeader);
  c.TickAndStabilize(2);
  return commit_after_c;
}

void Figure8Config(Config& cfg) {
  cfg.pre_vote = false;
  cfg.check_quorum = false;
}

TEST(RaftReplication, Figure8PreviousTermEntryOnMajorityIsNotCommittedByCounting) {
  RaftTestCluster c(5, Figure8Config);
  EXPECT_EQ(RunFigure8(c), 6u) << "entry 7 (term 2) must not commit by counting replicas";
  // Node 5 overwrote entry 7, which was never committed: no node applied two
  // different entries at one index.
  std::map<Index, Entry> applied;
  for (NodeId id : c.ids()) {
    for (const Entry& e : c.applied(id)) {
      auto [it, inserted] = applied.emplace(e.index, e);
      EXPECT_EQ(it->second, e) << "index " << e.index;
    }
  }
  EXPECT_EQ(AppliedAt(c, 2, 7)->term, 3u);
}

TEST(RaftReplication, Figure8UnsafeCountingCommitsAnEntryThatIsThenOverwritten) {
  RaftTestCluster c(5, [](Config& cfg) {
    Figure8Config(cfg);
    cfg.unsafe.commit_previous_term_by_count = true;
  });
  EXPECT_EQ(RunFigure8(c), 7u);
  std::optional<Entry> on_1 = AppliedAt(c, 1, 7);
  std::optional<Entry> on_2 = AppliedAt(c, 2, 7);
  ASSERT_TRUE(on_1.has_value() && on_2.has_value());
  EXPECT_EQ(on_1->data, "a");
  EXPECT_EQ(on_1->term, 2u);
  EXPECT_EQ(on_2->term, 3u) << "node 2 applied node 5's entry at the same index";
  EXPECT_NE(*on_1, *on_2) << "a committed entry was overwritten";
}

TEST(RaftReplication, CompactRequiresAppliedIndexAndKeepsTheTail) {
  RaftTestCluster c(3);
  c.Elect(1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.ProposeAndStabilize(1, "x").ok());
  EXPECT_EQ(c.node(1).Compact(c.node(1).applied_index() + 1, "s").code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(c.Compact(1, 7).ok());
  EXPECT_EQ(c.node(1).first_index(), 8u);
  EXPECT_TRUE(c.node(1).Entries(7, 8).error().IsNotFound());
  EXPECT_EQ(c.node(1).Entries(8, 10)->size(), 2u);
  EXPECT_EQ(c.node(1).Compact(7, "again").code(), StatusCode::kFailedPrecondition);
}

TEST(RaftReplication, LaggingFollowerReceivesSnapshotThenEntries) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(c.ProposeAndStabilize(1, Numbered("x", i)).ok());
  ASSERT_TRUE(c.Compact(1, 20).ok());
  ASSERT_TRUE(c.node(1).Propose("after snapshot").ok());
  c.Heal();
  c.TickAndStabilize(3);
  EXPECT_EQ(c.delivered()[MessageType::kSnapshot], 1u);
  EXPECT_EQ(c.restored_snapshot(3), 20u);
  EXPECT_EQ(c.disk(3).snapshot.data, "snapshot@20");
  EXPECT_EQ(c.node(3).first_index(), 21u);
  EXPECT_EQ(c.node(3).commit_index(), c.node(1).commit_index());
  EXPECT_EQ(c.node(3).applied_index(), c.node(1).applied_index());
  ASSERT_FALSE(c.applied(3).empty());
  EXPECT_EQ(c.applied(3).front().index, 21u) << "entries after the snapshot apply in order";
  EXPECT_EQ(c.applied(3).back().data, "after snapshot");
  EXPECT_EQ(c.node(3).conf_state(), c.node(1).conf_state());
}

TEST(RaftReplication, LostSnapshotIsResentAfterATimeout) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.ProposeAndStabilize(1, "x").ok());
  ASSERT_TRUE(c.Compact(1, 9).ok());
  c.Heal();
  int dropped = 0;
  c.SetFilter([&](Message& m) {
    if (m.type != MessageType::kSnapshot || dropped > 0) return true;
    ++dropped;
    return false;
  });
  c.TickAndStabilize(30);
  EXPECT_EQ(dropped, 1);
  EXPECT_EQ(c.restored_snapshot(3), 9u);
  EXPECT_EQ(c.node(3).commit_index(), c.node(1).commit_index());
}

TEST(RaftReplication, HeartbeatNeverCommitsBeyondWhatTheFollowerHolds) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.SetFilter([](Message& m) { return !(m.type == MessageType::kAppend && m.to == 3); });
  ASSERT_TRUE(c.ProposeAndStabilize(1, "x").ok());
  ASSERT_EQ(c.node(1).commit_index(), 5u);
  c.SetFilter([](Message& m) { return m.type != MessageType::kAppend; });
  c.TickAndStabilize(1);
  EXPECT_EQ(c.node(3).commit_index(), 4u) << "node 3 holds only up to 4";
  EXPECT_EQ(c.node(2).commit_index(), 5u);
}

TEST(RaftReplication, CandidateFollowsALeaderOfItsOwnTerm) {
  RaftTestCluster c(3, [](Config& cfg) {
    cfg.pre_vote = false;
    cfg.check_quorum = false;
  });
  c.Isolate(3);
  c.node(3).Campaign();  // a candidate for term 2, alone
  c.Elect(1);            // wins term 2 with node 2
  ASSERT_EQ(c.node(3).role(), Role::kCandidate);
  ASSERT_EQ(c.node(3).term(), c.node(1).term());
  c.Heal();
  c.TickAndStabilize(1);  // node 1's heartbeat
  EXPECT_EQ(c.node(3).role(), Role::kFollower);
  EXPECT_EQ(c.node(3).leader(), 1u);
  EXPECT_EQ(c.node(3).term(), 2u);
}

TEST(RaftReplication, StaleLeaderStepsDownWhenItHearsTheNewTerm) {
  RaftTestCluster c(3, [](Config& cfg) { cfg.check_quorum = false; });
  c.Elect(1);
  c.Isolate(1);
  c.Elect(2);
  ASSERT_EQ(c.node(2).role(), Role::kLeader);
  ASSERT_EQ(c.node(1).role(), Role::kLeader) << "cut off, it does not know yet";
  c.Heal();
  c.TickAndStabilize(2);
  EXPECT_EQ(c.node(1).role(), Role::kFollower);
  EXPECT_EQ(c.node(1).leader(), 2u);
}

}  // namespace
}  // namespace baton::raft
