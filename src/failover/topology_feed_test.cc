#include "failover/topology_feed.h"

#include <gtest/gtest.h>

#include <vector>

namespace baton::failover {
namespace {

Topology Group(const std::string& name, Epoch epoch) {
  Topology t;
  t.group = name;
  t.epoch = epoch;
  return t;
}

TEST(TopologyFeedTest, ANewSubscriberFirstGetsEveryGroupsCurrentTopology) {
  TopologyFeed feed;
  feed.Publish(Group("a", 1));
  feed.Publish(Group("b", 3));
  feed.Publish(Group("a", 2));
  std::vector<Topology> seen;
  feed.Subscribe([&seen](const Topology& t) { seen.push_back(t); });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].group, "a");
  EXPECT_EQ(seen[0].epoch, 2u);
  EXPECT_EQ(seen[1].group, "b");
}

TEST(TopologyFeedTest, OnlyChangesReachSubscribersAndUnsubscribeStopsThem) {
  TopologyFeed feed;
  std::vector<Epoch> seen;
  const int id = feed.Subscribe([&seen](const Topology& t) { seen.push_back(t.epoch); });
  feed.Publish(Group("a", 1));
  feed.Publish(Group("a", 1));
  feed.Publish(Group("a", 2));
  feed.Unsubscribe(id);
  feed.Publish(Group("a", 3));
  EXPECT_EQ(seen, (std::vector<Epoch>{1, 2}));
  EXPECT_EQ(feed.current().at("a").epoch, 3u);
}

}  // namespace
}  // namespace baton::failover
