// A write proposed by a leader that then loses its quorum ends "outcome
// unknown" (504), never "no leader" (503): a real three-node cluster in one
// process (test_cluster.h), every wait bounded.
#include <gtest/gtest.h>

#include "agent/http_json.h"
#include "agent/test_cluster.h"
#include "agent/write_outcome.h"

namespace baton::agent {
namespace {

TEST(WriteOutcomeCluster, AWriteProposedBeforeLeadershipIsLostIsOutcomeUnknown) {
  TestCluster c(3);
  for (int i = 0; i < c.size(); ++i) ASSERT_TRUE(c.Start(i).ok());
  const std::optional<int> leader = c.WaitForLeader();
  ASSERT_TRUE(leader.has_value());
  auto first = c.Await<store::PutResponse>(
      [&](auto done) { c.store(*leader).Put("/w/first", "1", store::kNoLease, done); });
  ASSERT_TRUE(first.has_value() && first->has_value());

  for (int i = 0; i < c.size(); ++i) {
    if (i != *leader) c.Stop(i);
  }
  // Proposed while still leader; it cannot commit, and CheckQuorum makes the
  // leader step down before the 5s request deadline.
  auto lost = c.Await<store::PutResponse>(
      [&](auto done) { c.store(*leader).Put("/w/lost", "2", store::kNoLease, done); },
      Duration::Seconds(8));
  ASSERT_TRUE(lost.has_value()) << "the write never completed";
  ASSERT_FALSE(lost->has_value());
  const Status& error = lost->error();
  EXPECT_TRUE(IsOutcomeUnknown(error)) << error.ToString();
  EXPECT_EQ(StatusResponse(error).status, 504);

  // A write after the step-down was never proposed: 503 or a redirect,
  // never "outcome unknown".
  auto after = c.Await<store::PutResponse>(
      [&](auto done) { c.store(*leader).Put("/w/after", "3", store::kNoLease, done); });
  ASSERT_TRUE(after.has_value());
  ASSERT_FALSE(after->has_value());
  EXPECT_FALSE(IsOutcomeUnknown(after->error())) << after->error().ToString();
}

}  // namespace
}  // namespace baton::agent
