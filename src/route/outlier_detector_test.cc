#include "route/outlier_detector.h"

#include <gtest/gtest.h>

namespace baton::route {
namespace {

Instant At(int64_t ms) { return Instant::FromNanos(ms * 1000 * 1000); }

TEST(OutlierDetectorTest, EjectsAfterConsecutiveFailuresWithGrowingBackoff) {
  OutlierDetector d({3, Duration::Seconds(10), Duration::Seconds(15)});
  std::optional<detect::Event> back;
  EXPECT_FALSE(d.RecordFailure("r1", At(0)));
  EXPECT_FALSE(d.RecordFailure("r1", At(1)));
  std::optional<detect::Event> e = d.RecordFailure("r1", At(2));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->ToString(), "+ejected r1 failures=3 for=10000ms times=1");
  EXPECT_TRUE(d.IsEjected("r1", At(10001), &back));
  EXPECT_FALSE(back);
  EXPECT_FALSE(d.IsEjected("r1", At(10002), &back));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->name, "-ejected");
  // Second ejection: twice as long, capped at 15s.
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(d.RecordFailure("r1", At(20000)));
  e = d.RecordFailure("r1", At(20000));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->Field("for"), "15000ms");
}

TEST(OutlierDetectorTest, ASuccessEndsTheRun) {
  OutlierDetector d({2, Duration::Seconds(1), Duration::Seconds(1)});
  std::optional<detect::Event> back;
  EXPECT_FALSE(d.RecordFailure("r1", At(0)));
  d.RecordSuccess("r1");
  EXPECT_FALSE(d.RecordFailure("r1", At(1)));
  EXPECT_FALSE(d.IsEjected("r1", At(2), &back));
  EXPECT_TRUE(d.RecordFailure("r1", At(3)).has_value());
  EXPECT_TRUE(d.IsEjected("r1", At(4), &back));
  EXPECT_FALSE(d.IsEjected("r2", At(4), &back));
}

}  // namespace
}  // namespace baton::route
