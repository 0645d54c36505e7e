// Whole-group stories: Coordinator + MemberAgents (with their lease holders)
// of three nodes around a real store state machine (failover_world.h). The
// world checks after every 100ms tick that epochs never go backwards and that
// no two members may write at the same instant.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "failover/failover_world.h"
#include "failover/test_util.h"

namespace baton::failover {
namespace {

using testing::FailoverWorld;
using testing::ThreeMembers;

// Elects the first primary ("a": equal positions, name order) and settles.
void Bootstrap(FailoverWorld& w) {
  ASSERT_TRUE(w.RunUntil(
      [&] {
        return w.Group() && w.Group()->state == GroupState::kStable && w.Primary() == "a" &&
               w.coordinator().state() == FailoverState::kNone;
      },
      Duration::Seconds(10)));
  EXPECT_EQ(w.Group()->epoch, 1u);
  ASSERT_EQ(w.timelines().size(), 1u);
  EXPECT_EQ(w.timelines().back().cause, "no-primary");
  EXPECT_EQ(w.Member("b")->following, "a");
}

bool Settled(FailoverWorld& w, const std::string& primary) {
  return w.Primary() == primary && w.Group()->state == GroupState::kStable &&
         w.coordinator().state() == FailoverState::kNone;
}

TEST(FailoverScenarioTest, MemberFailureReleasesTheLeaseAndFailsOverAtOnce) {
  FailoverWorld w(ThreeMembers());
  w.SetPosition("a", 1000);
  w.SetPosition("b", 1000);
  w.SetPosition("c", 990);
  Bootstrap(w);
  w.Run(Duration::Seconds(30));  // steady: renewals keep the lease
  EXPECT_EQ(w.Group()->epoch, 1u);

  const Instant crash = w.now();
  w.CrashMember("a");
  ASSERT_TRUE(w.RunUntil([&] { return Settled(w, "b"); }, Duration::Seconds(10)));
  const Timeline& t = w.timelines().back();
  EXPECT_EQ(t.cause, "lease-released");
  EXPECT_EQ(t.new_primary, "b");
  EXPECT_EQ(t.to_epoch, 2u);
  // Detection is one tick here (fall x interval in production); no lease wait.
  EXPECT_LE(*t.promoted - crash, Duration::Millis(300));
  EXPECT_TRUE(t.repointed.has_value());
  EXPECT_EQ(w.Member("c")->following, "b");
  EXPECT_EQ(t.outcome, "+switch-primary");
  EXPECT_NE(t.ToString().find("cause=lease-released a@1->b@2"), std::string::npos) << t.ToString();
}

TEST(FailoverScenarioTest, RepeatedFailoversRaiseTheEpochEachTime) {
  FailoverWorld w(ThreeMembers());
  Bootstrap(w);
  w.CrashMember("a");
  ASSERT_TRUE(w.RunUntil([&] { return Settled(w, "b"); }, Duration::Seconds(10)));
  w.RestoreMember("a");  // comes back as a replica of b
  ASSERT_TRUE(w.RunUntil([&] { return w.Member("a")->following == "b"; }, Duration::Seconds(5)));
  w.CrashMember("b");
  ASSERT_TRUE(w.RunUntil([&] { return Settled(w, "a"); }, Duration::Seconds(10)));
  std::vector<Epoch> epochs;
  for (const Timeline& t : w.timelines()) {
    if (t.outcome == "+switch-primary") epochs.push_back(t.to_epoch);
  }
  EXPECT_EQ(epochs, (std::vector<Epoch>{1, 2, 3}));

  EXPECT_EQ(w.agent("n1").max_epoch_seen(), 3u);
}

TEST(FailoverScenarioTest, SilentNodePromotedOnlyAfterLeaseExpiryPlusMargin) {
  FailoverWorld w(ThreeMembers());
  Bootstrap(w);
  w.Run(Duration::Seconds(5));
  const Instant killed = w.now();
  w.KillNode("n1");
  ASSERT_TRUE(w.RunUntil([&] { return Settled(w, "b"); }, Duration::Seconds(30)));
  const auto expired = w.FirstEvent("+lease-expired");
  ASSERT_TRUE(expired.has_value());
  const auto promote = w.FirstCommand(CommandKind::kPromote, "b");
  ASSERT_TRUE(promote.has_value());
  const GroupConfig c = ThreeMembers();
  EXPECT_GE(promote->at, expired->at + c.drift_margin) << "promoted before expiry + margin";
  // The last renewal was sent at most ttl/3 before the kill.
  EXPECT_GE(promote->at - killed, c.lease_ttl - c.RenewInterval() + c.drift_margin);
  EXPECT_LE(promote->at - killed, c.lease_ttl + c.drift_margin + Duration::Millis(500));
  EXPECT_EQ(w.timelines().back().cause, "lease-expired");
}

// The old primary is cut off from the store but keeps running. Its agent must
// fence its member before the coordinator can promote another, for any clock
// rate within the margin (drift_margin / lease_ttl = 10%).
class DriftTest : public ::testing::TestWithParam<double> {};

TEST_P(DriftTest, SelfFenceHappensBeforeTheEarliestPromotion) {
  FailoverWorld w(ThreeMembers());
  w.SetClockRate("n1", GetParam());
  Bootstrap(w);
  w.Run(Duration::Seconds(7));
  w.Partition("n1");
  ASSERT_TRUE(w.RunUntil([&] { return Settled(w, "b"); }, Duration::Seconds(30)));
  const auto fence = w.FirstCommand(CommandKind::kFence, "a");
  const auto promote = w.FirstCommand(CommandKind::kPromote, "b");
  ASSERT_TRUE(fence.has_value());
  ASSERT_TRUE(promote.has_value());
  EXPECT_LT(fence->at, promote->at);
}

// The check has teeth: a clock 20% slow (twice the bound) fences too late.
TEST(FailoverScenarioTest, DriftBeyondTheMarginBreaksTheSingleWriterInvariant) {
  EXPECT_NONFATAL_FAILURE(
      {
        FailoverWorld w(ThreeMembers());
        w.SetClockRate("n1", 0.8);
        Bootstrap(w);
        w.Run(Duration::Seconds(7));
        w.Partition("n1");
        w.Run(Duration::Seconds(20));
      },
      "two writable members");
}

INSTANTIATE_TEST_SUITE_P(ClockRates, DriftTest, ::testing::Values(0.92, 0.97, 1.0, 1.03, 1.08));

TEST(FailoverScenarioTest, FailedPromotionMovesToTheNextCandidate) {
  GroupConfig c = ThreeMembers();
  c.timeouts.wait_promotion = Duration::Seconds(3);
  FailoverWorld w(c);
  Bootstrap(w);
  w.RefusePromotion("b");
  w.CrashMember("a");
  ASSERT_TRUE(w.RunUntil([&] { return Settled(w, "c"); }, Duration::Seconds(20)));
  // b's agent gives its lease up when its attempts run out; the coordinator
  // moves on then, before wait_promotion.
  EXPECT_TRUE(w.FirstEvent("-failover-promotion-lease-lost").has_value());
  EXPECT_EQ(w.Group()->epoch, 3u) << "b's epoch 2 was never served; c has 3";
  EXPECT_EQ(w.timelines().back().new_primary, "c");
  EXPECT_NE(w.Member("b")->role, MemberRole::kPrimary);
}

TEST(FailoverScenarioTest, SyncModeRefusesALaggingCandidateAndForcedPromotionReportsTheLoss) {
  FailoverWorld w(ThreeMembers(Replication::kSync));
  Bootstrap(w);
  w.SetPosition("a", 1000, 1000);
  w.SetPosition("b", 900);
  w.SetPosition("c", 880);
  w.Run(Duration::Seconds(1));
  w.CrashMember("a");
  w.Run(Duration::Seconds(2));
  const auto abort = w.FirstEvent("-failover-abort-would-lose-data");
  ASSERT_TRUE(abort.has_value());
  EXPECT_EQ(abort->event.Field("reason"), "best candidate b would lose 100 acknowledged bytes");
  EXPECT_EQ(w.Primary(), "a");
  EXPECT_EQ(w.FirstCommand(CommandKind::kPromote, "b"), std::nullopt);

  w.coordinator().Step(FailoverRequest{.force = true}, w.now());
  ASSERT_TRUE(w.RunUntil([&] { return Settled(w, "b"); }, Duration::Seconds(10)));
  const Timeline& t = w.timelines().back();
  EXPECT_TRUE(t.forced);
  EXPECT_EQ(t.acked_loss_bytes, std::optional<uint64_t>(100));
  EXPECT_TRUE(w.FirstEvent("+forced-promotion").has_value());
}

TEST(FailoverScenarioTest, TiltSuppressesActionUntilThePeriodEnds) {
  FailoverWorld w(ThreeMembers());
  Bootstrap(w);
  w.coordinator().Step(SchedulingGap{Duration::Seconds(5)}, w.now());
  EXPECT_TRUE(w.coordinator().Status(w.now()).tilt);
  const Instant tilt = w.now();
  w.CrashMember("a");
  w.Run(Duration::Seconds(20));
  EXPECT_EQ(w.Primary(), "a") << "no action in TILT";
  ASSERT_TRUE(w.RunUntil([&] { return Settled(w, "b"); }, Duration::Seconds(20)));
  EXPECT_GE(w.FirstCommand(CommandKind::kPromote, "b")->at, tilt + ThreeMembers().tilt.period);
  EXPECT_TRUE(w.FirstEvent("-tilt").has_value());
}

TEST(FailoverScenarioTest, MaintenancePauseSuppressesAutomaticFailover) {
  FailoverWorld w(ThreeMembers());
  Bootstrap(w);
  w.coordinator().Step(MaintenanceRequest{.pause = true}, w.now());
  w.Run(Duration::Seconds(1));
  ASSERT_TRUE(w.Group()->paused);
  EXPECT_TRUE(w.coordinator().Status(w.now()).paused);
  w.CrashMember("a");
  w.Run(Duration::Seconds(60));
  EXPECT_EQ(w.Primary(), "a");
  w.coordinator().Step(MaintenanceRequest{.pause = false}, w.now());
  ASSERT_TRUE(w.RunUntil([&] { return Settled(w, "b"); }, Duration::Seconds(10)));
}

TEST(FailoverScenarioTest, SwitchoverWaitsForCatchUpAndLosesNothing) {
  FailoverWorld w(ThreeMembers());
  w.SetPosition("a", 1000);
  w.SetPosition("b", 800);
  w.SetPosition("c", 1000);
  Bootstrap(w);
  w.coordinator().Step(SwitchoverRequest{"b"}, w.now());
  ASSERT_TRUE(w.RunUntil([&] { return w.Member("a")->role == MemberRole::kWritesPaused; },
                         Duration::Seconds(2)));
  for (Position p = 850; p <= 1000; p += 50) {
    w.Run(Duration::Seconds(1));
    EXPECT_EQ(w.Primary(), "a") << "b has not caught up at " << p;
    w.SetPosition("b", p);
  }
  ASSERT_TRUE(w.RunUntil([&] { return Settled(w, "b"); }, Duration::Seconds(5)));
  const Timeline& t = w.timelines().back();
  EXPECT_EQ(t.cause, "switchover");
  EXPECT_EQ(t.loss_bound_bytes, 0u);
  EXPECT_TRUE(w.FirstEvent("+switchover-progress").has_value());
  ASSERT_TRUE(w.RunUntil([&] { return w.Member("a")->following == "b"; }, Duration::Seconds(2)));
}

TEST(FailoverScenarioTest, SwitchoverAbortsAndResumesWritesWhenTheTargetNeverCatchesUp) {
  GroupConfig c = ThreeMembers();
  c.timeouts.catch_up = Duration::Seconds(3);
  FailoverWorld w(c);
  w.SetPosition("a", 1000);
  w.SetPosition("b", 800);
  Bootstrap(w);
  w.coordinator().Step(SwitchoverRequest{"b"}, w.now());
  w.Run(Duration::Seconds(5));
  EXPECT_TRUE(w.FirstEvent("-switchover-abort-catch-up-timeout").has_value());
  EXPECT_EQ(w.Primary(), "a");
  EXPECT_EQ(w.Member("a")->role, MemberRole::kPrimary);
  EXPECT_TRUE(w.FirstCommand(CommandKind::kResumeWrites, "a").has_value());
}

TEST(FailoverScenarioTest, AbortAfterPromotionIsImpossible) {
  FailoverWorld w(ThreeMembers());
  Bootstrap(w);
  w.Partition("n3");  // c's agent cannot report that it follows b: re-pointing waits
  w.CrashMember("a");
  ASSERT_TRUE(
      w.RunUntil([&] { return w.coordinator().state() == FailoverState::kReconfigureReplicas; },
                 Duration::Seconds(5)))
      << FailoverStateName(w.coordinator().state());
  EXPECT_FALSE(w.coordinator().CanAbort());
  w.coordinator().Step(AbortRequest{}, w.now());
  EXPECT_TRUE(w.FirstEvent("-abort-refused").has_value() ||
              w.coordinator().state() == FailoverState::kReconfigureReplicas);
  EXPECT_DEATH(w.coordinator().Abort("-failover-abort-requested", "test", w.now()),
               "only way is forward");
}

TEST(FailoverScenarioTest, ActiveActiveServingSetFollowsReadiness) {
  GroupConfig c = ThreeMembers();
  c.mode = GroupMode::kActiveActive;
  FailoverWorld w(c);
  w.Run(Duration::Seconds(1));
  EXPECT_FALSE(w.Group().has_value()) << "no primary in active-active";
  ASSERT_TRUE(w.Serving().has_value());
  const ServingRecord all = *w.Serving();
  EXPECT_EQ(all.members, (std::vector<std::string>{"a", "b", "c"}));
  w.CrashMember("b");
  w.Run(Duration::Seconds(1));
  EXPECT_EQ(w.Serving()->members, (std::vector<std::string>{"a", "c"}));
  EXPECT_GT(w.Serving()->epoch, all.epoch);
  EXPECT_EQ(w.FirstEvent("-serving")->event.target, "b");
  EXPECT_EQ(w.FirstEvent("-serving")->event.fields,
            (std::vector<std::pair<std::string, std::string>>{
                {"epoch", std::to_string(w.Serving()->epoch)}}));
  const Epoch without_b = w.Serving()->epoch;
  w.SetPosition("b", 0);
  w.RestoreMember("b");
  w.Run(Duration::Seconds(1));
  EXPECT_EQ(w.Serving()->members, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_GT(w.Serving()->epoch, without_b);
  // Every published set is one change record, epochs one apart.
  ASSERT_FALSE(w.serving_changes().empty());
  Epoch previous = 0;
  for (const ServingChange& change : w.serving_changes()) {
    EXPECT_EQ(change.record.epoch, previous + 1);
    previous = change.record.epoch;
  }
  EXPECT_EQ(w.serving_changes().back().joined, std::vector<std::string>{"b"});
  EXPECT_TRUE(w.serving_changes().back().left.empty());
  EXPECT_EQ(previous, w.Serving()->epoch);
  EXPECT_FALSE(w.Group().has_value()) << "still no primary";
  EXPECT_FALSE(w.FirstEvent("+command").has_value()) << "no promote, follow or fence";
}

}  // namespace
}  // namespace baton::failover
