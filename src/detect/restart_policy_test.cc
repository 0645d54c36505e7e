#include "detect/restart_policy.h"

#include <gtest/gtest.h>

namespace baton::detect {
namespace {

Instant At(int64_t ms) { return Instant::FromNanos(0) + Duration::Millis(ms); }

RestartConfig TestConfig() {
  return RestartConfig{.initial_backoff = Duration::Seconds(1),
                       .max_backoff = Duration::Seconds(30),
                       .multiplier = 2.0,
                       .stable_after = Duration::Seconds(60),
                       .max_restarts = 100,
                       .budget_window = Duration::Seconds(600)};
}

// Fails the member `run` after it restarts, as a supervisor would.
RestartDecision FailAfterRun(RestartPolicy& policy, Instant started, Duration run) {
  policy.OnStarted(started);
  return policy.OnFailure(started + run, "exit status 1");
}

TEST(RestartPolicyTest, BackoffDoublesUpToTheCap) {
  RestartPolicy policy("redis-a", TestConfig());
  Instant now = At(0);
  std::vector<int64_t> backoffs_s;
  RestartDecision decision = FailAfterRun(policy, now, Duration::Seconds(1));
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(decision.restart);
    EXPECT_EQ(decision.attempt, i + 1);
    EXPECT_EQ(decision.restart_at - decision.backoff, now + Duration::Seconds(1));
    backoffs_s.push_back(decision.backoff.millis() / 1000);
    now = decision.restart_at;
    decision = FailAfterRun(policy, now, Duration::Seconds(1));
  }
  EXPECT_EQ(backoffs_s, (std::vector<int64_t>{1, 2, 4, 8, 16, 30, 30, 30}));
  EXPECT_EQ(policy.consecutive_failures(), 9);
}

TEST(RestartPolicyTest, AStableRunResetsTheBackoff) {
  RestartPolicy policy("redis-a", TestConfig());
  EXPECT_EQ(FailAfterRun(policy, At(0), Duration::Seconds(5)).backoff, Duration::Seconds(1));
  EXPECT_EQ(FailAfterRun(policy, At(10'000), Duration::Seconds(5)).backoff, Duration::Seconds(2));
  EXPECT_EQ(FailAfterRun(policy, At(20'000), Duration::Seconds(59)).backoff, Duration::Seconds(4));
  // Ran for stable_after: the next restart is quick again.
  const RestartDecision after_stable = FailAfterRun(policy, At(90'000), Duration::Seconds(60));
  EXPECT_EQ(after_stable.backoff, Duration::Seconds(1));
  EXPECT_EQ(after_stable.attempt, 1);
}

TEST(RestartPolicyTest, ExhaustedBudgetMarksTheMemberCrashLooping) {
  RestartConfig config = TestConfig();
  config.max_restarts = 3;
  config.budget_window = Duration::Seconds(60);
  RestartPolicy policy("redis-a", config);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(FailAfterRun(policy, At(i * 10'000), Duration::Seconds(2)).restart);
  }
  std::vector<Event> events = policy.TakeEvents();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].ToString(), "+restart redis-a attempt=1 backoff=1s reason=exit status 1");
  EXPECT_EQ(events[2].Field("attempt"), "3");

  const RestartDecision refused = FailAfterRun(policy, At(30'000), Duration::Seconds(2));
  EXPECT_FALSE(refused.restart);
  EXPECT_TRUE(policy.crash_looping());
  events = policy.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].ToString(), "+crash-loop redis-a restarts=3 window=60s reason=exit status 1");
  EXPECT_EQ(events[0].time, At(32'000));

  // It stays down, with no repeated event, even after the window has passed.
  EXPECT_FALSE(policy.OnFailure(At(500'000), "liveness").restart);
  EXPECT_TRUE(policy.TakeEvents().empty());
}

TEST(RestartPolicyTest, TheBudgetWindowSlides) {
  RestartConfig config = TestConfig();
  config.max_restarts = 2;
  config.budget_window = Duration::Seconds(60);
  RestartPolicy policy("redis-a", config);
  EXPECT_TRUE(policy.OnFailure(At(0), "exit").restart);
  EXPECT_TRUE(policy.OnFailure(At(30'000), "exit").restart);
  // The restart at 0s leaves the window at 60s.
  EXPECT_TRUE(policy.OnFailure(At(60'000), "exit").restart);
  EXPECT_FALSE(policy.OnFailure(At(61'000), "exit").restart);
}

TEST(RestartPolicyTest, ClearingTheCrashLoopStartsAfresh) {
  RestartConfig config = TestConfig();
  config.max_restarts = 1;
  RestartPolicy policy("redis-a", config);
  ASSERT_TRUE(policy.OnFailure(At(0), "exit").restart);
  ASSERT_FALSE(policy.OnFailure(At(1000), "exit").restart);
  policy.TakeEvents();

  policy.ClearCrashLoop(At(5000));
  EXPECT_FALSE(policy.crash_looping());
  std::vector<Event> events = policy.TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].ToString(), "-crash-loop redis-a");
  const RestartDecision decision = policy.OnFailure(At(6000), "exit");
  EXPECT_TRUE(decision.restart);
  EXPECT_EQ(decision.backoff, Duration::Seconds(1));
  // Clearing when not crash-looping queues nothing.
  policy.ClearCrashLoop(At(7000));
  EXPECT_EQ(policy.TakeEvents().size(), 1u);  // only the +restart above
}

TEST(RestartPolicyTest, ConfigValidation) {
  EXPECT_TRUE(RestartConfig{}.Validate().ok());
  RestartConfig config;
  config.max_backoff = Duration::Millis(500);
  EXPECT_EQ(config.Validate().message(),
            "restart max_backoff (500ms) must be >= initial_backoff (1s)");
  config = RestartConfig{};
  config.multiplier = 0.5;
  EXPECT_EQ(config.Validate().message(), "restart multiplier must be >= 1, got 0.500000");
  config = RestartConfig{};
  config.max_restarts = 0;
  EXPECT_EQ(config.Validate().message(), "restart max_restarts must be >= 1, got 0");
  config = RestartConfig{};
  config.budget_window = Duration::Zero();
  EXPECT_TRUE(config.Validate().IsInvalidArgument());
  config = RestartConfig{};
  config.stable_after = Duration::Zero();
  EXPECT_TRUE(config.Validate().IsInvalidArgument());
}

}  // namespace
}  // namespace baton::detect
