#include "core/time.h"

#include <gtest/gtest.h>

namespace baton {
namespace {

TEST(Duration, ArithmeticAndUnits) {
  Duration d = Duration::Millis(1500);
  EXPECT_EQ(d.micros(), 1'500'000);
  EXPECT_EQ((d + Duration::Millis(500)).millis(), 2000);
  EXPECT_EQ((d * 2).millis(), 3000);
  EXPECT_LT(Duration::Micros(999), Duration::Millis(1));
}

TEST(Instant, DifferencesAreDurations) {
  Instant t0 = Instant::FromNanos(1000);
  Instant t1 = t0 + Duration::Millis(3);
  EXPECT_EQ((t1 - t0).millis(), 3);
  EXPECT_GT(t1, t0);
}

TEST(ParseDuration, AcceptsEveryUnit) {
  Duration d;
  ASSERT_TRUE(ParseDuration("500ms", &d));
  EXPECT_EQ(d, Duration::Millis(500));
  ASSERT_TRUE(ParseDuration("10s", &d));
  EXPECT_EQ(d, Duration::Seconds(10));
  ASSERT_TRUE(ParseDuration("2m", &d));
  EXPECT_EQ(d, Duration::Seconds(120));
  ASSERT_TRUE(ParseDuration("250us", &d));
  EXPECT_EQ(d, Duration::Micros(250));
  ASSERT_TRUE(ParseDuration("0", &d));
  EXPECT_EQ(d, Duration::Zero());
}

TEST(ParseDuration, RejectsValuesThatDoNotFitInsteadOfWrapping) {
  Duration d = Duration::Seconds(7);
  // 18446744074s * 1e9 wraps a 64-bit product to about 290ms.
  EXPECT_FALSE(ParseDuration("18446744074s", &d));
  EXPECT_FALSE(ParseDuration("9223372037s", &d));  // just over INT64_MAX ns
  EXPECT_FALSE(ParseDuration("2562048h", &d));
  EXPECT_FALSE(ParseDuration("99999999999999999999999ns", &d));
  EXPECT_EQ(d, Duration::Seconds(7)) << "left alone";
  ASSERT_TRUE(ParseDuration("9223372036s", &d));  // fits
  EXPECT_EQ(d, Duration::Seconds(9223372036));
  ASSERT_TRUE(ParseDuration("9223372036854775807ns", &d));
  EXPECT_EQ(d, Duration::Max());
}

TEST(DurationFromCount, ChecksTheProduct) {
  Duration d;
  EXPECT_TRUE(DurationFromCount(10, 1000, &d));
  EXPECT_EQ(d, Duration::Micros(10));
  EXPECT_FALSE(DurationFromCount(18446744074u, 1000 * 1000 * 1000, &d));
  EXPECT_FALSE(DurationFromCount(UINT64_MAX, 1, &d));
  EXPECT_EQ(d, Duration::Micros(10));
}

TEST(ParseDuration, RejectsMalformedText) {
  Duration d = Duration::Seconds(7);
  EXPECT_FALSE(ParseDuration("", &d));
  EXPECT_FALSE(ParseDuration("ms", &d));
  EXPECT_FALSE(ParseDuration("10", &d));
  EXPECT_FALSE(ParseDuration("-5s", &d));
  EXPECT_FALSE(ParseDuration("5 s", &d));
  EXPECT_FALSE(ParseDuration("5sec", &d));
  EXPECT_EQ(d, Duration::Seconds(7));
}

TEST(Duration, ToStringPicksAReadableUnit) {
  EXPECT_EQ(Duration::Millis(250).ToString(), "250ms");
  EXPECT_EQ(Duration::Seconds(2).ToString(), "2s");
  EXPECT_EQ(Duration::Micros(40).ToString(), "40us");
}

}  // namespace
}  // namespace baton
