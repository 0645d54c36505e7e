#include "store/lease_keeper.h"

#include <gtest/gtest.h>

namespace baton::store {
namespace {

Instant At(int64_t seconds) { return Instant::FromNanos(0) + Duration::Seconds(seconds); }

constexpr Duration kTtl = Duration::Seconds(10);

ApplyResult Granted(LeaseId id, Duration ttl) {
  ApplyResult result;
  result.granted_lease = Lease{id, ttl};
  return result;
}

ApplyResult Revoked(LeaseId id) {
  ApplyResult result;
  result.revoked_lease = id;
  return result;
}

TEST(LeaseKeeper, ALeaseExpiresAtItsDeadlineAndNotBefore) {
  LeaseKeeper keeper;
  keeper.Reset(At(0), {});
  keeper.Observe(Granted(1, kTtl), At(5));
  EXPECT_EQ(keeper.Deadline(1), At(15));
  EXPECT_EQ(keeper.NextDeadline(), At(15));
  EXPECT_TRUE(keeper.Tick(At(14)).empty());
  EXPECT_TRUE(keeper.Tick(At(15) - Duration::Nanos(1)).empty());
  EXPECT_EQ(keeper.Tick(At(15)), std::vector<LeaseId>{1});
}

TEST(LeaseKeeper, KeepAliveRestartsTheFullTtl) {
  LeaseKeeper keeper;
  keeper.Reset(At(0), {{1, kTtl}, {2, kTtl}});
  Result<Duration> ttl = keeper.KeepAlive(1, At(8));
  ASSERT_TRUE(ttl.has_value());
  EXPECT_EQ(*ttl, kTtl);
  EXPECT_EQ(keeper.Tick(At(10)), std::vector<LeaseId>{2});
  keeper.Observe(Revoked(2), At(10));
  EXPECT_TRUE(keeper.Tick(At(17)).empty());
  EXPECT_EQ(keeper.Tick(At(18)), std::vector<LeaseId>{1});
}

TEST(LeaseKeeper, AnExpiredLeaseIsOfferedOnceThenAgainAfterTheRetryInterval) {
  LeaseKeeper keeper(Duration::Seconds(2));
  keeper.Reset(At(0), {{1, kTtl}});
  EXPECT_EQ(keeper.Tick(At(10)), std::vector<LeaseId>{1});
  EXPECT_TRUE(keeper.Tick(At(11)).empty());  // the revoke is in flight
  EXPECT_EQ(keeper.NextDeadline(), At(12));
  EXPECT_EQ(keeper.Tick(At(12)), std::vector<LeaseId>{1});  // the proposal was lost
  keeper.Observe(Revoked(1), At(13));
  EXPECT_TRUE(keeper.Tick(At(100)).empty());
  EXPECT_EQ(keeper.size(), 0u);
  EXPECT_FALSE(keeper.NextDeadline().has_value());
}

TEST(LeaseKeeper, KeepAliveFailsForUnknownOrExpiredLeases) {
  LeaseKeeper keeper;
  keeper.Reset(At(0), {{1, kTtl}});
  EXPECT_TRUE(keeper.KeepAlive(2, At(1)).error().IsNotFound());
  ASSERT_EQ(keeper.Tick(At(10)).size(), 1u);
  // Too late: the leader already decided; the holder must not believe it kept it.
  EXPECT_TRUE(keeper.KeepAlive(1, At(10)).error().IsNotFound());
}

TEST(LeaseKeeper, AFollowerNeitherExpiresNorAcceptsKeepAlives) {
  LeaseKeeper keeper;
  keeper.Observe(Granted(1, kTtl), At(0));
  EXPECT_EQ(keeper.size(), 0u);
  EXPECT_TRUE(keeper.KeepAlive(1, At(1)).error().IsUnavailable());
  EXPECT_TRUE(keeper.Tick(At(1000)).empty());

  keeper.Reset(At(0), {{1, kTtl}});
  keeper.Stop();
  EXPECT_FALSE(keeper.leading());
  EXPECT_TRUE(keeper.Tick(At(1000)).empty());
  EXPECT_TRUE(keeper.KeepAlive(1, At(1)).error().IsUnavailable());
}

// Leader A accepts a keep-alive at t=8 (deadline 18) and loses leadership;
// leader B takes office at t=9 with a fresh full ttl (deadline 19). The lease
// is never due earlier than either leader promised.
TEST(LeaseKeeper, ALeaderChangeNeverExpiresALeaseEarly) {
  const std::vector<Lease> leases = {{1, kTtl}, {2, Duration::Seconds(3)}};
  LeaseKeeper a, b;
  a.Reset(At(0), leases);
  ASSERT_TRUE(a.KeepAlive(1, At(8)).has_value());
  EXPECT_EQ(a.Tick(At(8)), std::vector<LeaseId>{2});  // lease 2 was due at 3
  a.Stop();

  b.Reset(At(9), leases);  // lease 2's revoke was never committed
  EXPECT_TRUE(b.Tick(At(11)).empty());
  EXPECT_EQ(b.Tick(At(12)), std::vector<LeaseId>{2});
  b.Observe(Revoked(2), At(12));
  EXPECT_TRUE(b.Tick(At(18)).empty());
  EXPECT_EQ(b.Tick(At(19)), std::vector<LeaseId>{1});
}

TEST(LeaseKeeper, KeepAlivesOnTheNewLeaderContinueFromItsReset) {
  LeaseKeeper b;
  b.Reset(At(9), {{1, kTtl}});
  ASSERT_TRUE(b.KeepAlive(1, At(15)).has_value());
  EXPECT_TRUE(b.Tick(At(24)).empty());
  EXPECT_EQ(b.Tick(At(25)), std::vector<LeaseId>{1});
}

TEST(LeaseKeeper, ResetReplacesTheTrackedSetAndClearsPendingRevokes) {
  LeaseKeeper keeper;
  keeper.Reset(At(0), {{1, kTtl}, {2, kTtl}});
  ASSERT_EQ(keeper.Tick(At(10)).size(), 2u);
  keeper.Reset(At(20), {{2, kTtl}});
  EXPECT_EQ(keeper.size(), 1u);
  EXPECT_FALSE(keeper.Deadline(1).has_value());
  EXPECT_TRUE(keeper.KeepAlive(2, At(21)).has_value());
}

// The full loop through a real state machine: grant, attach, expire, commit
// the revoke, and the key is gone on the replica.
TEST(LeaseKeeper, DrivesRevocationThroughTheStateMachine) {
  StateMachine sm;
  LeaseKeeper keeper;
  keeper.Reset(At(0), sm.Leases());
  uint64_t index = 0;
  auto apply = [&](const Command& command, Instant now) {
    ApplyResult result = sm.Apply(++index, EncodeCommand(command));
    keeper.Observe(result, now);
    return result;
  };
  apply(LeaseGrant{7, Duration::Seconds(2)}, At(1));
  apply(Put{"/primary", "a", 7}, At(1));
  for (int64_t s = 1; s <= 10; ++s) {
    for (LeaseId id : keeper.Tick(At(s))) apply(LeaseRevoke{id}, At(s));
  }
  EXPECT_FALSE(sm.Get("/primary").has_value());
  EXPECT_TRUE(sm.Leases().empty());
  EXPECT_EQ(keeper.size(), 0u);
  EXPECT_EQ(sm.history().events().back().revision(), 2u);
}

}  // namespace
}  // namespace baton::store
