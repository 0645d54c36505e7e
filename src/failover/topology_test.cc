#include "failover/topology.h"

#include <gtest/gtest.h>

namespace baton::failover {
namespace {

GroupConfig TwoMembers() {
  GroupConfig config;
  config.name = "cache";
  config.members = {{.name = "r1", .node = "n1", .address = "127.0.0.1:7001"},
                    {.name = "r2", .node = "n2", .address = "127.0.0.1:7002"}};
  return config;
}

TEST(TopologyTest, NoRecordsMeansNoPrimaryAndEveryMemberListed) {
  Topology topology = BuildTopology(TwoMembers(), std::nullopt, {}, std::nullopt);
  EXPECT_EQ(topology.group, "cache");
  EXPECT_TRUE(topology.primary.empty());
  EXPECT_FALSE(topology.primary_confirmed);
  ASSERT_EQ(topology.members.size(), 2u);
  EXPECT_EQ(topology.members[1].address, "127.0.0.1:7002");
}

TEST(TopologyTest, PrimaryIsConfirmedOnlyWhenItsAgentReportsTheGroupEpoch) {
  GroupRecord group;
  group.epoch = 4;
  group.primary = "r2";
  std::map<std::string, MemberRecord> members;
  MemberRecord r2;
  r2.member = "r2";
  r2.role = MemberRole::kPrimary;
  r2.epoch_seen = 3;
  members["r2"] = r2;
  Topology before = BuildTopology(TwoMembers(), group, members, std::nullopt);
  EXPECT_EQ(before.primary_address, "127.0.0.1:7002");
  EXPECT_FALSE(before.primary_confirmed);

  members["r2"].epoch_seen = 4;
  EXPECT_TRUE(BuildTopology(TwoMembers(), group, members, std::nullopt).primary_confirmed);
}

TEST(TopologyTest, ActiveActiveTakesEpochAndSetFromTheServingRecord) {
  GroupConfig config = TwoMembers();
  config.mode = GroupMode::kActiveActive;
  GroupRecord group;
  group.epoch = 1;
  Topology topology =
      BuildTopology(config, group, {}, ServingRecord{.epoch = 9, .members = {"r1"}});
  EXPECT_EQ(topology.epoch, 9u);
  EXPECT_EQ(topology.serving, std::vector<std::string>{"r1"});
}

}  // namespace
}  // namespace baton::failover
