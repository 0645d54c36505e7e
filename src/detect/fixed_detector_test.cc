#include "detect/fixed_detector.h"

#include <gtest/gtest.h>

namespace baton::detect {
namespace {

Instant At(int64_t ms) { return Instant::FromNanos(0) + Duration::Millis(ms); }

FixedDetector ThreeMissed() {
  return FixedDetector(FixedDetectorConfig{.interval = Duration::Millis(100), .missed = 3});
}

TEST(FixedDetectorTest, NeverSuspectsBeforeTheFirstHeartbeat) {
  FixedDetector detector = ThreeMissed();
  EXPECT_EQ(detector.Suspicion(At(10'000)), 0);
  EXPECT_FALSE(detector.Suspected(At(10'000)));
  EXPECT_EQ(detector.SuspectAt(), Instant::FromNanos(INT64_MAX));
}

TEST(FixedDetectorTest, SuspectsAfterMissedIntervalsOfSilence) {
  FixedDetector detector = ThreeMissed();
  detector.Heartbeat(At(1000));
  EXPECT_DOUBLE_EQ(detector.Suspicion(At(1150)), 1.5);
  EXPECT_EQ(detector.SuspectAt(), At(1300));
  EXPECT_FALSE(detector.Suspected(At(1300) - Duration::Nanos(1)));
  EXPECT_TRUE(detector.Suspected(At(1300)));
  EXPECT_DOUBLE_EQ(detector.Suspicion(At(1300)), 3.0);
}

TEST(FixedDetectorTest, AHeartbeatRestartsTheCount) {
  FixedDetector detector = ThreeMissed();
  detector.Heartbeat(At(0));
  ASSERT_TRUE(detector.Suspected(At(400)));
  detector.Heartbeat(At(400));
  EXPECT_FALSE(detector.Suspected(At(400)));
  EXPECT_EQ(detector.Suspicion(At(400)), 0);
  EXPECT_EQ(detector.SuspectAt(), At(700));
}

TEST(FixedDetectorTest, FractionalThresholds) {
  FixedDetector detector(FixedDetectorConfig{.interval = Duration::Millis(100), .missed = 2.5});
  detector.Heartbeat(At(0));
  EXPECT_EQ(detector.SuspectAt(), At(250));
}

TEST(FixedDetectorTest, ConfigValidation) {
  EXPECT_TRUE(FixedDetectorConfig{}.Validate().ok());
  EXPECT_EQ(FixedDetectorConfig{.interval = Duration::Zero()}.Validate().message(),
            "fixed detector interval must be > 0, got 0ns");
  EXPECT_TRUE(FixedDetectorConfig{.missed = 0}.Validate().IsInvalidArgument());
}

}  // namespace
}  // namespace baton::detect
