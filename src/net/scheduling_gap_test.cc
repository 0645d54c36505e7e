#include "net/scheduling_gap.h"

#include <gtest/gtest.h>

namespace baton::net {
namespace {

const Instant kStart = Instant::FromNanos(1'000'000'000);

TEST(GapDetectorTest, FirstObservationOnlyRecords) {
  GapDetector detector(Duration::Millis(100), Duration::Millis(400));
  EXPECT_FALSE(detector.Observe(kStart).has_value());
}

TEST(GapDetectorTest, OnTimeAndSlightlyLateFiringsAreNotGaps) {
  GapDetector detector(Duration::Millis(100), Duration::Millis(400));
  Instant now = kStart;
  EXPECT_FALSE(detector.Observe(now).has_value());
  now += Duration::Millis(100);
  EXPECT_FALSE(detector.Observe(now).has_value());
  now += Duration::Millis(500);  // exactly period + tolerance
  EXPECT_FALSE(detector.Observe(now).has_value());
}

TEST(GapDetectorTest, ReportsExpectedAndActualWhenLateBeyondTolerance) {
  GapDetector detector(Duration::Millis(100), Duration::Millis(400));
  EXPECT_FALSE(detector.Observe(kStart).has_value());
  const auto gap = detector.Observe(kStart + Duration::Seconds(3));
  ASSERT_TRUE(gap.has_value());
  EXPECT_EQ(gap->expected, Duration::Millis(100));
  EXPECT_EQ(gap->actual, Duration::Seconds(3));
}

TEST(GapDetectorTest, MeasuresFromThePreviousFiringNotTheFirst) {
  GapDetector detector(Duration::Millis(100), Duration::Millis(50));
  EXPECT_FALSE(detector.Observe(kStart).has_value());
  ASSERT_TRUE(detector.Observe(kStart + Duration::Seconds(1)).has_value());
  EXPECT_FALSE(detector.Observe(kStart + Duration::Millis(1100)).has_value());
}

}  // namespace
}  // namespace baton::net
