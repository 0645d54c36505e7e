#include "detect/check_config.h"

#include <gtest/gtest.h>

namespace baton::detect {
namespace {

TEST(CheckConfigTest, DefaultsAreValid) { EXPECT_TRUE(CheckConfig{}.Validate().ok()); }

TEST(CheckConfigTest, TimeoutMustBeShorterThanInterval) {
  CheckConfig config;
  config.interval = Duration::Seconds(1);
  config.timeout = Duration::Seconds(1);
  const Status s = config.Validate();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "check timeout (1s) must be < interval (1s) so that at most one probe is in flight");
  config.timeout = Duration::Millis(999);
  EXPECT_TRUE(config.Validate().ok());
}

TEST(CheckConfigTest, EachOutOfRangeFieldIsNamed) {
  struct Case {
    void (*mutate)(CheckConfig&);
    const char* message;
  };
  const Case cases[] = {
      {[](CheckConfig& c) { c.interval = Duration::Zero(); },
       "check interval must be > 0, got 0ns"},
      {[](CheckConfig& c) { c.timeout = Duration::Zero(); }, "check timeout must be > 0, got 0ns"},
      {[](CheckConfig& c) { c.rise = 0; }, "check rise must be >= 1, got 0"},
      {[](CheckConfig& c) { c.fall = -1; }, "check fall must be >= 1, got -1"},
      {[](CheckConfig& c) { c.jitter = Duration::Millis(1500); },
       "check jitter must be in [0, interval (1s)], got 1.5s"},
      {[](CheckConfig& c) { c.start_period = Duration::Millis(-1); },
       "check start_period must be >= 0, got -1ms"},
  };
  for (const Case& c : cases) {
    CheckConfig config;
    c.mutate(config);
    const Status s = config.Validate();
    EXPECT_TRUE(s.IsInvalidArgument()) << c.message;
    EXPECT_EQ(s.message(), c.message);
  }
}

TEST(CheckConfigTest, KindNames) {
  EXPECT_EQ(CheckKindName(CheckKind::kLiveness), "liveness");
  EXPECT_EQ(CheckKindName(CheckKind::kReadiness), "readiness");
  EXPECT_EQ(CheckKindName(CheckKind::kDeep), "deep");
}

}  // namespace
}  // namespace baton::detect
