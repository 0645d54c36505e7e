// Bootstrap, Restore after a restart, the Ready contract, and robustness of
// Step against arbitrary input.
#include <gtest/gtest.h>

#include <limits>

#include "core/logger.h"
#include "core/rng.h"
#include "raft/conf_change.h"
#include "testing/raft_test_cluster.h"

namespace baton::raft {
namespace {

Config ConfigFor(NodeId id) {
  Config cfg;
  cfg.id = id;
  return cfg;
}

TEST(RaftBootstrap, RejectsInvalidConfigAndVoterLists) {
  Rng rng(1);
  NullLogger logger;
  Config bad = ConfigFor(1);
  bad.election_ticks = 2;
  bad.heartbeat_ticks = 1;
  EXPECT_TRUE(RawNode::Bootstrap(bad, {1}, rng, logger).error().IsInvalidArgument());
  EXPECT_TRUE(RawNode::Bootstrap(ConfigFor(1), {2, 3}, rng, logger).error().IsInvalidArgument());
  EXPECT_TRUE(RawNode::Bootstrap(ConfigFor(1), {1, 1}, rng, logger).error().IsInvalidArgument());
}

TEST(RaftBootstrap, FirstReadyPersistsTheInitialMembership) {
  Rng rng(1);
  NullLogger logger;
  auto node = RawNode::Bootstrap(ConfigFor(2), {3, 1, 2}, rng, logger);
  ASSERT_TRUE(node.has_value());
  RawNode& n = **node;
  EXPECT_EQ(n.conf_state().voters, (std::vector<NodeId>{1, 2, 3}));
  ASSERT_TRUE(n.HasReady());
  Ready rd = n.TakeReady();
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(*rd.hard_state, (HardState{1, kNoNode, 3}));
  ASSERT_EQ(rd.entries.size(), 3u);
  EXPECT_EQ(rd.entries[0].type, EntryType::kConfChange);
  EXPECT_EQ(DecodeConfChange(rd.entries[0].data)->node, 1u);
  EXPECT_TRUE(rd.must_sync);
  EXPECT_TRUE(rd.committed_entries.empty()) << "nothing is applied before it is persisted";
  n.Advance(rd);
  Ready rd2 = n.TakeReady();
  EXPECT_EQ(rd2.committed_entries.size(), 3u);
  n.Advance(rd2);
  EXPECT_EQ(n.applied_index(), 3u);
  EXPECT_FALSE(n.HasReady());
}

TEST(RaftReady, VoteIsPersistedInTheSameReadyAsTheGrant) {
  RaftTestCluster c(3);
  c.ProcessReadies();
  c.node(1).Campaign();
  c.ProcessReadies();
  c.SetFilter([](Message& m) { return m.to == 2; });
  c.DeliverQueued();  // pre-vote to 2
  Ready rd = c.node(2).TakeReady();
  c.node(2).Advance(rd);
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(rd.messages[0].type, MessageType::kPreVoteResponse);
  EXPECT_FALSE(rd.hard_state.has_value()) << "a pre-vote changes nothing durable";
  c.node(1).Step(rd.messages[0]).ok();  // 1 now holds a majority of pre-votes
  c.ProcessReadies();
  c.DeliverQueued();  // the real vote to 2
  rd = c.node(2).TakeReady();
  c.node(2).Advance(rd);
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(rd.messages[0].type, MessageType::kVoteResponse);
  EXPECT_FALSE(rd.messages[0].reject);
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->vote, 1u);
  EXPECT_EQ(rd.hard_state->term, 2u);
  EXPECT_TRUE(rd.must_sync);
}

TEST(RaftReady, CommittedEntriesNeverRunAheadOfPersistedOnes) {
  RaftTestCluster c(1);
  c.Elect(1);
  ASSERT_TRUE(c.node(1).Propose("x").ok());
  const Index x = c.node(1).last_index();
  Ready rd = c.node(1).TakeReady();
  EXPECT_LT(c.node(1).commit_index(), x) << "a lone voter commits once its entry is durable";
  ASSERT_EQ(rd.entries.size(), 1u);
  for (const Entry& e : rd.committed_entries) EXPECT_LT(e.index, x);
  c.node(1).Advance(rd);
  EXPECT_EQ(c.node(1).commit_index(), x);
  rd = c.node(1).TakeReady();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  EXPECT_EQ(rd.committed_entries[0].data, "x");
  EXPECT_FALSE(rd.must_sync) << "only the commit index changed";
  c.node(1).Advance(rd);
}

TEST(RaftReady, LeaderCountsItselfOnlyOncePersisted) {
  RaftTestCluster c(3);
  c.Elect(1);
  ASSERT_TRUE(c.node(1).Propose("x").ok());
  const Index x = c.node(1).last_index();
  Ready rd = c.node(1).TakeReady();  // the leader's write is still in flight
  ASSERT_EQ(rd.entries.size(), 1u);
  bool sent_append = false;
  for (const Message& m : rd.messages) {
    EXPECT_TRUE(SendableBeforePersisting(m)) << MessageTypeName(m.type);
    if (m.type != MessageType::kAppend || m.to != 2) continue;
    sent_append = true;
    ASSERT_TRUE(c.node(2).Step(m).ok());
  }
  ASSERT_TRUE(sent_append) << "the append leaves before the leader's fsync";
  Ready follower = c.node(2).TakeReady();  // node 2 persists, then acknowledges
  c.node(2).Advance(follower);
  for (const Message& m : follower.messages) ASSERT_TRUE(c.node(1).Step(m).ok());
  EXPECT_LT(c.node(1).commit_index(), x) << "one follower alone is not a quorum of durable copies";
  c.node(1).Advance(rd);
  EXPECT_EQ(c.node(1).commit_index(), x) << "the leader's own durable copy completes the quorum";
}

TEST(RaftReady, MessagesNeverAddressTheSender) {
  RaftTestCluster c(3);
  c.SetFilter([](Message& m) {
    EXPECT_NE(m.from, m.to);
    return true;
  });
  c.TickAndStabilize(40);
  ASSERT_TRUE(c.ProposeAndStabilize(c.Leader(), "x").ok());
}

TEST(RaftRestore, RestartKeepsTermVoteAndLog) {
  RaftTestCluster c(3);
  c.Elect(1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.ProposeAndStabilize(1, "x").ok());
  const HardState before = c.node(2).hard_state();
  const Index last = c.node(2).last_index();
  c.Restart(2);
  EXPECT_EQ(c.node(2).hard_state(), before);
  EXPECT_EQ(c.node(2).term(), 2u);
  EXPECT_EQ(c.node(2).hard_state().vote, 1u);
  EXPECT_EQ(c.node(2).last_index(), last);
  EXPECT_EQ(c.node(2).conf_state().voters, (std::vector<NodeId>{1, 2, 3}));
  EXPECT_EQ(c.node(2).role(), Role::kFollower);
  c.TickAndStabilize(2);
  EXPECT_EQ(c.node(2).leader(), 1u);
  EXPECT_EQ(c.applied(2).back(), c.applied(1).back()) << "committed entries re-applied";
}

TEST(RaftRestore, RestartAfterSnapshotRebuildsMembershipFromSnapshotAndLog) {
  RaftTestCluster c(3);
  c.Elect(1);
  c.AddJoiningNode(4);
  ASSERT_TRUE(c.node(1).ProposeConfChange({ConfChangeType::kAddLearner, 4, ""}).ok());
  c.Stabilize();
  ASSERT_TRUE(c.ProposeAndStabilize(1, "x").ok());
  ASSERT_TRUE(c.Compact(1, 5).ok());  // the snapshot predates the learner (index 5 is it)
  ASSERT_TRUE(c.ProposeAndStabilize(1, "y").ok());
  const ConfState conf = c.node(1).conf_state();
  c.Restart(1);
  EXPECT_EQ(c.node(1).conf_state(), conf);
  EXPECT_EQ(c.node(1).first_index(), 6u);
  c.TickAndStabilize(30);
  EXPECT_NE(c.Leader(), kNoNode);
}

TEST(RaftRestore, RejectsInconsistentState) {
  Rng rng(1);
  NullLogger logger;
  RestoredState gap;
  gap.hard_state = {2, 1, 1};
  gap.entries = {Entry{1, 1, EntryType::kNormal, ""}, Entry{1, 3, EntryType::kNormal, ""}};
  EXPECT_TRUE(RawNode::Restore(ConfigFor(1), gap, rng, logger).error().IsInvalidArgument());
  RestoredState commit_beyond;
  commit_beyond.hard_state = {2, 1, 5};
  commit_beyond.entries = {Entry{1, 1, EntryType::kNormal, ""}};
  EXPECT_TRUE(
      RawNode::Restore(ConfigFor(1), commit_beyond, rng, logger).error().IsInvalidArgument());
  RestoredState term_behind;
  term_behind.hard_state = {1, 0, 0};
  term_behind.entries = {Entry{3, 1, EntryType::kNormal, ""}};
  EXPECT_TRUE(RawNode::Restore(ConfigFor(1), term_behind, rng, logger).error().IsInvalidArgument());
}

TEST(RaftStep, DropsMessagesForOthersAndCountsStaleTerms) {
  RaftTestCluster c(3);
  c.Elect(1);
  Message m;
  m.type = MessageType::kAppend;
  m.from = 2;
  m.to = 9;
  m.term = 2;
  EXPECT_TRUE(c.node(3).Step(m).ok());
  EXPECT_EQ(c.node(3).drop_counters().at("wrong_recipient"), 1u);
  m.to = 3;
  m.type = MessageType::kHeartbeatResponse;
  m.term = 1;
  EXPECT_TRUE(c.node(3).Step(m).ok());
  EXPECT_EQ(c.node(3).drop_counters().at("stale_term"), 1u);
  m.from = 77;
  m.to = 1;
  m.term = 2;
  EXPECT_TRUE(c.node(1).Step(m).ok());
  EXPECT_EQ(c.node(1).drop_counters().at("unknown_peer"), 1u);
}

TEST(RaftStep, MalformedMessagesAreInvalidArgument) {
  RaftTestCluster c(3);
  c.Elect(1);
  Message m;
  m.from = 1;
  m.to = 2;
  m.term = 2;
  m.type = static_cast<MessageType>(200);
  EXPECT_TRUE(c.node(2).Step(m).IsInvalidArgument());
  m.type = MessageType::kAppend;
  m.index = std::numeric_limits<Index>::max();
  m.entries = {Entry{2, 0, EntryType::kNormal, ""}};
  EXPECT_TRUE(c.node(2).Step(m).IsInvalidArgument()) << "index overflow";
  m.index = 4;
  m.log_term = 2;
  m.entries = {Entry{2, 9, EntryType::kNormal, ""}};
  EXPECT_TRUE(c.node(2).Step(m).IsInvalidArgument()) << "entries not after index";
  m.type = MessageType::kSnapshot;
  m.entries.clear();
  EXPECT_TRUE(c.node(2).Step(m).IsInvalidArgument()) << "snapshot message without snapshot";
  m.from = 2;
  EXPECT_TRUE(c.node(2).Step(m).IsInvalidArgument()) << "from itself";
  EXPECT_GE(c.node(2).drop_counters().at("malformed"), 4u);
}

TEST(RaftStep, ArbitraryMessagesNeverCrashAndTheClusterStillWorks) {
  RaftTestCluster c(3);
  c.Elect(1);
  Rng rng(42);
  auto pick = [&](std::initializer_list<uint64_t> values) {
    std::vector<uint64_t> v(values);
    return v[rng.UniformInt(0, static_cast<int64_t>(v.size()) - 1)];
  };
  const uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (int i = 0; i < 3000; ++i) {
    Message m;
    m.type = static_cast<MessageType>(rng.UniformInt(0, 12));
    m.from = pick({0, 1, 2, 3, 4, 99, kMax});
    m.to = pick({1, 2, 3, 5});
    m.term = pick({0, 1, 2, 3, kMax});
    m.log_term = pick({0, 1, 2, kMax});
    m.index = pick({0, 1, 3, 4, 100, kMax - 1, kMax});
    m.commit = pick({0, 2, 4, 1000, kMax});
    m.reject = rng.Chance(0.5);
    m.reject_hint = pick({0, 1, 4, kMax});
    m.reject_hint_term = pick({0, 1, 2, kMax});
    m.context = pick({0, 1, 2, kMax});
    const int n = static_cast<int>(rng.UniformInt(0, 3));
    for (int k = 0; k < n; ++k) {
      m.entries.push_back(Entry{pick({0, 1, 2, kMax}), m.index + 1 + k,
                                static_cast<EntryType>(rng.UniformInt(0, 2)),
                                rng.Chance(0.3) ? "\x07\x01" : "d"});
    }
    if (m.type == MessageType::kSnapshot && rng.Chance(0.5)) {
      Snapshot s;
      s.meta.index = pick({0, 1, 4, 50, kMax});
      s.meta.term = pick({0, 1, 2, kMax});
      s.meta.conf.voters = {1, 2, 3};
      m.snapshot = std::make_shared<const Snapshot>(s);
    }
    // Into a scratch cluster's nodes: any of these may legitimately derail
    // them (a huge term), but nothing may crash.
    (void)c.node(m.to <= 3 ? m.to : 2).Step(m);
    c.ProcessReadies();
    c.TakeQueued();
  }
  // A fresh cluster keeps working after the same kind of noise on node 3 only.
  RaftTestCluster d(3);
  d.Elect(1);
  for (int i = 0; i < 500; ++i) {
    Message m;
    m.type = static_cast<MessageType>(rng.UniformInt(0, 11));
    m.from = 99;
    m.to = 1;
    m.term = 2;
    m.index = pick({0, 4, kMax});
    m.context = pick({0, 5, kMax});
    (void)d.node(1).Step(m);
  }
  d.Stabilize();
  ASSERT_EQ(d.node(1).role(), Role::kLeader);
  ASSERT_TRUE(d.ProposeAndStabilize(1, "still fine").ok());
  EXPECT_EQ(d.node(1).commit_index(), d.node(1).last_index());
}

}  // namespace
}  // namespace baton::raft
