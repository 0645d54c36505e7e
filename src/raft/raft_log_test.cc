#include "raft/raft_log.h"

#include <gtest/gtest.h>

namespace baton::raft {
namespace {

std::vector<Entry> Terms(Index first, std::vector<Term> terms) {
  std::vector<Entry> out;
  for (Term t : terms) out.push_back(Entry{t, first++, EntryType::kNormal, ""});
  return out;
}

TEST(RaftLog, AppendTruncatesTheConflictingSuffixAndUnstability) {
  RaftLog log(0, 0);
  log.TruncateAndAppend(Terms(1, {1, 1, 2, 2}));
  EXPECT_EQ(log.last_index(), 4u);
  EXPECT_EQ(log.UnstableEntries().size(), 4u);
  log.StableTo(4, 2);
  EXPECT_FALSE(log.HasUnstableEntries());
  log.TruncateAndAppend(Terms(3, {3}));
  EXPECT_EQ(log.last_index(), 3u);
  EXPECT_EQ(log.stable(), 2u) << "the overwritten durable entries are unstable again";
  EXPECT_EQ(*log.TermAt(3), 3u);
  log.StableTo(4, 2);
  EXPECT_EQ(log.stable(), 2u) << "a stale StableTo for a replaced entry is ignored";
}

TEST(RaftLog, FindConflictAndTermSearches) {
  RaftLog log(0, 0);
  log.TruncateAndAppend(Terms(1, {1, 2, 2, 2, 4}));
  EXPECT_EQ(log.FindConflict(Terms(2, {2, 2})), 0u);
  EXPECT_EQ(log.FindConflict(Terms(3, {2, 3})), 4u);
  EXPECT_EQ(log.FindConflict(Terms(5, {4, 4})), 6u) << "beyond the last index";
  EXPECT_EQ(log.FirstIndexOfTerm(4), 2u);
  EXPECT_EQ(log.LastIndexOfTerm(5, 2), 4u);
  EXPECT_EQ(log.LastIndexOfTerm(5, 3), std::nullopt);
}

TEST(RaftLog, UpToDateComparesLastTermThenIndex) {
  RaftLog log(0, 0);
  log.TruncateAndAppend(Terms(1, {1, 2, 2}));
  EXPECT_TRUE(log.IsUpToDate(1, 3));
  EXPECT_TRUE(log.IsUpToDate(3, 2));
  EXPECT_FALSE(log.IsUpToDate(2, 2));
  EXPECT_FALSE(log.IsUpToDate(9, 1));
}

TEST(RaftLog, CommittedEntriesStopAtTheStableIndex) {
  RaftLog log(0, 0);
  log.TruncateAndAppend(Terms(1, {1, 1, 1}));
  log.CommitTo(3);
  EXPECT_TRUE(log.NextCommittedEntries().empty());
  log.StableTo(2, 1);
  ASSERT_EQ(log.NextCommittedEntries().size(), 2u);
  log.AppliedTo(2);
  log.StableTo(3, 1);
  ASSERT_EQ(log.NextCommittedEntries().size(), 1u);
  EXPECT_EQ(log.NextCommittedEntries()[0].index, 3u);
}

TEST(RaftLog, CompactKeepsTermOfTheSnapshotIndex) {
  RaftLog log(0, 0);
  log.TruncateAndAppend(Terms(1, {1, 2, 3, 3}));
  log.StableTo(4, 3);
  log.CommitTo(3);
  log.AppliedTo(3);
  log.Compact(2);
  EXPECT_EQ(log.first_index(), 3u);
  EXPECT_EQ(*log.TermAt(2), 2u);
  EXPECT_EQ(log.TermAt(1), std::nullopt);
  EXPECT_TRUE(log.Entries(1, 3).error().IsNotFound());
  EXPECT_TRUE(log.Entries(3, 9).error().IsInvalidArgument());
  EXPECT_EQ(log.Entries(3, 5)->size(), 2u);
  EXPECT_EQ(log.Slice(3, 5, 1).size(), 1u);
}

TEST(RaftLog, RestoredSnapshotIsAppliedOnlyOncePersisted) {
  RaftLog log(0, 0);
  log.TruncateAndAppend(Terms(1, {1}));
  log.RestoreSnapshot(10, 3);
  EXPECT_EQ(log.committed(), 10u);
  EXPECT_EQ(log.last_index(), 10u);
  log.TruncateAndAppend(Terms(11, {3}));
  log.StableTo(11, 3);
  log.CommitTo(11);
  EXPECT_FALSE(log.HasNextCommittedEntries()) << "snapshot not persisted yet";
  log.SnapshotPersisted(10);
  EXPECT_EQ(log.applied(), 10u);
  ASSERT_EQ(log.NextCommittedEntries().size(), 1u);
}

}  // namespace
}  // namespace baton::raft
