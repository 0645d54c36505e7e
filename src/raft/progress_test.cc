#include "raft/progress.h"

#include <gtest/gtest.h>

namespace baton::raft {
namespace {

TEST(Progress, ProbeSendsOneAppendUntilAnswered) {
  Progress pr(5, 4, false);
  EXPECT_FALSE(pr.IsPaused());
  pr.SentAppend(6, true);
  EXPECT_TRUE(pr.IsPaused());
  EXPECT_EQ(pr.next(), 5u) << "probing does not advance next optimistically";
  pr.Unpause();
  EXPECT_FALSE(pr.IsPaused());
}

TEST(Progress, ReplicateStreamsUpToTheInflightLimit) {
  Progress pr(1, 2, false);
  ASSERT_TRUE(pr.MaybeUpdate(4));
  pr.BecomeReplicate();
  EXPECT_EQ(pr.next(), 5u);
  pr.SentAppend(6, true);
  pr.SentAppend(8, true);
  EXPECT_EQ(pr.next(), 9u);
  EXPECT_TRUE(pr.IsPaused());
  ASSERT_TRUE(pr.MaybeUpdate(6));
  pr.FreeInflightsUpTo(6);
  EXPECT_FALSE(pr.IsPaused());
  EXPECT_EQ(pr.inflights().count(), 1u);
}

TEST(Progress, StaleAcksAndRejectsChangeNothing) {
  Progress pr(1, 4, false);
  ASSERT_TRUE(pr.MaybeUpdate(10));
  EXPECT_FALSE(pr.MaybeUpdate(7));
  EXPECT_EQ(pr.match(), 10u);
  pr.BecomeReplicate();
  EXPECT_FALSE(pr.MaybeDecrTo(9, 1)) << "reject of an index already matched";
  EXPECT_TRUE(pr.MaybeDecrTo(12, 1));
  EXPECT_EQ(pr.next(), 11u) << "replicate falls back to match + 1";
}

TEST(Progress, ProbeRejectFollowsTheHintButNeverBelowMatch) {
  Progress pr(50, 4, false);
  EXPECT_FALSE(pr.MaybeDecrTo(30, 10)) << "not our latest probe (next - 1 = 49)";
  EXPECT_TRUE(pr.MaybeDecrTo(49, 10));
  EXPECT_EQ(pr.next(), 10u);
  ASSERT_TRUE(pr.MaybeUpdate(8));
  EXPECT_TRUE(pr.MaybeDecrTo(9, 2));
  EXPECT_EQ(pr.next(), 9u) << "clamped to match + 1";
}

TEST(Progress, SnapshotPausesUntilProbedAgain) {
  Progress pr(3, 4, true);
  pr.BecomeSnapshot(20);
  EXPECT_TRUE(pr.IsPaused());
  EXPECT_EQ(pr.pending_snapshot(), 20u);
  pr.BecomeProbe();
  EXPECT_EQ(pr.next(), 21u) << "after a snapshot the peer holds at least its index";
  EXPECT_FALSE(pr.IsPaused());
  EXPECT_TRUE(pr.learner());
}

}  // namespace
}  // namespace baton::raft
