#include "raft/config.h"

#include <gtest/gtest.h>

namespace baton::raft {
namespace {

Config Valid() {
  Config c;
  c.id = 1;
  return c;
}

TEST(RaftConfig, DefaultsWithAnIdAreValid) { EXPECT_TRUE(Valid().Validate().ok()); }

TEST(RaftConfig, ValidateRejectsInconsistentFields) {
  Config c = Valid();
  c.id = kNoNode;
  EXPECT_TRUE(c.Validate().IsInvalidArgument());
  c = Valid();
  c.heartbeat_ticks = 4;
  c.election_ticks = 11;
  EXPECT_TRUE(c.Validate().IsInvalidArgument()) << "election < 3 * heartbeat";
  c.election_ticks = 12;
  EXPECT_TRUE(c.Validate().ok());
  c = Valid();
  c.lease_drift_ticks = c.election_ticks;
  EXPECT_TRUE(c.Validate().IsInvalidArgument());
  c = Valid();
  c.read_mode = ReadMode::kLeaseBased;
  c.check_quorum = false;
  EXPECT_TRUE(c.Validate().IsInvalidArgument());
  c = Valid();
  c.max_inflight_appends = 0;
  EXPECT_TRUE(c.Validate().IsInvalidArgument());
  c = Valid();
  c.max_entries_per_append = 0;
  EXPECT_TRUE(c.Validate().IsInvalidArgument());
}

}  // namespace
}  // namespace baton::raft
