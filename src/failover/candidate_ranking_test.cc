#include "failover/candidate_ranking.h"

#include <gtest/gtest.h>

#include "failover/test_util.h"

namespace baton::failover {
namespace {

using testing::ThreeMembers;

MemberRecord Healthy(std::string name, Position position) {
  MemberRecord r;
  r.member = std::move(name);
  r.health = detect::Health::kHealthy;
  r.role = MemberRole::kReplica;
  r.position = position;
  return r;
}

GroupConfig FiveMembers(Replication replication) {
  GroupConfig c = ThreeMembers(replication);
  c.members.push_back({"d", "n4", "10.0.0.4:6379", 100, StandbyKind::kWarm});
  c.members.push_back({"e", "n5", "10.0.0.5:6379", 100, StandbyKind::kCold});
  return c;
}

TEST(CandidateRankingTest, HotBeforeWarmBeforeColdThenPositionPriorityName) {
  GroupConfig c = FiveMembers(Replication::kAsync);
  c.members[2].priority = 50;  // c
  MemberRecords records = {{"b", Healthy("b", 90)},
                           {"c", Healthy("c", 90)},
                           {"d", Healthy("d", 100)},
                           {"e", Healthy("e", 100)}};
  records["e"].health = detect::Health::kUnknown;
  records["e"].role = MemberRole::kStopped;  // a cold standby, reported by its agent
  const Ranking r = RankCandidates(c, records, {.old_primary = "a", .primary_position = 100});
  EXPECT_EQ(r.verdict, RankVerdict::kChosen);
  EXPECT_EQ(r.chosen, "b");
  EXPECT_EQ(r.loss_bound_bytes, 10u);
  EXPECT_EQ(r.order, (std::vector<std::string>{"b", "c", "d", "e"}));

  records["c"].position = 95;  // position beats priority
  EXPECT_EQ(RankCandidates(c, records, {.old_primary = "a"}).chosen, "c");
  c.members[2].priority = 100;
  records["c"].position = 90;  // tie: name
  EXPECT_EQ(RankCandidates(c, records, {.old_primary = "a"}).chosen, "b");
}

TEST(CandidateRankingTest, UnhealthyZeroPriorityExcludedAndOldPrimaryAreNotEligible) {
  GroupConfig c = ThreeMembers();
  c.members[2].priority = 0;
  MemberRecords records = {
      {"a", Healthy("a", 100)}, {"b", Healthy("b", 100)}, {"c", Healthy("c", 100)}};
  records["b"].health = detect::Health::kUnhealthy;
  const Ranking r = RankCandidates(c, records, {.old_primary = "a"});
  EXPECT_EQ(r.verdict, RankVerdict::kNoCandidate);
  EXPECT_FALSE(r.reason.empty());
  records["b"].health = detect::Health::kHealthy;
  EXPECT_EQ(RankCandidates(c, records, {.old_primary = "a", .exclude = {"b"}}).verdict,
            RankVerdict::kNoCandidate);
}

TEST(CandidateRankingTest, SyncModeRefusesACandidateMissingAcknowledgedWrites) {
  const GroupConfig c = ThreeMembers(Replication::kSync);
  MemberRecords records = {{"b", Healthy("b", 900)}, {"c", Healthy("c", 1000)}};
  records["c"].health = detect::Health::kUnhealthy;  // the only one holding every write
  const RankInput in{.old_primary = "a", .primary_position = 1000, .primary_acked = 1000};
  const Ranking r = RankCandidates(c, records, in);
  EXPECT_EQ(r.verdict, RankVerdict::kWouldLoseData);
  EXPECT_EQ(r.reason, "best candidate b would lose 100 acknowledged bytes");

  records["b"].position = 1000;  // caught up: loses nothing
  const Ranking ok = RankCandidates(c, records, in);
  EXPECT_EQ(ok.chosen, "b");
  EXPECT_EQ(ok.acked_loss_bytes, 0u);
}

// A former primary that took writes while cut off holds a longer log of an
// older history; the replica holding the later primary's writes ranks first.
TEST(CandidateRankingTest, LaterHistoryBeatsLongerLogOfAnOlderHistory) {
  const GroupConfig c = ThreeMembers(Replication::kAsync);
  MemberRecords records = {{"b", Healthy("b", 1000)}, {"c", Healthy("c", 900)}};
  records["b"].last_write_epoch = 1;  // wrote on alone at epoch 1, never rewound
  records["c"].last_write_epoch = 2;  // holds the epoch-2 primary's writes
  const Ranking r = RankCandidates(c, records, {.old_primary = "a", .primary_position = 950});
  EXPECT_EQ(r.chosen, "c");
  EXPECT_EQ(r.order, (std::vector<std::string>{"c", "b"}));
}

TEST(CandidateRankingTest, SyncModeChoosesOnlyFromTheRecordedSyncSet) {
  const GroupConfig c = ThreeMembers(Replication::kSemiSync);
  const MemberRecords records = {{"b", Healthy("b", 1000)}, {"c", Healthy("c", 900)}};
  // Positions say b holds everything acknowledged, but only c was counted for
  // acknowledgements: b's report may be older than the primary's last ack.
  RankInput in{.old_primary = "a", .primary_position = 1000, .primary_acked = 900};
  in.sync_set = std::set<std::string>{"c"};
  const Ranking r = RankCandidates(c, records, in);
  EXPECT_EQ(r.chosen, "c");
  in.sync_set = std::set<std::string>{};  // no standby counted: nobody may be promoted
  const Ranking none = RankCandidates(c, records, in);
  EXPECT_EQ(none.verdict, RankVerdict::kWouldLoseData);
  EXPECT_EQ(none.reason,
            "best candidate b is not a synchronous standby (set {}): it may miss acknowledged "
            "writes");
  in.force = true;
  EXPECT_EQ(RankCandidates(c, records, in).chosen, "b");
  // Async groups have no synchronous standbys: the set does not apply.
  in.force = false;
  EXPECT_EQ(RankCandidates(ThreeMembers(Replication::kAsync), records, in).chosen, "b");
}

TEST(CandidateRankingTest, ForcedChoiceReportsTheLoss) {
  const GroupConfig c = ThreeMembers(Replication::kSemiSync);
  const MemberRecords records = {{"b", Healthy("b", 700)}, {"c", Healthy("c", 800)}};
  const Ranking r = RankCandidates(
      c, records,
      {.old_primary = "a", .primary_position = 1200, .primary_acked = 1000, .force = true});
  EXPECT_EQ(r.verdict, RankVerdict::kChosen);
  EXPECT_EQ(r.chosen, "c");
  EXPECT_EQ(r.acked_loss_bytes, 200u);
  EXPECT_EQ(r.loss_bound_bytes, 400u);
}

TEST(CandidateRankingTest, AsyncModeBoundsTheLag) {
  GroupConfig c = ThreeMembers(Replication::kAsync);
  c.max_lag_bytes = 50;
  const MemberRecords records = {{"b", Healthy("b", 900)}, {"c", Healthy("c", 800)}};
  const RankInput in{.old_primary = "a", .primary_position = 1000};
  const Ranking r = RankCandidates(c, records, in);
  EXPECT_EQ(r.verdict, RankVerdict::kWouldLoseData);
  EXPECT_NE(r.reason.find("max_lag_bytes"), std::string::npos);
  c.max_lag_bytes = 100;
  EXPECT_EQ(RankCandidates(c, records, in).chosen, "b");
}

TEST(CandidateRankingTest, OnlyRestrictsToTheSwitchoverTarget) {
  const GroupConfig c = ThreeMembers();
  const MemberRecords records = {{"b", Healthy("b", 1000)}, {"c", Healthy("c", 900)}};
  EXPECT_EQ(RankCandidates(c, records, {.old_primary = "a", .only = "c"}).chosen, "c");
}

}  // namespace
}  // namespace baton::failover
