#include "sim/disk.h"

#include <gtest/gtest.h>

namespace baton::sim {
namespace {

raft::Entry E(raft::Index index, raft::Term term) { return raft::Entry{term, index, {}, "x"}; }

DiskWrite Entries(std::vector<raft::Entry> entries, raft::Term term = 1) {
  DiskWrite w;
  w.hard_state = raft::HardState{term, 1, 0};
  w.entries = std::move(entries);
  return w;
}

TEST(SimDiskTest, WriteIsVisibleAtOnceAndDurableAfterSync) {
  SimDisk disk;
  disk.Write(Entries({E(1, 1), E(2, 1)}), Instant() + Duration::Millis(3));
  EXPECT_TRUE(disk.syncing());
  EXPECT_EQ(disk.current().LastIndex(), 2u);
  EXPECT_EQ(disk.synced().LastIndex(), 0u);
  disk.CompleteSync();
  EXPECT_FALSE(disk.syncing());
  EXPECT_EQ(disk.synced().LastIndex(), 2u);
  EXPECT_EQ(disk.synced().hard_state.term, 1u);
}

TEST(SimDiskTest, CrashLosesUnsyncedWritesOnly) {
  SimDisk disk;
  disk.Write(Entries({E(1, 1)}), Instant());
  disk.CompleteSync();
  disk.Write(Entries({E(2, 2)}, 2), Instant());
  disk.Crash();
  EXPECT_FALSE(disk.syncing());
  EXPECT_EQ(disk.current().LastIndex(), 1u);
  EXPECT_EQ(disk.current().hard_state.term, 1u);
}

TEST(SimDiskTest, OverlappingEntriesReplaceTheSuffix) {
  DiskState state;
  ApplyWrite(Entries({E(1, 1), E(2, 1), E(3, 1)}), &state);
  ApplyWrite(Entries({E(2, 2)}), &state);
  EXPECT_EQ(state.LastIndex(), 2u);
  EXPECT_EQ(state.TermAt(2), 2u);
  EXPECT_EQ(state.TermAt(1), 1u);
  EXPECT_FALSE(state.TermAt(3).has_value());
}

TEST(SimDiskTest, SavedSnapshotDropsCoveredLogAndIsDurable) {
  SimDisk disk;
  disk.Write(Entries({E(1, 1), E(2, 1), E(3, 2)}), Instant());
  disk.CompleteSync();
  raft::Snapshot snap;
  snap.meta.index = 2;
  snap.meta.term = 1;
  snap.data = "state";
  disk.SaveSnapshot(snap);
  disk.Crash();
  EXPECT_EQ(disk.synced().snapshot.data, "state");
  ASSERT_EQ(disk.synced().entries.size(), 1u);
  EXPECT_EQ(disk.synced().entries[0].index, 3u);
  EXPECT_EQ(disk.synced().TermAt(2), 1u);
  EXPECT_FALSE(disk.synced().TermAt(1).has_value());
}

TEST(SimDiskTest, LeaderSnapshotReplacesTheLog) {
  DiskState state;
  ApplyWrite(Entries({E(1, 1), E(2, 1)}), &state);
  DiskWrite w;
  w.snapshot = raft::Snapshot{};
  w.snapshot->meta.index = 10;
  w.snapshot->meta.term = 3;
  w.entries = {E(11, 3)};
  ApplyWrite(w, &state);
  EXPECT_EQ(state.snapshot.meta.index, 10u);
  EXPECT_EQ(state.LastIndex(), 11u);
  EXPECT_EQ(state.entries.size(), 1u);
}

TEST(SimDiskDeathTest, WritingWithAGapIsABug) {
  DiskState state;
  EXPECT_DEATH(ApplyWrite(Entries({E(3, 1)}), &state), "gap");
}

}  // namespace
}  // namespace baton::sim
