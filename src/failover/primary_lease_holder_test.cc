#include "failover/primary_lease_holder.h"

#include <gtest/gtest.h>

#include "failover/test_util.h"

namespace baton::failover {
namespace {

using testing::At;
using testing::ThreeMembers;

// ttl 9s (renew every 3s), margin 1s.
GroupConfig Config() {
  GroupConfig c = ThreeMembers();
  c.lease_ttl = Duration::Seconds(9);
  return c;
}

class HolderTest : public ::testing::Test {
 protected:
  // Starts at `t` and acknowledges the acquire at `t + rtt`.
  void Acquire(int64_t t_ms, int64_t rtt_ms = 10) {
    holder_.Start(1, At(t_ms));
    const HolderReady r = holder_.TakeReady();
    ASSERT_EQ(r.ops.size(), 1u);
    ASSERT_EQ(r.ops[0].kind, LeaseOpKind::kAcquire);
    EXPECT_EQ(r.ops[0].lease, (LeaseRecord{"a", "n1", 1}));
    holder_.OnResult(r.ops[0].id, Status(), At(t_ms + rtt_ms));
    ASSERT_EQ(holder_.state(), HolderState::kHolding);
    holder_.TakeReady();
  }
  // Ticks every 100ms over (from, to]; acknowledges renewals after `rtt_ms`
  // unless `ack` is false. Returns the renewals sent.
  std::vector<LeaseOp> TickRange(int64_t from_ms, int64_t to_ms, bool ack = true) {
    std::vector<LeaseOp> renewals;
    for (int64_t t = from_ms + 100; t <= to_ms; t += 100) {
      holder_.Tick(At(t));
      for (const LeaseOp& op : holder_.TakeReady().ops) {
        if (op.kind != LeaseOpKind::kRenew) continue;
        renewals.push_back(op);
        if (ack) holder_.OnResult(op.id, Status(), At(t + 10));
      }
      if (holder_.state() == HolderState::kFenced) break;
    }
    return renewals;
  }

  PrimaryLeaseHolder holder_{Config(), "a", "n1"};
};

TEST_F(HolderTest, RenewsEveryThirdOfTheTtlAndCountsFromTheSendTime) {
  Acquire(0, 400);
  EXPECT_EQ(holder_.view_end(), At(9000)) << "from the send time, not the ack";
  const std::vector<LeaseOp> renewals = TickRange(0, 10'000);
  ASSERT_EQ(renewals.size(), 3u);
  EXPECT_EQ(renewals[0].sent_at, At(3000));
  EXPECT_EQ(renewals[1].sent_at, At(6000));
  EXPECT_EQ(renewals[2].sent_at, At(9000));
  EXPECT_EQ(holder_.view_end(), At(18'000));
  EXPECT_TRUE(holder_.MayWrite(At(10'000)));
}

TEST_F(HolderTest, SelfFencesAtViewEndMinusMarginWithoutRenewal) {
  Acquire(0);
  TickRange(0, 7900, /*ack=*/false);
  EXPECT_TRUE(holder_.MayWrite(At(7900)));
  holder_.Tick(At(8000));  // view_end 9s - margin 1s
  const HolderReady r = holder_.TakeReady();
  ASSERT_TRUE(r.fence.has_value());
  EXPECT_EQ(r.fence->reason, "lease-view-ending");
  EXPECT_EQ(holder_.state(), HolderState::kFenced);
  EXPECT_FALSE(holder_.MayWrite(At(8000)));
  ASSERT_EQ(r.ops.size(), 1u);
  EXPECT_EQ(r.ops[0].kind, LeaseOpKind::kRelease);
}

// The bench's partition of the store leader's node held a new primary's
// acquire up past its fence point; the member was promoted on it, fenced a
// tick later, and a second failover followed.
TEST_F(HolderTest, AnAcquireAcknowledgedPastItsFencePointIsReleasedAtOnce) {
  holder_.Start(1, At(0));
  const HolderReady start = holder_.TakeReady();
  ASSERT_EQ(start.ops.size(), 1u);
  TickRange(0, 8000);  // acquiring: no renewals, no fence
  EXPECT_EQ(holder_.state(), HolderState::kAcquiring);
  holder_.OnResult(start.ops[0].id, Status(), At(8050));  // view 9s - margin 1s: passed
  const HolderReady r = holder_.TakeReady();
  EXPECT_EQ(holder_.state(), HolderState::kFenced);
  EXPECT_FALSE(holder_.MayWrite(At(8050)));
  ASSERT_TRUE(r.fence.has_value());
  EXPECT_EQ(r.fence->reason, "lease-acquired-late");
  ASSERT_EQ(r.ops.size(), 1u);
  EXPECT_EQ(r.ops[0].kind, LeaseOpKind::kRelease);
}

TEST_F(HolderTest, AnAcquireAcknowledgedBeforeItsFencePointHolds) {
  holder_.Start(1, At(0));
  const HolderReady start = holder_.TakeReady();
  TickRange(0, 7900);
  holder_.OnResult(start.ops[0].id, Status(), At(7950));
  EXPECT_EQ(holder_.state(), HolderState::kHolding);
  EXPECT_TRUE(holder_.MayWrite(At(7950)));
  EXPECT_FALSE(holder_.TakeReady().fence.has_value());
}

TEST_F(HolderTest, MemberFailureFencesAndReleasesAtOnce) {
  Acquire(0);
  holder_.OnMemberFailed(At(500));
  const HolderReady r = holder_.TakeReady();
  ASSERT_TRUE(r.fence.has_value());
  EXPECT_EQ(r.fence->reason, "member-failed");
  ASSERT_EQ(r.ops.size(), 1u);
  EXPECT_EQ(r.ops[0].kind, LeaseOpKind::kRelease);
}

TEST_F(HolderTest, APauseFencesFirstAndIgnoresOutcomesFromBeforeIt) {
  Acquire(0);
  const std::vector<LeaseOp> renewals = TickRange(0, 3000, /*ack=*/false);
  ASSERT_EQ(renewals.size(), 1u);
  // Stopped for 2s (> margin); the renewal's ack arrives after the pause.
  holder_.OnResult(renewals[0].id, Status(), At(5000));
  const HolderReady r = holder_.TakeReady();
  ASSERT_TRUE(r.fence.has_value());
  EXPECT_EQ(r.fence->reason, "pause");
  EXPECT_EQ(holder_.view_end(), At(9000)) << "the old ack did not extend the view";
  EXPECT_FALSE(holder_.MayWrite(At(5000)));
  holder_.Tick(At(5100));
  EXPECT_TRUE(holder_.TakeReady().ops.empty()) << "no renewal with the old epoch";
}

TEST_F(HolderTest, LostLeaseFencesAtOnce) {
  Acquire(0);
  const std::vector<LeaseOp> renewals = TickRange(0, 3000, /*ack=*/false);
  holder_.OnResult(renewals[0].id, Status::NotFound("lease expired"), At(3050));
  EXPECT_EQ(holder_.TakeReady().fence->reason, "lease-lost");
}

TEST_F(HolderTest, FailedAcquireLeavesItIdleAndANewerEpochIsRequired) {
  holder_.Start(4, At(0));
  holder_.OnResult(holder_.TakeReady().ops[0].id, Status::FailedPrecondition("taken"), At(10));
  EXPECT_EQ(holder_.state(), HolderState::kIdle);
  EXPECT_DEATH(holder_.Start(4, At(20)), "after epoch 4");
  EXPECT_DEATH(holder_.Start(3, At(20)), "after epoch 4");
}

TEST_F(HolderTest, NextWakeupCoversRenewalFenceAndPauseDetection) {
  Acquire(0);
  EXPECT_EQ(holder_.NextWakeup(), At(500)) << "margin / 2 after the last tick";
  PrimaryLeaseHolder idle(Config(), "b", "n2");
  EXPECT_EQ(idle.NextWakeup(), Instant::FromNanos(INT64_MAX));
}

}  // namespace
}  // namespace baton::failover
