#include "failover/group_config.h"

#include <gtest/gtest.h>

#include "failover/test_util.h"

namespace baton::failover {
namespace {

using testing::ThreeMembers;

TEST(GroupConfigTest, DefaultsOfAThreeMemberGroupAreValid) {
  const GroupConfig c = ThreeMembers();
  EXPECT_TRUE(c.Validate().ok()) << c.Validate().ToString();
  EXPECT_EQ(c.RenewInterval(), Duration::Millis(3333) + Duration::Nanos(333333));
  ASSERT_NE(c.FindMember("b"), nullptr);
  EXPECT_EQ(c.FindMember("b")->node, "n2");
  EXPECT_EQ(c.FindMember("z"), nullptr);
}

TEST(GroupConfigTest, RejectsBadNamesAndMembers) {
  GroupConfig c = ThreeMembers();
  c.name = "a/b";
  EXPECT_TRUE(c.Validate().IsInvalidArgument());
  c = ThreeMembers();
  c.members[1].name = "a";
  EXPECT_NE(c.Validate().message().find("appears twice"), std::string::npos);
  c = ThreeMembers();
  c.members.clear();
  EXPECT_TRUE(c.Validate().IsInvalidArgument());
  c = ThreeMembers();
  c.members[2].address = "";
  EXPECT_TRUE(c.Validate().IsInvalidArgument());
}

TEST(GroupConfigTest, DriftMarginMustLeaveTwoRenewalsBeforeTheSelfFence) {
  GroupConfig c = ThreeMembers();
  c.drift_margin = Duration::Seconds(4);  // >= 10s / 3
  EXPECT_NE(c.Validate().message().find("drift_margin"), std::string::npos);
  c.drift_margin = Duration::Zero();
  EXPECT_TRUE(c.Validate().IsInvalidArgument());
}

TEST(GroupConfigTest, FenceTimeoutMustOutlastTheLease) {
  GroupConfig c = ThreeMembers();
  c.timeouts.fence = Duration::Seconds(11);  // == ttl + margin
  EXPECT_NE(c.Validate().message().find("timeouts.fence"), std::string::npos);
}

TEST(GroupConfigTest, SemiSyncNeedsAcksBelowTheMemberCount) {
  GroupConfig c = ThreeMembers(Replication::kSemiSync);
  c.sync_acks = 2;
  EXPECT_TRUE(c.Validate().ok());
  c.sync_acks = 3;
  EXPECT_TRUE(c.Validate().IsInvalidArgument());
  c.sync_acks = 0;
  EXPECT_TRUE(c.Validate().IsInvalidArgument());
}

}  // namespace
}  // namespace baton::failover
