#include "failover/member_agent.h"

#include <gtest/gtest.h>

#include "failover/test_util.h"

namespace baton::failover {
namespace {

using testing::At;
using testing::ThreeMembers;

GroupRecord Record(Epoch epoch, std::string primary) {
  return GroupRecord{epoch, std::move(primary), GroupState::kFailover, "test", "", false};
}

class MemberAgentTest : public ::testing::Test {
 protected:
  explicit MemberAgentTest(GroupConfig config = ThreeMembers()) : agent_(config, "n2") {
    agent_.OnMemberStatus("b", detect::Health::kHealthy, 100, 0, At(0));
    agent_.TakeReady();
  }
  // Answers every lease op and command of the pending Ready with OK.
  AgentReady Settle(Instant now) {
    AgentReady all;
    while (agent_.HasReady()) {
      AgentReady r = agent_.TakeReady();
      for (const LeaseWork& w : r.lease_work) agent_.OnLeaseResult("b", w.op.id, Status(), now);
      for (const AdapterCommand& c : r.commands) agent_.OnCommandResult(c.id, Status(), now);
      all.commands.insert(all.commands.end(), r.commands.begin(), r.commands.end());
      all.lease_work.insert(all.lease_work.end(), r.lease_work.begin(), r.lease_work.end());
      all.reports.insert(all.reports.end(), r.reports.begin(), r.reports.end());
    }
    return all;
  }

  // The pending Ready fences b and releases its lease, nothing else; both
  // answered OK at `t_ms` and just after, b is fenced.
  void ExpectFenceThenRelease(int64_t t_ms) {
    AgentReady r = agent_.TakeReady();
    ASSERT_EQ(r.commands.size(), 1u);
    EXPECT_EQ(r.commands[0].kind, CommandKind::kFence);
    ASSERT_EQ(r.lease_work.size(), 1u);
    EXPECT_EQ(r.lease_work[0].op.kind, LeaseOpKind::kRelease);
    EXPECT_FALSE(agent_.MayWrite("b", At(t_ms)));
    agent_.OnCommandResult(r.commands[0].id, Status(), At(t_ms + 10));
    agent_.OnLeaseResult("b", r.lease_work[0].op.id, Status(), At(t_ms + 20));
    EXPECT_EQ(agent_.record("b").role, MemberRole::kFenced);
  }

  MemberAgent agent_;
};

TEST_F(MemberAgentTest, FollowsThePrimaryOncePerEpoch) {
  agent_.OnGroupRecord(Record(1, "a"), 5, At(100));
  AgentReady r = Settle(At(100));
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].kind, CommandKind::kFollow);
  EXPECT_EQ(r.commands[0].primary_address, "10.0.0.1:6379");
  EXPECT_EQ(agent_.record("b").following, "a");
  agent_.OnGroupRecord(Record(1, "a"), 5, At(200));  // the same record again
  EXPECT_TRUE(Settle(At(200)).commands.empty());
}

TEST_F(MemberAgentTest, AReplicaFoundWritableAgainFollowsAnew) {
  agent_.OnGroupRecord(Record(1, "a"), 5, At(100));
  ASSERT_EQ(Settle(At(100)).commands.size(), 1u);  // the first follow
  agent_.OnMemberRoleLost("b", At(300));           // e.g. restarted without its settings
  AgentReady r = Settle(At(300));
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].kind, CommandKind::kFollow);
  EXPECT_EQ(r.commands[0].epoch, 1u);
  EXPECT_EQ(agent_.record("b").role, MemberRole::kReplica);
  EXPECT_EQ(agent_.record("b").following, "a");
}

TEST_F(MemberAgentTest, PromotesOnlyAfterTheLeaseIsHeld) {
  agent_.OnGroupRecord(Record(2, "b"), 7, At(100));
  AgentReady first = agent_.TakeReady();
  EXPECT_TRUE(first.commands.empty()) << "no promote before the lease";
  ASSERT_EQ(first.lease_work.size(), 1u);
  EXPECT_EQ(first.lease_work[0].op.kind, LeaseOpKind::kAcquire);
  EXPECT_EQ(first.lease_work[0].group_revision, 7u);
  agent_.OnLeaseResult("b", first.lease_work[0].op.id, Status(), At(110));
  AgentReady second = agent_.TakeReady();
  ASSERT_EQ(second.commands.size(), 1u);
  EXPECT_EQ(second.commands[0].kind, CommandKind::kPromote);
  EXPECT_EQ(second.commands[0].epoch, 2u);
  agent_.OnCommandResult(second.commands[0].id, Status(), At(120));
  EXPECT_EQ(agent_.record("b").role, MemberRole::kPrimary);
  EXPECT_EQ(agent_.record("b").epoch_seen, 2u);
  EXPECT_TRUE(agent_.MayWrite("b", At(130)));
}

TEST_F(MemberAgentTest, ALeaseAcquiredPastItsFencePointIsReleasedWithoutAPromote) {
  agent_.OnGroupRecord(Record(2, "b"), 7, At(100));
  AgentReady first = agent_.TakeReady();
  ASSERT_EQ(first.lease_work.size(), 1u);
  for (int64_t t = 200; t <= 9100; t += 100) agent_.Tick(At(t));  // the answer is held up
  EXPECT_TRUE(agent_.TakeReady().commands.empty());
  // ttl 10s, margin 1s: the view would end at 10.1s, its fence point is 9.1s.
  agent_.OnLeaseResult("b", first.lease_work[0].op.id, Status(), At(9150));
  ExpectFenceThenRelease(9150);  // before: a promote on the ended lease view
  EXPECT_TRUE(Settle(At(9200)).commands.empty()) << "no promote until a newer record";
}

TEST_F(MemberAgentTest, AStepDownRequestFencesTheMemberThenReleasesTheLease) {
  agent_.OnGroupRecord(Record(2, "b"), 7, At(100));
  Settle(At(100));
  ASSERT_EQ(agent_.record("b").role, MemberRole::kPrimary);
  GroupRecord down = Record(2, "b");
  down.step_down = 1;  // another epoch's request: not for this lease
  agent_.OnGroupRecord(down, 8, At(200));
  EXPECT_TRUE(Settle(At(200)).commands.empty());
  down.step_down = 2;
  agent_.OnGroupRecord(down, 9, At(300));
  ExpectFenceThenRelease(300);
  // The same record again: no new lease, no promote.
  agent_.OnGroupRecord(down, 9, At(400));
  const AgentReady again = Settle(At(400));
  EXPECT_TRUE(again.commands.empty());
  EXPECT_TRUE(again.lease_work.empty());
}

TEST_F(MemberAgentTest, IgnoresGroupRecordsOlderThanTheHighestEpochSeen) {
  agent_.OnGroupRecord(Record(5, "a"), 9, At(100));
  Settle(At(100));
  agent_.OnGroupRecord(Record(4, "b"), 8, At(200));
  const AgentReady r = Settle(At(200));
  EXPECT_TRUE(r.commands.empty());
  EXPECT_TRUE(r.lease_work.empty());
  EXPECT_EQ(agent_.max_epoch_seen(), 5u);
}

TEST_F(MemberAgentTest, DemotesWhenTheGroupMovesOn) {
  agent_.OnGroupRecord(Record(2, "b"), 7, At(100));
  Settle(At(100));
  ASSERT_EQ(agent_.record("b").role, MemberRole::kPrimary);
  agent_.OnGroupRecord(Record(3, "c"), 9, At(200));
  const AgentReady r = Settle(At(200));
  ASSERT_GE(r.commands.size(), 2u);
  EXPECT_EQ(r.commands[0].kind, CommandKind::kFence);
  EXPECT_EQ(r.commands[1].kind, CommandKind::kFollow);
  EXPECT_EQ(agent_.record("b").following, "c");
  EXPECT_FALSE(agent_.MayWrite("b", At(200)));
}

TEST_F(MemberAgentTest, RetriesATimedOutCommandThenGivesUp) {
  agent_.OnGroupRecord(Record(1, "a"), 5, At(0));
  int sent = agent_.TakeReady().commands.size();
  for (int64_t t = 10'000; t <= 39'000; t += 1'000) {
    agent_.Tick(At(t));
    sent += agent_.TakeReady().commands.size();
  }
  EXPECT_EQ(sent, ThreeMembers().timeouts.command_attempts) << "gave up at 30s";
  // Found by baton-sim failover --overlapping-faults (seed 57352): a replica
  // down for 338ms (one failed check, never unhealthy) used up its follow
  // attempts and never followed the new primary. retry_after (10s) after
  // giving up, a new round starts.
  agent_.Tick(At(40'000));
  const AgentReady r = agent_.TakeReady();
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0].kind, CommandKind::kFollow);
}

class ColdStandbyTest : public MemberAgentTest {
 protected:
  static GroupConfig Cold() {
    GroupConfig c = ThreeMembers();
    c.members[1].standby = StandbyKind::kCold;
    return c;
  }
  ColdStandbyTest() : MemberAgentTest(Cold()) {}
};

TEST_F(ColdStandbyTest, StartsTheColdStandbyBeforePromotingIt) {
  EXPECT_EQ(agent_.record("b").role, MemberRole::kStopped);
  agent_.OnGroupRecord(Record(2, "b"), 7, At(100));
  const AgentReady r = Settle(At(100));
  ASSERT_EQ(r.commands.size(), 2u);
  EXPECT_EQ(r.commands[0].kind, CommandKind::kStartCold);
  EXPECT_EQ(r.commands[1].kind, CommandKind::kPromote);
}

// Sync modes: b is primary at epoch 2 here and keeps the synchronous-standby
// set so that every member in it holds every acknowledged write.
class SyncSetTest : public MemberAgentTest {
 protected:
  SyncSetTest() : MemberAgentTest(ThreeMembers(Replication::kSemiSync)) {
    agent_.OnSyncRecord(std::nullopt, 0, At(0));
    agent_.OnGroupRecord(Record(2, "b"), 7, At(100));
    Settle(At(100));
    EXPECT_EQ(agent_.record("b").role, MemberRole::kPrimary);
  }
  void Status(Position position, Position acked, Epoch last_write, Instant now) {
    agent_.OnMemberStatus("b", detect::Health::kHealthy, position, acked, now, last_write);
  }
  void Peer(const std::string& name, Position position, Epoch last_write, Instant now,
            detect::Health health = detect::Health::kHealthy) {
    MemberRecord r;
    r.member = name;
    r.health = health;
    r.role = MemberRole::kReplica;
    r.following = "b";
    r.position = position;
    r.last_write_epoch = last_write;
    agent_.OnPeerRecord(r, now);
  }
  std::vector<SyncWrite> Writes() { return agent_.TakeReady().sync_writes; }

  LeaseRecord held_{"b", "n2", 2};
};

TEST_F(SyncSetTest, AddsOnlyAReplicaHoldingTheAckedPositionOnTheSameHistory) {
  Status(120, 100, 2, At(200));
  std::vector<SyncWrite> w = Writes();
  ASSERT_EQ(w.size(), 1u) << "a set for the new epoch, empty while nobody qualifies";
  EXPECT_EQ(w[0].next, (SyncRecord{2, "b", {}, {}}));
  EXPECT_EQ(w[0].txn, SyncCas("cache", 0, held_, w[0].next));
  agent_.OnSyncRecord(w[0].next, 20, At(210));
  Peer("a", 150, 1, At(220));  // longer, but a forked history (epoch 1 writes)
  Peer("c", 90, 2, At(220));   // behind the acknowledged position
  EXPECT_TRUE(Writes().empty()) << "no status of b since the set was seen";
  Status(130, 100, 2, At(230));
  EXPECT_TRUE(Writes().empty()) << "neither a (forked) nor c (behind) holds every ack";
  Peer("c", 100, 2, At(240));
  w = Writes();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].next, (SyncRecord{2, "b", {"c"}, {}}));
  EXPECT_EQ(w[0].txn, SyncCas("cache", 20, held_, w[0].next));
}

TEST_F(SyncSetTest, DropsAStandbyThatStoppedReplicatingBeforeAddingAnother) {
  Peer("c", 130, 2, At(200));
  Peer("a", 130, 2, At(200));
  Writes();
  agent_.OnSyncRecord(SyncRecord{2, "b", {"c"}, {}}, 20, At(210));
  Status(130, 100, 2, At(220));
  EXPECT_TRUE(Writes().empty()) << "the set is full";
  Peer("c", 130, 2, At(300), detect::Health::kUnhealthy);
  std::vector<SyncWrite> w = Writes();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].next, (SyncRecord{2, "b", {}, {}})) << "drop c first, add nobody in the same step";
  agent_.OnSyncRecord(w[0].next, 21, At(310));
  Status(135, 130, 2, At(320));  // acks stopped at 130, which a holds
  w = Writes();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].next, (SyncRecord{2, "b", {"a"}, {}}));
}

// Found by baton-sim failover (seed 56379): b recorded an empty set for its
// epoch and was cut off; the holders of the epoch-1 acknowledgements must
// stay known until b's set is full.
TEST_F(MemberAgentTest, ANewEpochsSetCarriesThePriorHoldersUntilFull) {
  MemberAgent agent(ThreeMembers(Replication::kSemiSync), "n2");
  agent.OnMemberStatus("b", detect::Health::kHealthy, 100, 0, At(0), 1);
  agent.OnSyncRecord(SyncRecord{1, "a", {"b"}, {}}, 8, At(0));
  agent.OnGroupRecord(Record(2, "b"), 9, At(0));
  for (int i = 0; i < 3 && agent.HasReady(); ++i) {
    AgentReady r = agent.TakeReady();
    for (const LeaseWork& w : r.lease_work) agent.OnLeaseResult("b", w.op.id, Status(), At(1));
    for (const AdapterCommand& c : r.commands) agent.OnCommandResult(c.id, Status(), At(1));
  }
  agent.OnMemberStatus("b", detect::Health::kHealthy, 100, 100, At(2), 1);
  std::vector<SyncWrite> w = agent.TakeReady().sync_writes;
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].next, (SyncRecord{2, "b", {}, {"a", "b"}}));
}

}  // namespace
}  // namespace baton::failover
