#include "failover/topology_gate.h"

#include <gtest/gtest.h>

#include <vector>

namespace baton::failover {
namespace {

Topology WithPrimary(Epoch epoch, const std::string& primary) {
  Topology t;
  t.group = "cache";
  t.epoch = epoch;
  t.primary = primary;
  t.primary_address = primary + ":6379";
  t.primary_confirmed = true;
  return t;
}

TEST(TopologyGateTest, OpenItPassesTopologiesOnUnchanged) {
  TopologyFeed feed;
  TopologyGate gate(feed);
  std::vector<Topology> seen;
  gate.Subscribe([&seen](const Topology& t) { seen.push_back(t); });
  feed.Publish(WithPrimary(1, "r1"));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], WithPrimary(1, "r1"));
}

// An agent cut off from the store names no primary, even one the cut-off
// store view still holds; once reopened it names what the source says now.
TEST(TopologyGateTest, ClosedItNamesNoPrimaryAndReopeningNamesTheCurrentOne) {
  TopologyFeed feed;
  TopologyGate gate(feed);
  feed.Publish(WithPrimary(1, "r1"));
  std::vector<Topology> seen;
  gate.Subscribe([&seen](const Topology& t) { seen.push_back(t); });
  gate.SetOpen(false);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].epoch, 1u);
  EXPECT_TRUE(seen[1].primary.empty());
  EXPECT_TRUE(seen[1].primary_address.empty());
  EXPECT_FALSE(seen[1].primary_confirmed);

  feed.Publish(WithPrimary(2, "r2"));  // caught up while still closed
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].epoch, 2u);
  EXPECT_TRUE(seen[2].primary.empty());

  gate.SetOpen(true);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[3], WithPrimary(2, "r2"));
}

TEST(TopologyGateTest, ActiveActiveGroupsKeepTheirServingSet) {
  TopologyFeed feed;
  TopologyGate gate(feed);
  Topology aa;
  aa.group = "web";
  aa.mode = GroupMode::kActiveActive;
  aa.serving = {"a", "b"};
  feed.Publish(aa);
  gate.SetOpen(false);
  std::vector<Topology> seen;
  gate.Subscribe([&seen](const Topology& t) { seen.push_back(t); });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].serving, aa.serving);
}

}  // namespace
}  // namespace baton::failover
