#include "sim/network.h"

#include <gtest/gtest.h>

namespace baton::sim {
namespace {

raft::Message Msg(raft::NodeId from, raft::NodeId to, raft::Index index = 0) {
  raft::Message m;
  m.from = from;
  m.to = to;
  m.index = index;
  return m;
}

NetworkOptions FixedLatency(Duration latency) {
  NetworkOptions options;
  options.latency_min = latency;
  options.latency_max = latency;
  return options;
}

TEST(SimNetworkTest, DeliversInTimeOrderNotBefore) {
  SimNetwork net(FixedLatency(Duration::Millis(5)));
  Rng rng(1);
  net.Send(Msg(1, 2, 7), Instant::FromNanos(0), rng);
  net.Send(Msg(1, 3, 8), Instant::FromNanos(1), rng);
  ASSERT_EQ(net.NextDelivery(), Instant() + Duration::Millis(5));
  EXPECT_FALSE(net.PopDue(Instant() + Duration::Millis(4)).has_value());
  auto first = net.PopDue(Instant() + Duration::Millis(10));
  auto second = net.PopDue(Instant() + Duration::Millis(10));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->index, 7u);
  EXPECT_EQ(second->index, 8u);
  EXPECT_FALSE(net.PopDue(Instant() + Duration::Millis(10)).has_value());
}

TEST(SimNetworkTest, EqualDeliveryTimesKeepSendOrder) {
  SimNetwork net(FixedLatency(Duration::Millis(1)));
  Rng rng(1);
  for (raft::Index i = 1; i <= 10; ++i) net.Send(Msg(1, 2, i), Instant(), rng);
  for (raft::Index i = 1; i <= 10; ++i) {
    auto m = net.PopDue(Instant() + Duration::Millis(1));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->index, i);
  }
}

TEST(SimNetworkTest, PartitionIsDirectedAndAppliesAtDeliveryToo) {
  SimNetwork net(FixedLatency(Duration::Millis(1)));
  Rng rng(1);
  net.Cut(1, 2);
  net.Send(Msg(1, 2), Instant(), rng);  // cut at send
  net.Send(Msg(2, 1), Instant(), rng);  // the other direction is open
  net.Send(Msg(1, 3), Instant(), rng);
  net.Cut(1, 3);  // cut while in flight
  const Instant later = Instant() + Duration::Millis(2);
  auto m = net.PopDue(later);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->from, 2u);
  EXPECT_FALSE(net.PopDue(later).has_value());
  EXPECT_EQ(net.stats().cut, 2u);
  net.HealAll();
  EXPECT_FALSE(net.partitioned());
}

TEST(SimNetworkTest, LossAndDuplicationFollowTheirKnobs) {
  NetworkOptions options = FixedLatency(Duration::Millis(1));
  options.loss = 0.3;
  options.duplicate = 0.2;
  SimNetwork net(options);
  Rng rng(42);
  const int kSent = 10000;
  for (int i = 0; i < kSent; ++i) net.Send(Msg(1, 2), Instant(), rng);
  int delivered = 0;
  while (net.PopDue(Instant() + Duration::Millis(1)) && delivered <= 2 * kSent) ++delivered;
  EXPECT_NEAR(net.stats().lost, 0.3 * kSent, 0.03 * kSent);
  EXPECT_NEAR(net.stats().duplicated, 0.7 * 0.2 * kSent, 0.03 * kSent);
  EXPECT_EQ(static_cast<uint64_t>(delivered), kSent - net.stats().lost + net.stats().duplicated);
}

TEST(SimNetworkTest, ReorderDelayLetsLaterMessagesOvertake) {
  NetworkOptions options = FixedLatency(Duration::Millis(1));
  options.reorder = 0.5;
  options.reorder_delay_max = Duration::Millis(50);
  SimNetwork net(options);
  Rng rng(7);
  for (raft::Index i = 1; i <= 100; ++i) net.Send(Msg(1, 2, i), Instant(), rng);
  int out_of_order = 0;
  raft::Index last = 0;
  for (int i = 0; i < 100; ++i) {
    auto m = net.PopDue(Instant() + Duration::Millis(60));
    ASSERT_TRUE(m);
    if (m->index < last) ++out_of_order;
    last = m->index;
  }
  EXPECT_GT(out_of_order, 0);
}

TEST(SimNetworkTest, SameSeedSameSchedule) {
  NetworkOptions options;
  options.loss = 0.1;
  options.reorder = 0.3;
  auto run = [&] {
    SimNetwork net(options);
    Rng rng(99);
    for (raft::Index i = 1; i <= 50; ++i) net.Send(Msg(1, 2, i), Instant(), rng);
    std::vector<raft::Index> order;
    while (auto m = net.PopDue(Instant() + Duration::Seconds(1))) order.push_back(m->index);
    return order;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace baton::sim
