#include "sim/raft_sim.h"

#include <gtest/gtest.h>

#include "sim/failover_scenario.h"

namespace baton::sim {
namespace {

TEST(RaftSimTest, ReplayingASeedGivesTheSameTrace) {
  RaftSimOptions options;
  options.nodes = 5;
  options.record_trace = true;
  for (uint64_t seed : {3, 17}) {
    const RaftSimResult first = RunRaftSeed(seed, options);
    const RaftSimResult second = RunRaftSeed(seed, options);
    ASSERT_GT(first.trace.size(), 10u) << "a run this short exercises nothing";
    EXPECT_EQ(first.trace, second.trace);
    EXPECT_EQ(first.trace_hash, second.trace_hash);
    EXPECT_EQ(first.params, second.params);
    EXPECT_EQ(first.operations, second.operations);
  }
}

TEST(RaftSimTest, DifferentSeedsDrawDifferentWorlds) {
  RaftSimOptions options;
  const RaftSimResult a = RunRaftSeed(1, options);
  const RaftSimResult b = RunRaftSeed(2, options);
  EXPECT_NE(a.params, b.params);
  EXPECT_NE(a.trace_hash, b.trace_hash);
}

TEST(RaftSimTest, RunsCommitAndAnswerClients) {
  RaftSimOptions options;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const RaftSimResult r = RunRaftSeed(seed, options);
    EXPECT_FALSE(r.violation) << "seed " << seed << ": " << *r.violation;
    // More than the three bootstrap entries, even in the crashiest worlds.
    EXPECT_GT(r.committed, 3u) << "seed " << seed;
    EXPECT_GT(r.operations, r.indeterminate) << "seed " << seed;
  }
}

// The checkers must catch a Raft that breaks a safety rule.
int CountViolations(RaftSimOptions options, uint64_t seeds) {
  int violations = 0;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    if (RunRaftSeed(seed, options).violation) ++violations;
  }
  return violations;
}

TEST(RaftSimBrokenRuleTest, VotingWithoutTheLogCheckIsCaught) {
  RaftSimOptions options;
  options.unsafe.vote_without_log_check = true;
  EXPECT_GT(CountViolations(options, 60), 0);
}

// Rarer since a leader counts its own copy only once durable: more seeds.
TEST(RaftSimBrokenRuleTest, CommittingAnEarlierTermByCountIsCaught) {
  RaftSimOptions options;
  options.unsafe.commit_previous_term_by_count = true;
  EXPECT_GT(CountViolations(options, 2000), 0);
}

TEST(FailoverScenarioTest, NewLeaderCommitsWithinTwoElectionTimeouts) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const FailoverTimeline t = RunFailoverScenario(seed, 3, nullptr);
    ASSERT_FALSE(t.violation) << *t.violation;
    ASSERT_TRUE(t.failover());
    EXPECT_NE(t.new_leader, t.old_leader);
    EXPECT_GT(t.new_term, t.old_term);
    EXPECT_GE(*t.failover(), Duration::Millis(100));  // no one campaigns before a timeout
    EXPECT_LT(*t.failover(), Duration::Millis(400));
    EXPECT_TRUE(t.caught_up);
  }
}

}  // namespace
}  // namespace baton::sim
