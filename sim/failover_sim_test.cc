// The failover simulation's own checks: the service model catches what it
// claims to catch, and a seed replays byte for byte.
#include "sim/failover_sim.h"

#include <gtest/gtest.h>

#include "sim/failover_params.h"
#include "sim/failover_service.h"

namespace baton::sim {
namespace {

using failover::AdapterCommand;
using failover::CommandKind;

failover::GroupConfig Group(failover::Replication replication) {
  Rng rng(1);
  FailoverSimParams p = DrawFailoverParams(rng, 3, false);
  p.replication = replication;
  return FailoverSimGroup(p);
}

AdapterCommand Command(const std::string& member, CommandKind kind, failover::Epoch epoch,
                       const std::string& primary = "") {
  AdapterCommand c;
  c.member = member;
  c.kind = kind;
  c.epoch = epoch;
  c.primary = primary;
  return c;
}

Instant At(int64_t ms) { return Instant::FromNanos(0) + Duration::Millis(ms); }

TEST(SimServiceTest, TwoWritersAtOnceAreAViolation) {
  SimService s(Group(failover::Replication::kAsync));
  ASSERT_TRUE(s.Execute(Command("m1", CommandKind::kPromote, 1), At(0)).ok());
  EXPECT_FALSE(s.violation());
  ASSERT_TRUE(s.Execute(Command("m2", CommandKind::kPromote, 2), At(10)).ok());
  ASSERT_TRUE(s.violation());
  EXPECT_NE(s.violation()->find("two members take writes"), std::string::npos);
}

TEST(SimServiceTest, FencedPrimaryThenNewEpochIsFine) {
  SimService s(Group(failover::Replication::kAsync));
  ASSERT_TRUE(s.Execute(Command("m1", CommandKind::kPromote, 1), At(0)).ok());
  s.ClientWrite(At(1));
  s.Fence("m1");
  ASSERT_TRUE(s.Execute(Command("m2", CommandKind::kPromote, 2), At(10)).ok());
  s.ClientWrite(At(11));
  EXPECT_FALSE(s.violation()) << *s.violation();
  EXPECT_EQ(s.Writers(), std::vector<std::string>{"m2"});
}

TEST(SimServiceTest, PromotingAMemberWithoutAnAcknowledgedWriteIsAViolation) {
  SimService s(Group(failover::Replication::kSemiSync));
  ASSERT_TRUE(s.Execute(Command("m1", CommandKind::kPromote, 1), At(0)).ok());
  ASSERT_TRUE(s.Execute(Command("m2", CommandKind::kFollow, 1, "m1"), At(0)).ok());
  ASSERT_TRUE(s.Execute(Command("m3", CommandKind::kFollow, 1, "m1"), At(0)).ok());
  s.ClientWrite(At(1));
  s.Pull("m3", At(2));
  EXPECT_EQ(s.acknowledged(), 0u) << "no synchronous standby recorded: nothing acknowledged";
  s.SetSyncStandbys({1, "m1", {"m2"}, {}});
  EXPECT_EQ(s.acknowledged(), 0u) << "m3 holds it, but only m2 counts";
  s.Pull("m2", At(2));
  EXPECT_EQ(s.acknowledged(), 1u) << "semi-sync with one ack from the recorded standby";
  s.ClientWrite(At(3));
  s.Pull("m2", At(4));
  EXPECT_EQ(s.acknowledged(), 2u) << "m3 never got write 2";
  s.Crash("m1");
  ASSERT_TRUE(s.Execute(Command("m3", CommandKind::kPromote, 2), At(3)).ok());
  ASSERT_TRUE(s.violation());
  EXPECT_NE(s.violation()->find("without acknowledged write"), std::string::npos);
}

TEST(SimServiceTest, AReplicaRewindsWhatItsNewPrimaryNeverHad) {
  SimService s(Group(failover::Replication::kAsync));
  ASSERT_TRUE(s.Execute(Command("m1", CommandKind::kPromote, 1), At(0)).ok());
  ASSERT_TRUE(s.Execute(Command("m2", CommandKind::kFollow, 1, "m1"), At(0)).ok());
  s.ClientWrite(At(1));
  s.Pull("m2", At(2));
  s.ClientWrite(At(3));  // only m1 has write 2
  EXPECT_EQ(s.LastWriteEpoch("m2"), 1u);
  s.Fence("m1");
  ASSERT_TRUE(s.Execute(Command("m2", CommandKind::kPromote, 2), At(4)).ok());
  s.ClientWrite(At(5));
  ASSERT_TRUE(s.Execute(Command("m1", CommandKind::kFollow, 2, "m2"), At(6)).ok());
  s.Pull("m1", At(7));
  EXPECT_EQ(s.member("m1").log, (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(s.LastWriteEpoch("m1"), 2u) << "its last entry is now the epoch-2 primary's";
  EXPECT_FALSE(s.violation());
}

TEST(FailoverSimTest, ASeedReplaysByteForByte) {
  FailoverSimOptions options;
  options.record_trace = true;
  const FailoverSimResult a = RunFailoverSeed(42, options);
  const FailoverSimResult b = RunFailoverSeed(42, options);
  EXPECT_EQ(a.trace, b.trace);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_GT(a.trace.size(), 10u);
  EXPECT_FALSE(a.violation) << *a.violation;
  EXPECT_GT(a.writes, 0u);
}

TEST(FailoverSimTest, TheBoundGrowsWithTheLeaseWait) {
  Rng rng(7);
  const FailoverSimParams p = DrawFailoverParams(rng, 3, false);
  const failover::GroupConfig g = FailoverSimGroup(p);
  const Duration released = RecoveryBound(p, g, false, false);
  const Duration expired = RecoveryBound(p, g, true, false);
  const Duration expired_leader = RecoveryBound(p, g, true, true);
  EXPECT_LT(released, expired);
  EXPECT_GT(expired, g.lease_ttl + g.drift_margin);
  EXPECT_EQ(expired_leader - expired, p.election_max);
}

}  // namespace
}  // namespace baton::sim
