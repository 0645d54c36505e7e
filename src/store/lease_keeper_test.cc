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

ApplyResult Refreshed(LeaseId id, Duration ttl) {
  ApplyResult result;
  result.refreshed_lease = Lease{id, ttl};
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

TEST(LeaseKeeper, AnAppliedRefreshRestartsTheFullTtl) {
  LeaseKeeper keeper;
  keeper.Reset(At(0), {{1, kTtl}, {2, kTtl}});
  Result<Duration> ttl = keeper.CheckKeepAlive(1);
  ASSERT_TRUE(ttl.has_value());
  EXPECT_EQ(*ttl, kTtl);
  keeper.Observe(Refreshed(1, kTtl), At(8));
  EXPECT_EQ(keeper.Deadline(1), At(18));
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

TEST(LeaseKeeper, KeepAlivesFailForUnknownOrExpiredLeases) {
  LeaseKeeper keeper;
  keeper.Reset(At(0), {{1, kTtl}});
  EXPECT_TRUE(keeper.CheckKeepAlive(2).error().IsNotFound());
  ASSERT_EQ(keeper.Tick(At(10)).size(), 1u);
  // Too late: the leader already decided; the holder must not believe it kept it.
  EXPECT_TRUE(keeper.CheckKeepAlive(1).error().IsNotFound());
}

// A refresh the state machine refused (its lease already revoked) answers
// with the state machine's error.
TEST(LeaseKeeper, ARefusedRefreshIsTheKeepAlivesAnswer) {
  LeaseKeeper keeper;
  keeper.Reset(At(0), {{1, kTtl}});
  ApplyResult refused;
  refused.status = Status::NotFound("lease 1 not found");
  Result<Duration> answer = keeper.AnswerKeepAlive(1, refused);
  ASSERT_FALSE(answer.has_value());
  EXPECT_TRUE(answer.error().IsNotFound());
  EXPECT_EQ(keeper.AnswerKeepAlive(1, Refreshed(1, kTtl)).value(), kTtl);
}

// The keep-alive was accepted at 9 and its refresh proposed; the lease fell
// due at 10 and its revoke was proposed; then the refresh entry applied. The
// refresh is in the log, but the revoke is on its way: the keep-alive fails.
TEST(LeaseKeeper, ARefreshAppliedAfterTickExpiredTheLeaseIsReportedAsFailed) {
  LeaseKeeper keeper;
  keeper.Reset(At(0), {{1, kTtl}});
  ASSERT_TRUE(keeper.CheckKeepAlive(1).has_value());  // accepted; refresh proposed
  ASSERT_EQ(keeper.Tick(At(10)), std::vector<LeaseId>{1});
  const ApplyResult refresh = Refreshed(1, kTtl);
  keeper.Observe(refresh, At(10) + Duration::Millis(5));
  Result<Duration> answer = keeper.AnswerKeepAlive(1, refresh);
  ASSERT_FALSE(answer.has_value());
  EXPECT_TRUE(answer.error().IsNotFound()) << answer.error().ToString();
  EXPECT_NE(answer.error().message().find("expired"), std::string::npos);
  keeper.Observe(Revoked(1), At(11));
  EXPECT_EQ(keeper.size(), 0u);
}

TEST(LeaseKeeper, AFollowerTracksLeasesButNeitherExpiresNorAcceptsKeepAlives) {
  LeaseKeeper keeper;
  keeper.Observe(Granted(1, kTtl), At(0));
  keeper.Observe(Refreshed(1, kTtl), At(4));
  EXPECT_EQ(keeper.size(), 1u);
  EXPECT_EQ(keeper.Deadline(1), At(14));
  EXPECT_TRUE(keeper.CheckKeepAlive(1).error().IsUnavailable());
  EXPECT_TRUE(keeper.Tick(At(1000)).empty());
}

TEST(LeaseKeeper, StopLeavesOfficeButKeepsTracking) {
  LeaseKeeper keeper;
  keeper.Reset(At(0), {{1, kTtl}});
  keeper.Stop();
  EXPECT_FALSE(keeper.leading());
  EXPECT_EQ(keeper.size(), 1u);
  EXPECT_EQ(keeper.Deadline(1), At(10));
  EXPECT_TRUE(keeper.Tick(At(1000)).empty());
  EXPECT_TRUE(keeper.CheckKeepAlive(1).error().IsUnavailable());
  keeper.Observe(Refreshed(1, kTtl), At(6));  // another leader's keep-alive
  keeper.Reset(At(7), {{1, kTtl}});
  EXPECT_EQ(keeper.Deadline(1), At(16));
}

// A follower applies a refresh at 5 and takes office at 6: the lease is due
// at 15, ttl after the refresh, not at 16, ttl after the election.
TEST(LeaseKeeper, AFollowerTakingOfficeKeepsTheDeadlineOfTheRefreshItApplied) {
  LeaseKeeper follower;
  follower.Observe(Granted(1, kTtl), At(0));
  follower.Observe(Refreshed(1, kTtl), At(5));
  follower.Reset(At(6), {{1, kTtl}});
  EXPECT_EQ(follower.Deadline(1), At(15));
  EXPECT_TRUE(follower.Tick(At(15) - Duration::Nanos(1)).empty());
  EXPECT_EQ(follower.Tick(At(15)), std::vector<LeaseId>{1});
}

// A lease this node never saw applied (it restarted from a snapshot) gets a
// full ttl from the election, the only safe guess.
TEST(LeaseKeeper, AnUntrackedLeaseGetsAFullTtlWhenTakingOffice) {
  LeaseKeeper keeper;
  keeper.Observe(Granted(1, kTtl), At(0));
  keeper.Reset(At(9), {{1, kTtl}, {2, Duration::Seconds(3)}});
  EXPECT_EQ(keeper.Deadline(1), At(10));
  EXPECT_EQ(keeper.Deadline(2), At(12));
  EXPECT_EQ(keeper.Tick(At(10)), std::vector<LeaseId>{1});
  keeper.Observe(Revoked(1), At(10));
  EXPECT_TRUE(keeper.Tick(At(12) - Duration::Nanos(1)).empty());
  EXPECT_EQ(keeper.Tick(At(12)), std::vector<LeaseId>{2});
}

// Leader A accepts a keep-alive whose refresh both replicas apply at 8, and
// expires lease 2 (due at 3) but loses office before the revoke commits.
// Leader B takes office at 9: lease 1 stays due at 18 (ttl after the
// refresh, never earlier than the holder's send + ttl), lease 2 is due at
// once on B too.
TEST(LeaseKeeper, ALeaderChangeKeepsTheReplicatedDeadlines) {
  const std::vector<Lease> leases = {{1, kTtl}, {2, Duration::Seconds(3)}};
  LeaseKeeper a, b;
  for (LeaseKeeper* k : {&a, &b}) {
    k->Observe(Granted(1, kTtl), At(0));
    k->Observe(Granted(2, Duration::Seconds(3)), At(0));
  }
  a.Reset(At(0), leases);
  ASSERT_TRUE(a.CheckKeepAlive(1).has_value());
  for (LeaseKeeper* k : {&a, &b}) k->Observe(Refreshed(1, kTtl), At(8));
  EXPECT_EQ(a.Tick(At(8)), std::vector<LeaseId>{2});
  a.Stop();

  b.Reset(At(9), leases);  // lease 2's revoke was never committed
  EXPECT_EQ(b.Tick(At(9)), std::vector<LeaseId>{2});
  b.Observe(Revoked(2), At(9));
  EXPECT_TRUE(b.Tick(At(18) - Duration::Nanos(1)).empty());
  EXPECT_EQ(b.Tick(At(18)), std::vector<LeaseId>{1});
}

TEST(LeaseKeeper, ResetReplacesTheTrackedSetAndClearsPendingRevokes) {
  LeaseKeeper keeper;
  keeper.Reset(At(0), {{1, kTtl}, {2, kTtl}});
  ASSERT_EQ(keeper.Tick(At(10)).size(), 2u);
  keeper.Reset(At(20), {{2, kTtl}});
  EXPECT_EQ(keeper.size(), 1u);
  EXPECT_FALSE(keeper.Deadline(1).has_value());
  EXPECT_TRUE(keeper.CheckKeepAlive(2).has_value());
  EXPECT_EQ(keeper.Tick(At(20)), std::vector<LeaseId>{2});  // still past its deadline
}

// After a snapshot install the keeper cannot know when the image's refreshes
// were applied; everything restarts at now + ttl, which is never early.
TEST(LeaseKeeper, RestoreFollowsTheImageWithAFullTtl) {
  LeaseKeeper keeper;
  keeper.Observe(Granted(1, kTtl), At(0));
  keeper.Observe(Granted(2, kTtl), At(0));
  keeper.Restore(At(5), {{1, kTtl}, {3, Duration::Seconds(2)}});
  EXPECT_EQ(keeper.size(), 2u);
  EXPECT_EQ(keeper.Deadline(1), At(15));
  EXPECT_FALSE(keeper.Deadline(2).has_value());
  EXPECT_EQ(keeper.Deadline(3), At(7));
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
  ASSERT_TRUE(apply(LeaseRefresh{7}, At(2)).refreshed_lease.has_value());
  for (int64_t s = 1; s <= 10; ++s) {
    for (LeaseId id : keeper.Tick(At(s))) {
      EXPECT_EQ(s, 4) << "due 2s after the refresh at 2";
      apply(LeaseRevoke{id}, At(s));
    }
  }
  EXPECT_FALSE(sm.Get("/primary").has_value());
  EXPECT_TRUE(sm.Leases().empty());
  EXPECT_EQ(keeper.size(), 0u);
  EXPECT_EQ(sm.history().events().back().revision(), 2u);
}

}  // namespace
}  // namespace baton::store
