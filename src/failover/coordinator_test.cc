#include "failover/coordinator.h"

#include <gtest/gtest.h>

#include "failover/test_util.h"

namespace baton::failover {
namespace {

using testing::At;
using testing::ThreeMembers;

MemberRecord Member(std::string name, MemberRole role, std::set<std::string> down_by = {}) {
  MemberRecord r;
  r.member = std::move(name);
  r.health = detect::Health::kHealthy;
  r.role = role;
  r.epoch_seen = 1;
  r.following = r.role == MemberRole::kReplica ? "a" : "";
  r.observed_down_by = std::move(down_by);
  return r;
}

std::vector<std::string> Names(const std::vector<detect::Event>& events) {
  std::vector<std::string> names;
  for (const detect::Event& e : events) names.push_back(e.name);
  return names;
}

bool Has(const std::vector<detect::Event>& events, const std::string& name) {
  for (const detect::Event& e : events) {
    if (e.name == name) return true;
  }
  return false;
}

// A stable group: a is primary at epoch 1 and holds the lease.
class CoordinatorTest : public ::testing::Test {
 protected:
  explicit CoordinatorTest(GroupConfig config = ThreeMembers())
      : config_(std::move(config)), c_(config_, 3, At(0)) {
    c_.Step(GroupObserved{{1, "a", GroupState::kStable, "", "", false}, 3}, At(0));
    c_.Step(LeaseObserved{LeaseRecord{"a", "n1", 1}}, At(0));
    c_.Step(MemberObserved{Member("a", MemberRole::kPrimary)}, At(0));
    c_.Step(MemberObserved{Member("b", MemberRole::kReplica)}, At(0));
    c_.Step(MemberObserved{Member("c", MemberRole::kReplica)}, At(0));
    c_.TakeReady();
  }
  void ReportDown(std::set<std::string> observers, Instant now) {
    MemberRecord a = Member("a", MemberRole::kPrimary, std::move(observers));
    a.health = detect::Health::kUnknown;
    c_.Step(MemberObserved{a}, now);
  }

  GroupConfig config_;
  Coordinator c_;
};

TEST_F(CoordinatorTest, OdownNeedsAMajorityWithReplicaSideEvidence) {
  ReportDown({"n3"}, At(100));
  EXPECT_EQ(Names(c_.TakeReady().events), (std::vector<std::string>{"+sdown"}));
  ReportDown({"n1", "witness"}, At(200));  // a majority, but no replica saw it
  EXPECT_FALSE(c_.Status(At(200)).odown);
  ReportDown({"n2", "n3"}, At(300));
  const CoordinatorReady r = c_.TakeReady();
  EXPECT_TRUE(Has(r.events, "+odown"));
  EXPECT_TRUE(Has(r.events, "+try-failover"));
  EXPECT_EQ(c_.state(), FailoverState::kFenceOld) << "b selected; the lease is still held";
  ASSERT_EQ(r.writes.size(), 1u) << "no promotion while a holds the lease";
  EXPECT_EQ(r.writes[0].next.epoch, 1u) << "only a step-down request";
}

TEST_F(CoordinatorTest, WithoutAHookAHeldLeaseAbortsAfterTheFenceTimeout) {
  ReportDown({"n2", "n3"}, At(0));
  c_.Tick(At(29'000));
  EXPECT_EQ(c_.state(), FailoverState::kFenceOld);
  c_.Tick(At(30'100));
  EXPECT_TRUE(Has(c_.TakeReady().events, "-failover-abort-not-fenced"));
  EXPECT_EQ(c_.state(), FailoverState::kNone);
  ASSERT_EQ(c_.history().size(), 1u);
  EXPECT_EQ(c_.history().back().outcome, "-failover-abort-not-fenced");
}

TEST_F(CoordinatorTest, ACandidateThatLosesItsNewLeaseIsPassedOverAtOnce) {
  c_.Step(LeaseObserved{std::nullopt, true}, At(100));
  CoordinatorReady r = c_.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  ASSERT_EQ(r.writes[0].next.primary, "b");
  c_.Step(CasResult{r.writes[0].id, true, 4}, At(150));
  c_.Step(LeaseObserved{LeaseRecord{"b", "n2", 2}}, At(200));
  EXPECT_EQ(c_.state(), FailoverState::kWaitPromotion);
  // b's agent stopped before it reported the promotion: its lease expires.
  c_.Step(LeaseObserved{}, At(3200));
  c_.Tick(At(3300));
  r = c_.TakeReady();
  EXPECT_TRUE(Has(r.events, "-failover-promotion-lease-lost"));
  EXPECT_FALSE(Has(r.events, "-failover-promotion-timeout"));
  EXPECT_TRUE(r.writes.empty()) << "b may still write until the margin passed";
  c_.Tick(At(4300));
  r = c_.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.primary, "c");
  EXPECT_EQ(r.writes[0].next.epoch, 3u);
  c_.Step(CasResult{r.writes[0].id, true, 5}, At(4350));
  c_.Step(MemberObserved{[] {
            MemberRecord m = Member("c", MemberRole::kPrimary);
            m.epoch_seen = 3;
            return m;
          }()},
          At(4400));
  c_.Tick(At(4500));
  // b (still reported healthy by its stopped agent) is not waited for.
  EXPECT_TRUE(Has(c_.TakeReady().events, "+failover-state-done"));
}

TEST_F(CoordinatorTest, OdownWithTheLeaseHeldAsksThePrimaryToStepDown) {
  ReportDown({"n2", "n3"}, At(0));
  CoordinatorReady r = c_.TakeReady();
  EXPECT_TRUE(Has(r.events, "+step-down-requested"));
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.step_down, 1u);
  EXPECT_EQ(r.writes[0].next.epoch, 1u);
  EXPECT_EQ(r.writes[0].next.primary, "a");
  EXPECT_EQ(r.writes[0].txn, GroupCas("cache", 3, r.writes[0].next, LeaseRule::kKeep));
  c_.Step(CasResult{r.writes[0].id, true, 4}, At(50));
  c_.Tick(At(100));
  EXPECT_TRUE(c_.TakeReady().writes.empty()) << "asked once; a still holds the lease";
  // a's agent fenced its member and released the lease.
  c_.Step(LeaseObserved{std::nullopt, true}, At(400));
  r = c_.TakeReady();
  EXPECT_TRUE(Has(r.events, "+fenced"));
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.primary, "b");
  EXPECT_EQ(r.writes[0].next.epoch, 2u);
  EXPECT_EQ(r.writes[0].next.step_down, 0u) << "the request ends with its epoch";
  EXPECT_EQ(r.writes[0].txn, GroupCas("cache", 4, r.writes[0].next, LeaseRule::kRequireAbsent));
}

TEST_F(CoordinatorTest, ALeaseExpiryAsksNoStepDown) {
  c_.Step(LeaseObserved{}, At(1000));
  EXPECT_FALSE(Has(c_.TakeReady().events, "+step-down-requested"));
}

class HookTest : public CoordinatorTest {
 protected:
  static GroupConfig WithHook() {
    GroupConfig c = ThreeMembers();
    c.fencing_hook = true;
    return c;
  }
  HookTest() : CoordinatorTest(WithHook()) {}
};

TEST_F(HookTest, AConfirmedHookLetsThePromotionTakeTheLease) {
  ReportDown({"n2", "n3"}, At(0));
  CoordinatorReady r = c_.TakeReady();
  ASSERT_EQ(r.fences.size(), 1u);
  EXPECT_EQ(r.fences[0].member, "a");
  EXPECT_EQ(r.fences[0].node, "n1");
  c_.Step(FenceResult{r.fences[0].id, true}, At(500));
  r = c_.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.epoch, 2u);
  EXPECT_EQ(r.writes[0].next.primary, "b");
  EXPECT_EQ(r.writes[0].txn, GroupCas("cache", 3, r.writes[0].next, LeaseRule::kTake));
}

class RemoteFenceTest : public CoordinatorTest {
 protected:
  static GroupConfig WithRemoteFence() {
    GroupConfig c = ThreeMembers();
    c.remote_fence = true;
    return c;
  }
  RemoteFenceTest() : CoordinatorTest(WithRemoteFence()) {}
};

std::string FencedBy(const std::vector<detect::Event>& events) {
  for (const detect::Event& e : events) {
    if (e.name == "+fenced") return e.Field("by");
  }
  return "";
}

// The old primary's agent and watchdog may both be gone while its server
// still takes writes: once the lease ended, the coordinator has it fenced
// through the service's protocol; the promotion still waits the margin.
TEST_F(RemoteFenceTest, AnExpiredLeaseHasTheOldPrimaryFencedRemotelyBeforeThePromotion) {
  c_.Step(LeaseObserved{}, At(1000));
  CoordinatorReady r = c_.TakeReady();
  ASSERT_EQ(r.fences.size(), 1u);
  EXPECT_TRUE(r.fences[0].remote);
  EXPECT_EQ(r.fences[0].member, "a");
  EXPECT_EQ(r.fences[0].node, "n1");
  EXPECT_EQ(r.fences[0].epoch, 1u);
  EXPECT_TRUE(Has(r.events, "+remote-fence"));
  c_.Step(FenceResult{r.fences[0].id, true}, At(1050));
  EXPECT_TRUE(Has(c_.TakeReady().events, "+remote-fence-ok"));
  c_.Tick(At(1900));
  EXPECT_TRUE(c_.TakeReady().writes.empty()) << "a remote fence does not shorten the lease wait";
  c_.Tick(At(2000));
  r = c_.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].txn, GroupCas("cache", 3, r.writes[0].next, LeaseRule::kRequireAbsent));
  EXPECT_EQ(FencedBy(r.events), "expired+remote");
  EXPECT_TRUE(r.fences.empty()) << "one remote fence per candidate round";
}

TEST_F(RemoteFenceTest, AFailedRemoteFenceLeavesTheLeaseAsTheBound) {
  c_.Step(LeaseObserved{}, At(1000));
  CoordinatorReady r = c_.TakeReady();
  ASSERT_EQ(r.fences.size(), 1u);
  c_.Step(FenceResult{r.fences[0].id, false}, At(1100));
  EXPECT_TRUE(Has(c_.TakeReady().events, "-remote-fence-failed"));
  c_.Tick(At(2000));
  r = c_.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(FencedBy(r.events), "expired");
}

// Ordered after the lease's end plus margin (a manual group's failover
// requested late): the promotion waits for the answer, at most a margin.
TEST(RemoteFenceManualTest, APromotionWaitsForARemoteFenceInFlightAtMostTheMargin) {
  GroupConfig config = ThreeMembers();
  config.remote_fence = true;
  config.failover = FailoverMode::kManual;
  Coordinator c(config, 3, At(0));
  c.Step(GroupObserved{{1, "a", GroupState::kStable, "", "", false}, 3}, At(0));
  c.Step(LeaseObserved{LeaseRecord{"a", "n1", 1}}, At(0));
  c.Step(MemberObserved{Member("a", MemberRole::kPrimary)}, At(0));
  c.Step(MemberObserved{Member("b", MemberRole::kReplica)}, At(0));
  c.Step(MemberObserved{Member("c", MemberRole::kReplica)}, At(0));
  c.Step(LeaseObserved{}, At(1000));
  c.TakeReady();
  c.Step(FailoverRequest{}, At(5000));
  CoordinatorReady r = c.TakeReady();
  ASSERT_EQ(r.fences.size(), 1u);
  EXPECT_TRUE(r.writes.empty()) << "the remote fence has not answered";
  c.Tick(At(5900));
  EXPECT_TRUE(c.TakeReady().writes.empty());
  c.Tick(At(6000));
  EXPECT_EQ(c.TakeReady().writes.size(), 1u) << "an answer lost must not stall the failover";
}

TEST_F(RemoteFenceTest, AReleasedLeaseNeedsNoRemoteFence) {
  c_.Step(LeaseObserved{std::nullopt, true}, At(100));
  const CoordinatorReady r = c_.TakeReady();
  EXPECT_TRUE(r.fences.empty());
  ASSERT_EQ(r.writes.size(), 1u);
}

class ManualTest : public CoordinatorTest {
 protected:
  static GroupConfig Manual() {
    GroupConfig c = ThreeMembers();
    c.failover = FailoverMode::kManual;
    return c;
  }
  ManualTest() : CoordinatorTest(Manual()) {}
};

TEST_F(ManualTest, ALeaseReleaseStartsNothingUntilRequested) {
  c_.Step(LeaseObserved{std::nullopt, true}, At(100));
  c_.Tick(At(5000));
  EXPECT_EQ(c_.state(), FailoverState::kNone);
  c_.Step(FailoverRequest{}, At(5100));
  const CoordinatorReady r = c_.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].txn, GroupCas("cache", 3, r.writes[0].next, LeaseRule::kRequireAbsent));
  EXPECT_EQ(c_.current()->cause, "manual");
}

TEST_F(CoordinatorTest, AnExpiredLeaseWaitsTheDriftMarginBeforePromoting) {
  c_.Step(LeaseObserved{}, At(1000));
  EXPECT_EQ(c_.state(), FailoverState::kFenceOld);
  c_.Tick(At(1900));
  EXPECT_TRUE(c_.TakeReady().writes.empty());
  c_.Tick(At(2000));
  EXPECT_EQ(c_.TakeReady().writes.size(), 1u);
  EXPECT_EQ(c_.current()->cause, "lease-expired");
}

TEST_F(CoordinatorTest, ATickGapEntersTiltAndLeavesItAfterThePeriod) {
  c_.Tick(At(1000));
  c_.Tick(At(4000));
  EXPECT_TRUE(c_.Status(At(4000)).tilt);
  c_.Step(LeaseObserved{std::nullopt, true}, At(4100));
  EXPECT_EQ(c_.state(), FailoverState::kNone) << "observes, does not act";
  for (int64_t t = 5000; t <= 34'000; t += 1000) c_.Tick(At(t));
  EXPECT_FALSE(c_.Status(At(34'000)).tilt);
  EXPECT_TRUE(Has(c_.TakeReady().events, "-tilt"));
  EXPECT_NE(c_.state(), FailoverState::kNone);
}

// The first election ranks every member: it waits until all reported, or
// drift_margin after the first report, so the preferred member (c) wins
// even when it reports last.
class FirstElectionTest : public ::testing::Test {
 protected:
  static GroupConfig Config() {
    GroupConfig c = ThreeMembers();
    c.members[2].priority = 200;
    return c;
  }
  FirstElectionTest() : config_(Config()), c_(config_, 3, At(0)) {
    c_.Step(GroupObserved{}, At(0));
    c_.Step(LeaseObserved{}, At(0));
  }
  void Report(const std::string& name, Instant now) {
    MemberRecord r = Member(name, MemberRole::kReplica);
    r.following.clear();
    r.epoch_seen = 0;
    c_.Step(MemberObserved{r}, now);
  }
  std::string Promoted() {
    for (const GroupWrite& w : c_.TakeReady().writes) {
      if (w.next.epoch == 1) return w.next.primary;
    }
    return "";
  }

  GroupConfig config_;
  Coordinator c_;
};

// Reports start 10s in, long after the absent lease's margin.
TEST_F(FirstElectionTest, WaitsForEveryMemberAndPromotesThePreferredOne) {
  Report("a", At(10'000));
  Report("b", At(10'010));
  c_.Tick(At(10'015));
  EXPECT_EQ(c_.state(), FailoverState::kNone);
  Report("c", At(10'020));
  c_.Tick(At(10'020));
  EXPECT_EQ(Promoted(), "c") << "all reported: no need to wait the margin";
  EXPECT_EQ(c_.current()->cause, "no-primary");
}

TEST_F(FirstElectionTest, AMemberThatNeverReportsDelaysItOnlyByTheDriftMargin) {
  Report("a", At(10'000));
  Report("b", At(10'010));
  c_.Tick(At(10'000) + config_.drift_margin - Duration::Millis(1));
  EXPECT_EQ(c_.state(), FailoverState::kNone);
  EXPECT_EQ(Promoted(), "");
  c_.Tick(At(10'000) + config_.drift_margin);
  EXPECT_EQ(Promoted(), "a") << "a and b tie on priority: by name";
}

// Automatic failback: a (priority 200) was primary; b took over at epoch 2.
// a came back as b's replica; failback_stable is 60s.
class FailbackTest : public ::testing::Test {
 protected:
  static GroupConfig Config(Failback failback) {
    GroupConfig c = ThreeMembers();
    c.members[0].priority = 200;
    c.failback = failback;
    c.failback_stable = Duration::Seconds(60);
    return c;
  }
  explicit FailbackTest(Failback failback = Failback::kAutomatic)
      : config_(Config(failback)), c_(config_, 3, At(0)) {
    c_.Step(GroupObserved{{2, "b", GroupState::kStable, "", "", false}, 7}, At(0));
    c_.Step(LeaseObserved{LeaseRecord{"b", "n2", 2}}, At(0));
    MemberRecord b = Member("b", MemberRole::kPrimary);
    b.epoch_seen = 2;
    b.position = 5000;
    c_.Step(MemberObserved{b}, At(0));
    c_.Step(MemberObserved{Replica("c", 5000)}, At(0));
  }
  MemberRecord Replica(std::string name, Position position,
                       detect::Health health = detect::Health::kHealthy) {
    MemberRecord r = Member(std::move(name), MemberRole::kReplica);
    r.following = "b";
    r.epoch_seen = 2;
    r.position = position;
    r.health = health;
    return r;
  }
  void ReportA(Position position, Instant now, detect::Health health = detect::Health::kHealthy) {
    c_.Step(MemberObserved{Replica("a", position, health)}, now);
  }

  GroupConfig config_;
  Coordinator c_;
};

TEST_F(FailbackTest, ThePreferredMemberGetsThePrimaryBackAfterBeingCaughtUpLongEnough) {
  ReportA(5000 - config_.max_lag_bytes - 1, At(1000));  // too far behind: no wait
  EXPECT_FALSE(Has(c_.TakeReady().events, "+failback-wait"));
  ReportA(4000, At(2000));
  EXPECT_TRUE(Has(c_.TakeReady().events, "+failback-wait"));
  c_.Tick(At(61'900));
  EXPECT_EQ(c_.state(), FailoverState::kNone);
  c_.Tick(At(62'000));
  ASSERT_EQ(c_.state(), FailoverState::kPauseWrites);
  EXPECT_EQ(c_.current()->cause, "failback");
  const CoordinatorReady r = c_.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.state, GroupState::kSwitchover);
  EXPECT_EQ(r.writes[0].next.switchover_target, "a");
  EXPECT_EQ(r.writes[0].next.epoch, 2u) << "the switchover raises the epoch later";
}

TEST_F(FailbackTest, AnyLapseRestartsTheWait) {
  ReportA(5000, At(0));
  ReportA(5000, At(30'000), detect::Health::kUnhealthy);
  EXPECT_TRUE(Has(c_.TakeReady().events, "-failback-wait"));
  ReportA(5000, At(40'000));
  c_.Tick(At(99'900));
  EXPECT_EQ(c_.state(), FailoverState::kNone) << "60s from the last lapse, not the first wait";
  c_.Tick(At(100'000));
  EXPECT_EQ(c_.state(), FailoverState::kPauseWrites);
}

TEST_F(FailbackTest, NotWhilePausedOrFollowingAnotherMember) {
  c_.Step(GroupObserved{{2, "b", GroupState::kStable, "", "", true}, 8}, At(0));
  ReportA(5000, At(0));
  c_.Tick(At(120'000));
  EXPECT_EQ(c_.state(), FailoverState::kNone) << "maintenance";
  c_.Step(GroupObserved{{2, "b", GroupState::kStable, "", "", false}, 9}, At(120'000));
  MemberRecord a = Replica("a", 5000);
  a.following = "c";
  c_.Step(MemberObserved{a}, At(120'000));
  c_.Tick(At(240'000));
  EXPECT_EQ(c_.state(), FailoverState::kNone) << "not replicating from the primary";
}

class FailbackOffTest : public FailbackTest {
 protected:
  FailbackOffTest() : FailbackTest(Failback::kOff) {}
};

TEST_F(FailbackOffTest, FailbackOffLeavesThePrimaryWhereItIs) {
  ReportA(5000, At(0));
  c_.Tick(At(600'000));
  EXPECT_EQ(c_.state(), FailoverState::kNone);
  EXPECT_FALSE(Has(c_.TakeReady().events, "+failback-wait"));
}

}  // namespace
}  // namespace baton::failover

namespace baton::failover {
namespace {

// A semi-sync group: a is primary at epoch 1, holds the lease, and has
// acknowledged writes up to position 100.
class CoordinatorSyncTest : public ::testing::Test {
 protected:
  CoordinatorSyncTest() : config_(ThreeMembers(Replication::kSemiSync)), c(config_, 3, At(0)) {
    c.Step(GroupObserved{{1, "a", GroupState::kStable, "", "", false}, 3}, At(0));
    c.Step(LeaseObserved{LeaseRecord{"a", "n1", 1}}, At(0));
  }
  void report(const std::string& name, MemberRole role, Position position, Instant at) {
    MemberRecord r = Member(name, role);
    r.position = position;
    r.acked_position = name == "a" ? 100 : 0;
    c.Step(MemberObserved{r}, at);
  }

  GroupConfig config_;
  Coordinator c;
};

// Found by baton-sim failover (seed 2860 before the fix): under semi-sync the
// candidate was ranked the instant the old primary released its lease, on a
// replica position reported one tick earlier; the other replica already held
// (and had acknowledged) a newer write, which the promotion lost.
TEST_F(CoordinatorSyncTest, RanksAgainAfterTheFenceOnPositionsThatLandedMeanwhile) {
  report("a", MemberRole::kPrimary, 100, At(0));
  report("b", MemberRole::kReplica, 100, At(0));
  report("c", MemberRole::kReplica, 90, At(0));
  c.Step(LeaseObserved{std::nullopt, true}, At(10));  // a released: fenced
  EXPECT_EQ(c.Status(At(10)).candidate, "b");
  EXPECT_TRUE(c.TakeReady().writes.empty()) << "no promotion before the reports settle";
  report("c", MemberRole::kReplica, 110, At(200));  // c acknowledged 101..110 before a stopped
  c.Tick(At(500));
  EXPECT_TRUE(c.TakeReady().writes.empty());
  c.Tick(At(1010 + 100));  // drift_margin (1s) after the fence
  const CoordinatorReady r = c.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.primary, "c");
  EXPECT_EQ(r.writes[0].next.epoch, 2u);
}

// Found by baton-sim failover (seed 158934): the old primary's restarted
// agent took its lease back while the coordinator waited in kFenceOld, then
// released it; the settling wait was measured from the first fence, so the
// candidate was ranked at once on a stale position.
TEST_F(CoordinatorSyncTest, TheSettlingWaitRestartsWhenTheOldPrimaryTookTheLeaseBack) {
  report("a", MemberRole::kPrimary, 100, At(0));
  report("b", MemberRole::kReplica, 100, At(0));
  report("c", MemberRole::kReplica, 90, At(0));
  c.Step(LeaseObserved{std::nullopt, true}, At(10));
  c.Step(LeaseObserved{LeaseRecord{"a", "n1", 1}}, At(20));  // a's agent took it back
  c.Tick(At(2000));
  EXPECT_EQ(c.state(), FailoverState::kFenceOld);
  c.Step(LeaseObserved{std::nullopt, true}, At(2100));  // released again
  EXPECT_TRUE(c.TakeReady().writes.empty()) << "the settling wait starts at this fence";
  report("c", MemberRole::kReplica, 110, At(2300));
  c.Tick(At(3200));
  const CoordinatorReady r = c.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.primary, "c");
}

// Found by baton-sim failover --overlapping-faults (seed 14816): the first
// ranking, at the release, saw the only replica one report behind the
// primary's acknowledged position and aborted (retry_after later it went on);
// the verdict that counts is the one after the fence settled.
TEST_F(CoordinatorSyncTest, WouldLoseDataAtTheReleaseWaitsForTheSettledRanking) {
  report("a", MemberRole::kPrimary, 100, At(0));
  report("b", MemberRole::kReplica, 99, At(0));
  report("c", MemberRole::kReplica, 90, At(0));
  c.Step(LeaseObserved{std::nullopt, true}, At(10));
  EXPECT_FALSE(Has(c.TakeReady().events, "-failover-abort-would-lose-data"));
  EXPECT_EQ(c.state(), FailoverState::kFenceOld);
  report("b", MemberRole::kReplica, 100, At(200));
  c.Tick(At(1100));
  const CoordinatorReady r = c.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.primary, "b");
}

// b's report says it holds position 100 too, but only c was counted for
// acknowledgements: b's report may predate a's last acknowledged write.
TEST_F(CoordinatorSyncTest, OnlyARecordedSyncStandbyIsPromoted) {
  report("a", MemberRole::kPrimary, 100, At(0));
  report("b", MemberRole::kReplica, 100, At(0));
  report("c", MemberRole::kReplica, 100, At(0));
  c.Step(SyncObserved{SyncRecord{1, "a", {"c"}, {}}}, At(0));
  c.Step(LeaseObserved{std::nullopt, true}, At(10));
  c.Tick(At(1100));
  const CoordinatorReady r = c.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.primary, "c");
}

// Found by baton-sim failover (seed 36203): b became primary at epoch 2 and
// was cut off before it recorded standbys, so epoch 2 acknowledged nothing;
// a, the primary that recorded the last set, holds every acknowledged write.
TEST_F(CoordinatorSyncTest, ThePrimaryOfTheLastRecordedSetQualifies) {
  c.Step(GroupObserved{{2, "b", GroupState::kStable, "", "", false}, 5}, At(0));
  c.Step(LeaseObserved{LeaseRecord{"b", "n2", 2}}, At(0));
  report("a", MemberRole::kReplica, 100, At(0));
  report("b", MemberRole::kPrimary, 100, At(0));
  report("c", MemberRole::kReplica, 100, At(0));
  c.Step(SyncObserved{SyncRecord{1, "a", {"b"}, {}}}, At(0));
  c.Step(LeaseObserved{}, At(10));  // b's lease expired
  c.Tick(At(1100));
  c.Tick(At(2200));
  const CoordinatorReady r = c.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.primary, "a");
  EXPECT_EQ(r.writes[0].next.epoch, 3u);
}

// Found by baton-sim failover --overlapping-faults (seed 8770): a's lease
// ended while the store was out of reach; its only synchronous standby is
// down. a itself holds every write it acknowledged: it is the last resort.
TEST_F(CoordinatorSyncTest, TheOldPrimaryIsTheLastResortWhenNoStandbyQualifies) {
  report("a", MemberRole::kFenced, 100, At(0));
  report("b", MemberRole::kReplica, 100, At(0));
  report("c", MemberRole::kReplica, 100, At(0));
  MemberRecord b = Member("b", MemberRole::kReplica);
  b.health = detect::Health::kUnhealthy;
  c.Step(MemberObserved{b}, At(0));
  c.Step(SyncObserved{SyncRecord{1, "a", {"b"}, {}}}, At(0));
  c.Step(LeaseObserved{}, At(10));  // expired
  c.Tick(At(1100));                 // drift_margin after the expiry: fenced
  EXPECT_TRUE(c.TakeReady().writes.empty());
  c.Tick(At(2200));  // and drift_margin more for the last reports
  const CoordinatorReady r = c.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.primary, "a");
  EXPECT_EQ(r.writes[0].next.epoch, 2u);
}

// After "would lose data" the coordinator retries as soon as a member's
// record changes (at most once per drift_margin), not after retry_after.
TEST_F(CoordinatorSyncTest, ARecordChangeAfterNoCandidateRetriesBeforeRetryAfter) {
  MemberRecord a = Member("a", MemberRole::kFenced);
  a.health = detect::Health::kUnhealthy;
  c.Step(MemberObserved{a}, At(0));
  report("b", MemberRole::kReplica, 100, At(0));
  report("c", MemberRole::kReplica, 100, At(0));
  MemberRecord b = Member("b", MemberRole::kReplica);
  b.position = 100;
  b.health = detect::Health::kUnhealthy;
  c.Step(MemberObserved{b}, At(0));
  c.Step(SyncObserved{SyncRecord{1, "a", {"b"}, {}}}, At(0));
  c.Step(LeaseObserved{std::nullopt, true}, At(10));
  c.Tick(At(1100));
  EXPECT_TRUE(Has(c.TakeReady().events, "-failover-abort-would-lose-data"));
  c.Tick(At(1500));
  EXPECT_EQ(c.state(), FailoverState::kNone) << "nothing changed: no retry";
  report("b", MemberRole::kReplica, 100, At(1600));  // b healthy again
  c.Tick(At(1700));
  EXPECT_EQ(c.state(), FailoverState::kNone) << "not within drift_margin of the abort";
  c.Tick(At(2100));
  EXPECT_NE(c.state(), FailoverState::kNone) << "retried at abort + drift_margin, not +10s";
  c.Tick(At(3200));
  const CoordinatorReady r = c.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.primary, "b");
}

// Seen in Redis bench runs: a coordinator wrote "b primary at epoch 2" and
// lost office before b's agent took the lease. The next coordinator must not
// treat b as a failed old primary and exclude it: b never wrote at epoch 2,
// and here it is the member with every write.
TEST(CoordinatorTakeoverTest, AnUnacquiredPromotionOfAPreviousCoordinatorKeepsItsCandidate) {
  GroupConfig config = ThreeMembers(Replication::kAsync);
  config.max_lag_bytes = 1000;
  Coordinator c(config, 3, At(0));
  c.Step(GroupObserved{{2, "b", GroupState::kFailover, "lease-expired", "", false}, 9}, At(0));
  c.Step(LeaseObserved{}, At(0));
  MemberRecord a = Member("a", MemberRole::kPrimary);
  a.health = detect::Health::kUnhealthy;
  a.position = 1000;
  c.Step(MemberObserved{a}, At(0));
  MemberRecord b = Member("b", MemberRole::kReplica);
  b.position = 1000;
  c.Step(MemberObserved{b}, At(0));
  MemberRecord cr = Member("c", MemberRole::kReplica);
  cr.position = 400;  // lagging, still within max_lag_bytes of b
  c.Step(MemberObserved{cr}, At(0));
  EXPECT_TRUE(Has(c.TakeReady().events, "+promotion-unconfirmed"));
  c.Tick(At(1100));
  const CoordinatorReady r = c.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.primary, "b");
  EXPECT_EQ(r.writes[0].next.epoch, 3u);
}

// Found by baton-sim failover --overlapping-faults (seed 47892): while the
// new coordinator waited, b's agent did take the lease at epoch 2, then was
// cut off; b is now an old primary that may have written, not a candidate.
TEST(CoordinatorTakeoverTest, AnUnconfirmedPromotionConfirmedMeanwhileIsAnOldPrimaryAgain) {
  Coordinator c(ThreeMembers(Replication::kSemiSync), 3, At(0));
  c.Step(GroupObserved{{2, "b", GroupState::kFailover, "lease-expired", "", false}, 9}, At(0));
  for (const char* name : {"a", "b", "c"}) {
    MemberRecord r = Member(name, MemberRole::kReplica);
    r.position = r.member == "b" ? 1100 : 1000;  // b would rank first as a candidate
    c.Step(MemberObserved{r}, At(0));
  }
  c.Step(LeaseObserved{}, At(0));
  EXPECT_TRUE(Has(c.TakeReady().events, "+promotion-unconfirmed"));
  c.Step(LeaseObserved{LeaseRecord{"b", "n2", 2}}, At(100));  // b's agent took it
  c.Step(LeaseObserved{}, At(3000));                          // and its lease expired
  c.Tick(At(4100));                                           // fenced: expiry + margin
  c.Tick(At(5200));                                           // ranked again after settling
  const CoordinatorReady r = c.TakeReady();
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0].next.primary, "a");
}

// Active-active: no group record, no lease; the serving set follows readiness.
class ActiveActiveTest : public ::testing::Test {
 protected:
  static GroupConfig Config() {
    GroupConfig c = ThreeMembers();
    c.mode = GroupMode::kActiveActive;
    return c;
  }
  ActiveActiveTest() : config_(Config()), c_(config_, 3, At(0)) {
    c_.Step(GroupObserved{GroupRecord{}, 0}, At(0));
    c_.Step(LeaseObserved{std::nullopt, false}, At(0));
  }
  void Report(const std::string& name, detect::Health health, Instant now,
              std::set<std::string> down_by = {}) {
    MemberRecord r = Member(name, MemberRole::kUnknown, std::move(down_by));
    r.epoch_seen = 0;
    r.health = health;
    c_.Step(MemberObserved{r}, now);
  }
  // Answers the one serving write of the Ready.
  CoordinatorReady Answer(bool succeeded, Instant now) {
    CoordinatorReady r = c_.TakeReady();
    EXPECT_EQ(r.serving.size(), 1u);
    if (r.serving.empty()) return r;
    c_.Step(CasResult{r.serving[0].id, succeeded, 0}, now);
    return r;
  }

  GroupConfig config_;
  Coordinator c_;
};

TEST_F(ActiveActiveTest, PublishesOneCasAtATimeWithTheEpochRaisedByOne) {
  Report("a", detect::Health::kHealthy, At(10));
  Report("b", detect::Health::kHealthy, At(10));  // while the first write is in flight
  CoordinatorReady first = Answer(true, At(20));
  EXPECT_EQ(first.serving[0].next, (ServingRecord{1, {"a"}}));
  EXPECT_EQ(first.serving[0].txn, ServingCas("cache", ServingRecord{}, first.serving[0].next));
  EXPECT_TRUE(first.events.empty()) << "events only once the store took the set";

  CoordinatorReady second = c_.TakeReady();  // b and c: the set as it is now
  ASSERT_EQ(second.serving_changes.size(), 1u);
  EXPECT_EQ(second.serving_changes[0].joined, std::vector<std::string>{"a"});
  EXPECT_EQ(second.serving_changes[0].published, At(20));
  EXPECT_TRUE(Has(second.events, "+serving"));
  ASSERT_EQ(second.serving.size(), 1u);
  EXPECT_EQ(second.serving[0].next, (ServingRecord{2, {"a", "b"}}));
  EXPECT_EQ(second.serving[0].txn,
            ServingCas("cache", ServingRecord{1, {"a"}}, second.serving[0].next));
  EXPECT_TRUE(second.writes.empty() && second.fences.empty()) << "no group record, no fence";
}

TEST_F(ActiveActiveTest, ARefusedCasWaitsAndTriesAgainFromTheRecordThatBeatIt) {
  Report("a", detect::Health::kHealthy, At(10));
  Answer(false, At(20));
  EXPECT_TRUE(Has(c_.TakeReady().events, "-serving-cas-failed"));
  c_.Tick(At(50));
  EXPECT_TRUE(c_.TakeReady().serving.empty()) << "waits before trying again";
  c_.Step(ServingObserved{ServingRecord{4, {"b"}}}, At(60));  // another coordinator's
  c_.Tick(At(130));
  CoordinatorReady r = c_.TakeReady();
  ASSERT_EQ(r.serving.size(), 1u);
  EXPECT_EQ(r.serving[0].next, (ServingRecord{5, {"a"}}));
  EXPECT_EQ(r.serving[0].txn, ServingCas("cache", ServingRecord{4, {"b"}}, r.serving[0].next));
}

TEST_F(ActiveActiveTest, AMemberLeavesWhenUnhealthyOrDownForAMajority) {
  Report("a", detect::Health::kHealthy, At(0));
  Answer(true, At(1));
  Report("b", detect::Health::kHealthy, At(2));
  Answer(true, At(3));
  Report("c", detect::Health::kHealthy, At(4));
  Answer(true, At(5));
  Report("b", detect::Health::kUnhealthy, At(6));
  CoordinatorReady r = Answer(true, At(7));
  EXPECT_EQ(r.serving[0].next, (ServingRecord{4, {"a", "c"}}));
  EXPECT_TRUE(Has(c_.TakeReady().events, "-serving"));
  Report("c", detect::Health::kHealthy, At(8), {"n1"});  // one observer: stays
  EXPECT_TRUE(c_.TakeReady().serving.empty());
  Report("c", detect::Health::kHealthy, At(9), {"n1", "n2"});  // its agent may be dead
  r = Answer(true, At(10));
  EXPECT_EQ(r.serving[0].next, (ServingRecord{5, {"a"}}));
  Report("b", detect::Health::kHealthy, At(11));
  r = Answer(true, At(12));
  EXPECT_EQ(r.serving[0].next, (ServingRecord{6, {"a", "b"}}));
  const std::vector<ServingChange> changes = c_.TakeReady().serving_changes;
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].joined, std::vector<std::string>{"b"});
}

TEST_F(ActiveActiveTest, FailoverAndSwitchoverAreRefused) {
  Report("a", detect::Health::kHealthy, At(0));
  c_.TakeReady();
  c_.Step(FailoverRequest{}, At(1));
  c_.Step(SwitchoverRequest{"a"}, At(2));
  const CoordinatorReady r = c_.TakeReady();
  EXPECT_TRUE(Has(r.events, "-failover-refused"));
  EXPECT_TRUE(Has(r.events, "-switchover-refused"));
  EXPECT_EQ(c_.state(), FailoverState::kNone);
}

}  // namespace
}  // namespace baton::failover
