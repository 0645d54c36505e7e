#include "detect/phi_accrual_detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"

namespace baton::detect {
namespace {

Instant At(int64_t ms) { return Instant::FromNanos(0) + Duration::Millis(ms); }

PhiAccrualConfig NoPauseConfig() {
  return PhiAccrualConfig{.threshold = 8,
                          .window = 1000,
                          .min_stddev = Duration::Millis(10),
                          .acceptable_pause = Duration::Zero(),
                          .first_heartbeat_estimate = Duration::Millis(100)};
}

// Feeds `count` heartbeats 100ms + U[0, 20ms] apart from At(0); returns the
// last arrival.
Instant FeedJittered(PhiAccrualDetector& detector, int count, uint64_t seed) {
  Rng rng(seed);
  Instant t = At(0);
  for (int i = 1; i < count; ++i) {
    detector.Heartbeat(t);
    t += Duration::Millis(100) + Duration::Micros(rng.UniformInt(0, 20'000));
  }
  detector.Heartbeat(t);
  return t;
}

TEST(PhiOfStandardScoreTest, MatchesTheNormalTail) {
  EXPECT_NEAR(PhiOfStandardScore(0), 0.30103, 1e-5);               // 1 - F = 0.5
  EXPECT_NEAR(PhiOfStandardScore(1.2815515655446004), 1.0, 1e-9);  // 1 - F = 0.1
  EXPECT_NEAR(PhiOfStandardScore(3.090232306167813), 3.0, 1e-9);   // 1 - F = 0.001
  EXPECT_NEAR(PhiOfStandardScore(10), 23.118053405486, 1e-9);
  EXPECT_EQ(PhiOfStandardScore(-50), 0);
}

TEST(PhiOfStandardScoreTest, StaysFiniteAndMonotoneFarInTheTail) {
  // 1 - F underflows a double near z = 38; phi must not.
  EXPECT_NEAR(PhiOfStandardScore(36.7), 294.437525209881, 1e-6);
  EXPECT_NEAR(PhiOfStandardScore(36.8), 296.034737441717, 1e-6);
  EXPECT_NEAR(PhiOfStandardScore(40), 349.437006459346, 1e-6);
  EXPECT_NEAR(PhiOfStandardScore(100), 2173.871542869034, 1e-6);
  double previous = PhiOfStandardScore(-10);
  for (double z = -10; z <= 200; z += 0.01) {
    const double phi = PhiOfStandardScore(z);
    ASSERT_TRUE(std::isfinite(phi)) << z;
    ASSERT_GE(phi, previous) << z;
    previous = phi;
  }
}

TEST(PhiAccrualDetectorTest, FirstHeartbeatSeedsTheWindowWithTheEstimate) {
  PhiAccrualDetector detector(NoPauseConfig());
  EXPECT_EQ(detector.Suspicion(At(5000)), 0);
  EXPECT_FALSE(detector.Suspected(At(5000)));
  detector.Heartbeat(At(0));
  EXPECT_EQ(detector.sample_count(), 2u);
  EXPECT_EQ(detector.mean(), Duration::Millis(100));
  EXPECT_EQ(detector.stddev(), Duration::Millis(25));
  EXPECT_TRUE(detector.Suspected(At(5000)));
}

TEST(PhiAccrualDetectorTest, RegularHeartbeatsKeepPhiLow) {
  PhiAccrualDetector detector(NoPauseConfig());
  const Instant last = FeedJittered(detector, 2000, 1);
  EXPECT_NEAR(detector.mean().millis(), 110, 2);
  EXPECT_NEAR(detector.stddev().millis(), 6, 2);  // U[0,20ms] has stddev 5.8ms
  EXPECT_LT(detector.Suspicion(last + Duration::Millis(100)), 0.5);
  EXPECT_FALSE(detector.Suspected(last + Duration::Millis(120)));
}

TEST(PhiAccrualDetectorTest, PhiGrowsWithSilence) {
  PhiAccrualDetector detector(NoPauseConfig());
  const Instant last = FeedJittered(detector, 500, 2);
  double previous = 0;
  for (int ms = 100; ms <= 2000; ms += 10) {
    const double phi = detector.Suspicion(last + Duration::Millis(ms));
    EXPECT_GE(phi, previous) << ms;
    previous = phi;
  }
  EXPECT_GT(detector.Suspicion(last + Duration::Millis(200)), 8);
  EXPECT_GT(detector.Suspicion(last + Duration::Seconds(10)), 1000);
  EXPECT_TRUE(std::isfinite(detector.Suspicion(last + Duration::Seconds(3600))));
}

TEST(PhiAccrualDetectorTest, APauseRaisesPhiUnlessItIsAcceptable) {
  PhiAccrualDetector strict(NoPauseConfig());
  PhiAccrualConfig tolerant_config = NoPauseConfig();
  tolerant_config.acceptable_pause = Duration::Millis(500);
  PhiAccrualDetector tolerant(tolerant_config);
  const Instant last = FeedJittered(strict, 500, 3);
  FeedJittered(tolerant, 500, 3);
  const Instant after_pause = last + Duration::Millis(110 + 400);
  EXPECT_TRUE(strict.Suspected(after_pause));
  EXPECT_FALSE(tolerant.Suspected(after_pause));
  EXPECT_LT(tolerant.Suspicion(after_pause), 1);
}

TEST(PhiAccrualDetectorTest, AcceptablePauseDelaysSuspicionByExactlyThePause) {
  PhiAccrualConfig paused_config = NoPauseConfig();
  paused_config.acceptable_pause = Duration::Millis(200);
  PhiAccrualDetector plain(NoPauseConfig());
  PhiAccrualDetector paused(paused_config);
  FeedJittered(plain, 300, 4);
  FeedJittered(paused, 300, 4);
  const Duration shift = paused.SuspectAt() - plain.SuspectAt();
  EXPECT_LE(std::abs((shift - Duration::Millis(200)).nanos()), 1);
}

TEST(PhiAccrualDetectorTest, SuspectAtIsTheFirstSuspectedInstant) {
  for (double threshold : {0.5, 1.0, 3.0, 8.0, 16.0, 100.0}) {
    PhiAccrualConfig config = NoPauseConfig();
    config.threshold = threshold;
    PhiAccrualDetector detector(config);
    FeedJittered(detector, 100, 5);
    const Instant at = detector.SuspectAt();
    EXPECT_TRUE(detector.Suspected(at)) << threshold;
    EXPECT_FALSE(detector.Suspected(at - Duration::Nanos(1))) << threshold;
  }
}

TEST(PhiAccrualDetectorTest, MinStddevFloorsPerfectlyRegularHeartbeats) {
  PhiAccrualConfig config = NoPauseConfig();
  config.window = 10;
  PhiAccrualDetector detector(config);
  for (int i = 0; i <= 20; ++i) detector.Heartbeat(At(100 * i));
  EXPECT_EQ(detector.stddev(), Duration::Zero());
  // One floor-stddev past the mean is z = 1, not z = infinity.
  EXPECT_NEAR(detector.Suspicion(At(2000 + 100 + 10)), 0.79954554, 1e-6);
}

TEST(PhiAccrualDetectorTest, WindowKeepsOnlyTheNewestSamples) {
  PhiAccrualConfig config = NoPauseConfig();
  config.window = 10;
  PhiAccrualDetector detector(config);
  Instant t = At(0);
  detector.Heartbeat(t);
  for (int i = 0; i < 10; ++i) detector.Heartbeat(t += Duration::Millis(100));
  EXPECT_EQ(detector.sample_count(), 10u);
  EXPECT_EQ(detector.mean(), Duration::Millis(100));
  for (int i = 0; i < 5; ++i) detector.Heartbeat(t += Duration::Millis(300));
  EXPECT_EQ(detector.sample_count(), 10u);
  EXPECT_EQ(detector.mean(), Duration::Millis(200));
  EXPECT_EQ(detector.stddev(), Duration::Millis(100));
  for (int i = 0; i < 5; ++i) detector.Heartbeat(t += Duration::Millis(300));
  EXPECT_EQ(detector.mean(), Duration::Millis(300));
  EXPECT_EQ(detector.stddev(), Duration::Zero());
}

TEST(PhiAccrualDetectorTest, StatisticsStayExactOverLongRuns) {
  PhiAccrualConfig config = NoPauseConfig();
  config.window = 100;
  PhiAccrualDetector detector(config);
  Rng rng(6);
  Instant t = At(0);
  std::vector<double> intervals_ms;
  detector.Heartbeat(t);
  for (int i = 0; i < 100'000; ++i) {
    // Mostly ~100ms, sometimes a multi-second pause: large squares stress the sums.
    const int64_t us =
        rng.Chance(0.01) ? rng.UniformInt(1'000'000, 5'000'000) : rng.UniformInt(100'000, 120'000);
    intervals_ms.push_back(static_cast<double>(us) / 1000);
    detector.Heartbeat(t += Duration::Micros(us));
  }
  double sum = 0, sum_squares = 0;
  for (size_t i = intervals_ms.size() - 100; i < intervals_ms.size(); ++i) {
    sum += intervals_ms[i];
    sum_squares += intervals_ms[i] * intervals_ms[i];
  }
  const double mean = sum / 100;
  const double stddev = std::sqrt(sum_squares / 100 - mean * mean);
  EXPECT_NEAR(static_cast<double>(detector.mean().nanos()) / 1e6, mean, 1e-6);
  EXPECT_NEAR(static_cast<double>(detector.stddev().nanos()) / 1e6, stddev, 1e-6);
}

TEST(PhiAccrualDetectorTest, ConfigValidation) {
  EXPECT_TRUE(PhiAccrualConfig{}.Validate().ok());
  EXPECT_EQ(PhiAccrualConfig{.threshold = 0}.Validate().message(),
            "phi threshold must be > 0, got 0.000000");
  EXPECT_EQ(PhiAccrualConfig{.window = 1}.Validate().message(),
            "phi window must hold >= 2 samples, got 1");
  EXPECT_TRUE(PhiAccrualConfig{.min_stddev = Duration::Zero()}.Validate().IsInvalidArgument());
  EXPECT_TRUE(
      PhiAccrualConfig{.acceptable_pause = Duration::Millis(-1)}.Validate().IsInvalidArgument());
  EXPECT_TRUE(PhiAccrualConfig{.first_heartbeat_estimate = Duration::Zero()}
                  .Validate()
                  .IsInvalidArgument());
}

}  // namespace
}  // namespace baton::detect
