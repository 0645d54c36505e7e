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
  for (int64_t t = 10'000; t <= 60'000; t += 10'000) {
    agent_.Tick(At(t));
    sent += agent_.TakeReady().commands.size();
  }
  EXPECT_EQ(sent, ThreeMembers().timeouts.command_attempts);
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

}  // namespace
}  // namespace baton::failover
