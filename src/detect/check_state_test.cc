#include "detect/check_state.h"

#include <gtest/gtest.h>

#include <set>

namespace baton::detect {
namespace {

Instant At(int64_t ms) { return Instant::FromNanos(0) + Duration::Millis(ms); }

CheckConfig TestConfig() {
  CheckConfig config;
  config.kind = CheckKind::kLiveness;
  config.interval = Duration::Seconds(1);
  config.timeout = Duration::Millis(500);
  config.rise = 2;
  config.fall = 3;
  config.jitter = Duration::Zero();
  return config;
}

const ProbeResult kOk{.ok = true, .latency = Duration::Millis(3), .output = "PONG"};
const ProbeResult kFail{
    .ok = false, .latency = Duration::Millis(4), .output = "connection refused"};

// Drives a check the way the agent does, one probe per interval, answering
// each probe 10ms after it starts.
class CheckDriver {
 public:
  explicit CheckDriver(CheckConfig config, uint64_t seed = 1)
      : rng_(seed), check_("db-1", config, rng_, At(0)) {}

  // Waits for the next probe and answers it; returns the transition.
  Transition Answer(const ProbeResult& result) {
    const Instant due = check_.NextWakeup();
    const TickResult tick = check_.Tick(due);
    EXPECT_TRUE(tick.probe.has_value());
    return check_.OnResult(tick.probe->id, result, due + Duration::Millis(10));
  }

  CheckState& check() { return check_; }

 private:
  Rng rng_;
  CheckState check_;
};

TEST(CheckStateTest, AsksForOneProbeAtATime) {
  Rng rng(1);
  CheckState check("db-1", TestConfig(), rng, At(0));
  EXPECT_EQ(check.NextWakeup(), At(0));
  const TickResult first = check.Tick(At(0));
  ASSERT_TRUE(first.probe.has_value());
  EXPECT_EQ(first.probe->id, 1u);
  EXPECT_EQ(first.probe->target, "db-1");
  EXPECT_EQ(first.probe->kind, CheckKind::kLiveness);
  EXPECT_EQ(first.probe->start, At(0));
  EXPECT_EQ(first.probe->deadline, At(500));
  EXPECT_EQ(first.transition, Transition::kUnchanged);
  // While it is in flight nothing else is asked for, and the next wakeup is
  // its deadline.
  EXPECT_FALSE(check.Tick(At(100)).probe.has_value());
  EXPECT_EQ(check.NextWakeup(), At(500));
  EXPECT_EQ(check.OnResult(1, kOk, At(120)), Transition::kChanged);
  // The next one is due one interval after the previous start.
  EXPECT_EQ(check.NextWakeup(), At(1000));
  EXPECT_FALSE(check.Tick(At(999)).probe.has_value());
  const TickResult second = check.Tick(At(1000));
  ASSERT_TRUE(second.probe.has_value());
  EXPECT_EQ(second.probe->id, 2u);
  EXPECT_EQ(check.stats().probes_started, 2u);
}

TEST(CheckStateTest, FirstSuccessDecidesHealthy) {
  CheckDriver driver(TestConfig());
  EXPECT_EQ(driver.check().health(), Health::kUnknown);
  EXPECT_EQ(driver.Answer(kOk), Transition::kChanged);
  EXPECT_EQ(driver.check().health(), Health::kHealthy);
  const std::vector<Event> events = driver.check().TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].ToString(),
            "+healthy db-1 kind=liveness from=unknown probe=1 in_row=1 latency=3ms output=PONG");
  EXPECT_EQ(events[0].time, At(10));
  EXPECT_TRUE(driver.check().TakeEvents().empty());
}

TEST(CheckStateTest, FirstFailureDecidesUnhealthyWithoutWaitingForFall) {
  CheckDriver driver(TestConfig());
  EXPECT_EQ(driver.Answer(kFail), Transition::kChanged);
  EXPECT_EQ(driver.check().health(), Health::kUnhealthy);
  const std::vector<Event> events = driver.check().TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].name, "+unhealthy");
  EXPECT_EQ(events[0].Field("from"), "unknown");
  EXPECT_EQ(events[0].Field("output"), "connection refused");
}

TEST(CheckStateTest, FallConsecutiveFailuresTurnHealthyUnhealthy) {
  CheckDriver driver(TestConfig());
  ASSERT_EQ(driver.Answer(kOk), Transition::kChanged);
  driver.check().TakeEvents();
  EXPECT_EQ(driver.Answer(kFail), Transition::kPending);
  EXPECT_EQ(driver.Answer(kFail), Transition::kPending);
  EXPECT_EQ(driver.check().health(), Health::kHealthy);
  EXPECT_EQ(driver.check().failures_in_row(), 2);
  EXPECT_EQ(driver.Answer(kFail), Transition::kChanged);
  EXPECT_EQ(driver.check().health(), Health::kUnhealthy);
  const std::vector<Event> events = driver.check().TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].name, "+unhealthy");
  EXPECT_EQ(events[0].Field("from"), "healthy");
  EXPECT_EQ(events[0].Field("in_row"), "3");
  EXPECT_EQ(events[0].Field("probe"), "4");
  // Further failures change nothing.
  EXPECT_EQ(driver.Answer(kFail), Transition::kUnchanged);
}

TEST(CheckStateTest, FlappingBelowThresholdsNeverFlips) {
  CheckDriver driver(TestConfig());
  ASSERT_EQ(driver.Answer(kOk), Transition::kChanged);
  // fall = 3: two failures, then a success resets the run, again and again.
  for (int round = 0; round < 5; ++round) {
    EXPECT_EQ(driver.Answer(kFail), Transition::kPending);
    EXPECT_EQ(driver.Answer(kFail), Transition::kPending);
    EXPECT_EQ(driver.Answer(kOk), Transition::kUnchanged);
    EXPECT_EQ(driver.check().failures_in_row(), 0);
    EXPECT_EQ(driver.check().successes_in_row(), 1);
  }
  EXPECT_EQ(driver.check().health(), Health::kHealthy);
  EXPECT_EQ(driver.check().TakeEvents().size(), 1u);  // only the initial +healthy
}

TEST(CheckStateTest, RiseConsecutiveSuccessesTurnUnhealthyHealthy) {
  CheckDriver driver(TestConfig());
  ASSERT_EQ(driver.Answer(kFail), Transition::kChanged);
  driver.check().TakeEvents();
  // rise = 2: a failure between two successes resets the run.
  EXPECT_EQ(driver.Answer(kOk), Transition::kPending);
  EXPECT_EQ(driver.Answer(kFail), Transition::kUnchanged);
  EXPECT_EQ(driver.check().successes_in_row(), 0);
  EXPECT_EQ(driver.Answer(kOk), Transition::kPending);
  EXPECT_EQ(driver.check().health(), Health::kUnhealthy);
  EXPECT_EQ(driver.Answer(kOk), Transition::kChanged);
  EXPECT_EQ(driver.check().health(), Health::kHealthy);
  const std::vector<Event> events = driver.check().TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].name, "-unhealthy");
  EXPECT_EQ(events[0].Field("from"), "unhealthy");
  EXPECT_EQ(events[0].Field("in_row"), "2");
}

TEST(CheckStateTest, ProbeWithoutResultFailsAtItsDeadline) {
  Rng rng(1);
  CheckConfig config = TestConfig();
  config.fall = 1;
  CheckState check("db-1", config, rng, At(0));
  ASSERT_TRUE(check.Tick(At(0)).probe.has_value());
  ASSERT_EQ(check.OnResult(1, kOk, At(5)), Transition::kChanged);
  ASSERT_TRUE(check.Tick(At(1000)).probe.has_value());
  EXPECT_EQ(check.Tick(At(1499)).transition, Transition::kUnchanged);
  EXPECT_EQ(check.health(), Health::kHealthy);
  check.TakeEvents();

  // Ticked late: the failure is dated at the deadline, not at the tick.
  const TickResult tick = check.Tick(At(1700));
  EXPECT_EQ(tick.transition, Transition::kChanged);
  EXPECT_FALSE(tick.probe.has_value());
  EXPECT_EQ(check.health(), Health::kUnhealthy);
  EXPECT_EQ(check.stats().timeouts, 1u);
  ASSERT_TRUE(check.last_result().has_value());
  EXPECT_FALSE(check.last_result()->ok);
  EXPECT_EQ(check.last_result()->output, "timeout after 500ms");
  EXPECT_EQ(check.last_latency(), Duration::Millis(500));
  const std::vector<Event> events = check.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].name, "+unhealthy");
  EXPECT_EQ(events[0].time, At(1500));
}

TEST(CheckStateTest, LateResultIsIgnoredAndCounted) {
  Rng rng(1);
  CheckState check("db-1", TestConfig(), rng, At(0));
  ASSERT_TRUE(check.Tick(At(0)).probe.has_value());
  EXPECT_EQ(check.Tick(At(500)).transition, Transition::kChanged);  // timeout decides unhealthy
  EXPECT_EQ(check.OnResult(1, kOk, At(600)), Transition::kUnchanged);
  EXPECT_EQ(check.health(), Health::kUnhealthy);
  EXPECT_EQ(check.successes_in_row(), 0);
  EXPECT_EQ(check.stats().late_results, 1u);
  EXPECT_EQ(check.stats().successes, 0u);
}

TEST(CheckStateTest, ResultAtTheDeadlineIsLateEvenWithoutATick) {
  Rng rng(1);
  CheckState check("db-1", TestConfig(), rng, At(0));
  ASSERT_TRUE(check.Tick(At(0)).probe.has_value());
  // The deadline passed before the result was handed in: the timeout is
  // counted first (and decides the health), the result is late.
  EXPECT_EQ(check.OnResult(1, kOk, At(500)), Transition::kChanged);
  EXPECT_EQ(check.health(), Health::kUnhealthy);
  EXPECT_EQ(check.stats().timeouts, 1u);
  EXPECT_EQ(check.stats().late_results, 1u);
}

TEST(CheckStateTest, StartPeriodIgnoresFailures) {
  CheckConfig config = TestConfig();
  config.start_period = Duration::Millis(3500);
  CheckDriver driver(config);
  // Probes at 0, 1s, 2s, 3s fail inside the start period: not counted.
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(driver.check().in_start_period(driver.check().NextWakeup()));
    EXPECT_EQ(driver.Answer(kFail), Transition::kUnchanged);
    EXPECT_EQ(driver.check().health(), Health::kUnknown);
    EXPECT_EQ(driver.check().failures_in_row(), 0);
  }
  EXPECT_EQ(driver.check().stats().ignored_failures, 4u);
  EXPECT_EQ(driver.check().stats().failures, 4u);
  ASSERT_TRUE(driver.check().last_result().has_value());
  EXPECT_EQ(driver.check().last_result()->output, "connection refused");
  // The probe at 4s is past the start period: its failure decides.
  EXPECT_FALSE(driver.check().in_start_period(driver.check().NextWakeup()));
  EXPECT_EQ(driver.Answer(kFail), Transition::kChanged);
  EXPECT_EQ(driver.check().health(), Health::kUnhealthy);
}

TEST(CheckStateTest, FirstSuccessEndsTheStartPeriod) {
  CheckConfig config = TestConfig();
  config.start_period = Duration::Seconds(60);
  CheckDriver driver(config);
  EXPECT_EQ(driver.Answer(kFail), Transition::kUnchanged);
  EXPECT_EQ(driver.Answer(kOk), Transition::kChanged);
  EXPECT_EQ(driver.check().health(), Health::kHealthy);
  EXPECT_FALSE(driver.check().in_start_period(At(2000)));
  // Failures now count, although the 60s have not passed.
  EXPECT_EQ(driver.Answer(kFail), Transition::kPending);
  EXPECT_EQ(driver.Answer(kFail), Transition::kPending);
  EXPECT_EQ(driver.Answer(kFail), Transition::kChanged);
  EXPECT_EQ(driver.check().health(), Health::kUnhealthy);
}

TEST(CheckStateTest, JitterStaysWithinBounds) {
  CheckConfig config = TestConfig();
  config.jitter = Duration::Millis(200);
  CheckDriver driver(config, 7);
  EXPECT_GE(driver.check().NextWakeup(), At(0));
  EXPECT_LE(driver.check().NextWakeup(), At(200));
  std::set<int64_t> gaps_ms;
  Instant previous_start = driver.check().NextWakeup();
  for (int i = 0; i < 200; ++i) {
    driver.Answer(kOk);
    const Instant next_start = driver.check().NextWakeup();
    const Duration gap = next_start - previous_start;
    EXPECT_GE(gap, Duration::Seconds(1));
    EXPECT_LE(gap, Duration::Millis(1200));
    gaps_ms.insert(gap.millis());
    previous_start = next_start;
  }
  // The draws spread over the range rather than repeating one value.
  EXPECT_GT(gaps_ms.size(), 50u);
  EXPECT_LT(*gaps_ms.begin(), 1050);
  EXPECT_GT(*gaps_ms.rbegin(), 1150);
}

std::vector<Instant> ProbeStarts(uint64_t seed) {
  CheckConfig config = TestConfig();
  config.jitter = Duration::Millis(200);
  CheckDriver driver(config, seed);
  std::vector<Instant> starts;
  for (int i = 0; i < 20; ++i) {
    starts.push_back(driver.check().NextWakeup());
    driver.Answer(kOk);
  }
  return starts;
}

TEST(CheckStateTest, JitterIsDeterministicForASeed) {
  EXPECT_EQ(ProbeStarts(42), ProbeStarts(42));
  EXPECT_NE(ProbeStarts(42), ProbeStarts(43));
}

TEST(CheckStateDeathTest, ResultForAProbeNeverRequestedIsABug) {
  Rng rng(1);
  CheckState check("db-1", TestConfig(), rng, At(0));
  EXPECT_DEATH(check.OnResult(1, kOk, At(1)), "never requested");
}

TEST(CheckStateDeathTest, InvalidConfigIsABug) {
  Rng rng(1);
  CheckConfig config = TestConfig();
  config.fall = 0;
  EXPECT_DEATH(CheckState("db-1", config, rng, At(0)), "fall must be >= 1");
}

}  // namespace
}  // namespace baton::detect
