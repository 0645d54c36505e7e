#include "sim/invariants.h"

#include <gtest/gtest.h>

namespace baton::sim {
namespace {

raft::Entry E(raft::Index index, raft::Term term, std::string data = "d") {
  return raft::Entry{term, index, raft::EntryType::kNormal, std::move(data)};
}

TEST(SafetyCheckerTest, TwoLeadersInOneTermIsAViolation) {
  SafetyChecker c;
  c.OnLeader(1, 2, 1, {});
  c.OnLeader(1, 2, 1, {});  // the same leader observed again is fine
  c.OnLeader(2, 3, 1, {});
  EXPECT_TRUE(c.ok());
  c.OnLeader(3, 2, 1, {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.violation()->find("election safety"), std::string::npos);
}

TEST(SafetyCheckerTest, SameIndexAndTermWithDifferentDataBreaksLogMatching) {
  SafetyChecker c;
  c.OnAppend(1, 0, {E(1, 1, "a"), E(2, 1, "b")});
  c.OnAppend(2, 0, {E(1, 1, "a")});
  c.OnAppend(2, 1, {E(2, 1, "b"), E(3, 2, "c")});
  EXPECT_TRUE(c.ok());
  c.OnAppend(3, 1, {E(2, 1, "other")});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.violation()->find("log matching"), std::string::npos);
}

TEST(SafetyCheckerTest, SameEntryAfterADifferentPrefixBreaksLogMatching) {
  SafetyChecker c;
  c.OnAppend(1, 1, {E(5, 3, "x")});
  c.OnAppend(2, 2, {E(5, 3, "x")});
  EXPECT_FALSE(c.ok());
}

TEST(SafetyCheckerTest, DifferentEntriesAppliedAtOneIndexIsAViolation) {
  SafetyChecker c;
  c.OnApply(1, E(1, 1, "a"));
  c.OnApply(2, E(1, 1, "a"));
  c.OnApply(1, E(2, 1, "b"));
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(c.committed(), 2u);
  c.OnApply(2, E(2, 2, "c"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.violation()->find("state machine safety"), std::string::npos);
}

TEST(SafetyCheckerTest, DifferentSnapshotsAtOneIndexIsAViolation) {
  SafetyChecker c;
  c.OnSnapshot(1, 10, "s");
  c.OnSnapshot(2, 10, "s");
  EXPECT_TRUE(c.ok());
  c.OnSnapshot(3, 10, "t");
  EXPECT_FALSE(c.ok());
}

TEST(SafetyCheckerTest, NewLeaderMissingACommittedEntryBreaksLeaderCompleteness) {
  SafetyChecker c;
  c.OnApply(1, E(1, 1, "a"));
  c.OnApply(1, E(2, 1, "b"));
  c.OnLeader(2, 2, 1, {E(1, 1, "a"), E(2, 1, "b"), E(3, 2, "")});
  EXPECT_TRUE(c.ok());
  // A leader whose log starts after its snapshot only needs the rest.
  c.OnLeader(3, 3, 3, {E(3, 2, "")});
  EXPECT_TRUE(c.ok());
  c.OnLeader(1, 4, 1, {E(1, 1, "a")});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.violation()->find("leader completeness"), std::string::npos);
}

TEST(SafetyCheckerTest, CommitMayRestartLowerButPersistedCommitNeverRegresses) {
  SafetyChecker c;
  c.OnCommit(1, 5);
  c.OnPersistedCommit(1, 4);
  c.OnRestart(1);
  c.OnCommit(1, 4);  // a new incarnation starts from what it persisted
  EXPECT_TRUE(c.ok());
  c.OnCommit(1, 3);
  EXPECT_FALSE(c.ok());
  SafetyChecker d;
  d.OnPersistedCommit(1, 4);
  d.OnPersistedCommit(1, 2);
  EXPECT_FALSE(d.ok());
}

}  // namespace
}  // namespace baton::sim
