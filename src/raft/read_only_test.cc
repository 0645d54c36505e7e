#include "raft/read_only.h"

#include <gtest/gtest.h>

namespace baton::raft {
namespace {

TEST(ReadOnly, RequestIsReleasedOnceAQuorumConfirmsItsRound) {
  ReadOnly ro;
  const uint64_t r1 = ro.NewRound(10);
  ro.AddRequest({r1, 7, 100, 1});
  EXPECT_TRUE(ro.Release({1, 2, 3}, 1).empty()) << "only the leader confirmed";
  ro.Ack(2, r1);
  auto released = ro.Release({1, 2, 3}, 1);
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].context, 100u);
  EXPECT_EQ(released[0].index, 7u);
  EXPECT_EQ(ro.lease_start_tick(), 10);
}

TEST(ReadOnly, AnAckForALaterRoundConfirmsEarlierOnes) {
  ReadOnly ro;
  const uint64_t r1 = ro.NewRound(1);
  ro.AddRequest({r1, 5, 1, 1});
  const uint64_t r2 = ro.NewRound(2);
  ro.AddRequest({r2, 6, 2, 3});
  ro.Ack(2, r2);
  auto released = ro.Release({1, 2, 3}, 1);
  ASSERT_EQ(released.size(), 2u);
  EXPECT_EQ(released[0].context, 1u);
  EXPECT_EQ(released[1].from, 3u);
  EXPECT_EQ(ro.lease_start_tick(), 2);
}

TEST(ReadOnly, UnknownRoundsAndNonVotersAreIgnored) {
  ReadOnly ro;
  const uint64_t r1 = ro.NewRound(1);
  ro.AddRequest({r1, 5, 1, 1});
  ro.Ack(2, 99);  // never sent
  ro.Ack(9, r1);  // not a voter
  EXPECT_TRUE(ro.Release({1, 2, 3}, 1).empty());
  EXPECT_FALSE(ro.lease_start_tick().has_value());
}

}  // namespace
}  // namespace baton::raft
