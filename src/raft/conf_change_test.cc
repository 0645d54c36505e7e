#include "raft/conf_change.h"

#include <gtest/gtest.h>

namespace baton::raft {
namespace {

TEST(ConfChange, EncodingRoundTripsAndRejectsGarbage) {
  ConfChange change{ConfChangeType::kAddLearner, 42, "10.0.0.4:7000"};
  Result<ConfChange> decoded = DecodeConfChange(EncodeConfChange(change));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, change);
  std::string bytes = EncodeConfChange(change);
  EXPECT_TRUE(DecodeConfChange(bytes.substr(0, bytes.size() - 1)).error().IsInvalidArgument());
  EXPECT_TRUE(DecodeConfChange(bytes + "x").error().IsInvalidArgument());
  EXPECT_TRUE(DecodeConfChange("").error().IsInvalidArgument());
  bytes[0] = 9;
  EXPECT_TRUE(DecodeConfChange(bytes).error().IsInvalidArgument()) << "unknown type";
}

TEST(ConfChange, ApplyFollowsTheMembershipRules) {
  ConfState conf{{1, 2}, {}};
  auto learner = ApplyConfChange(conf, {ConfChangeType::kAddLearner, 3, ""});
  ASSERT_TRUE(learner.has_value());
  EXPECT_EQ(learner->learners, (std::vector<NodeId>{3}));
  auto voter = ApplyConfChange(*learner, {ConfChangeType::kAddVoter, 3, ""});
  ASSERT_TRUE(voter.has_value());
  EXPECT_EQ(voter->voters, (std::vector<NodeId>{1, 2, 3}));
  EXPECT_TRUE(voter->learners.empty());
  auto removed = ApplyConfChange(*voter, {ConfChangeType::kRemoveNode, 1, ""});
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(removed->voters, (std::vector<NodeId>{2, 3}));
}

TEST(ConfChange, ApplyRejectsChangesThatDoNotFit) {
  ConfState conf{{1}, {2}};
  EXPECT_TRUE(
      ApplyConfChange(conf, {ConfChangeType::kAddVoter, 1, ""}).error().IsInvalidArgument());
  EXPECT_TRUE(
      ApplyConfChange(conf, {ConfChangeType::kAddLearner, 2, ""}).error().IsInvalidArgument());
  EXPECT_TRUE(
      ApplyConfChange(conf, {ConfChangeType::kRemoveNode, 9, ""}).error().IsInvalidArgument());
  EXPECT_TRUE(
      ApplyConfChange(conf, {ConfChangeType::kRemoveNode, 1, ""}).error().IsInvalidArgument())
      << "the last voter stays";
  EXPECT_TRUE(
      ApplyConfChange(conf, {ConfChangeType::kAddVoter, 0, ""}).error().IsInvalidArgument());
}

}  // namespace
}  // namespace baton::raft
