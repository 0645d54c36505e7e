#include "route/routing_table.h"

#include <gtest/gtest.h>

#include "route/test_topology.h"

namespace baton::route {
namespace {

using testing::ActivePassive;

TEST(RoutingTableTest, PrimaryOnlyWhenConfirmed) {
  failover::Topology t = ActivePassive("g", 3, "a", {{"a", 1}, {"b", 2}, {"c", 3}});
  RoutingTable table = BuildRoutingTable(t);
  ASSERT_TRUE(table.primary.has_value());
  EXPECT_EQ(table.primary->address, "127.0.0.1:1");
  EXPECT_EQ(table.epoch, 3u);
  EXPECT_EQ(Describe(table), "epoch=3 primary=a pool=b,c");

  t.primary_confirmed = false;  // named but its agent has not reported it primary yet
  EXPECT_FALSE(BuildRoutingTable(t).primary.has_value());
}

TEST(RoutingTableTest, PoolHasOnlyHealthyReplicas) {
  failover::Topology t = ActivePassive("g", 1, "a", {{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}});
  t.members[1].health = detect::Health::kUnhealthy;   // b
  t.members[2].role = failover::MemberRole::kFenced;  // c
  RoutingTable table = BuildRoutingTable(t);
  ASSERT_EQ(table.pool.size(), 1u);
  EXPECT_EQ(table.pool[0].member, "d");
}

TEST(RoutingTableTest, ActiveActiveUsesTheServingSet) {
  failover::Topology t = ActivePassive("g", 5, "", {{"a", 1}, {"b", 2}, {"c", 3}});
  t.mode = failover::GroupMode::kActiveActive;
  t.serving = {"a", "c"};
  t.members[2].health = detect::Health::kUnhealthy;
  RoutingTable table = BuildRoutingTable(t);
  EXPECT_FALSE(table.primary.has_value());
  ASSERT_EQ(table.pool.size(), 1u);
  EXPECT_EQ(table.pool[0].member, "a");
  EXPECT_EQ(Describe(table), "epoch=5 pool=a");
}

}  // namespace
}  // namespace baton::route
