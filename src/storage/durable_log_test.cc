#include "storage/durable_log.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "raft/codec.h"
#include "storage/file.h"
#include "storage/record.h"

namespace baton::storage {
namespace {

using raft::Entry;
using raft::HardState;
using raft::Ready;
using raft::RestoredState;
using raft::Snapshot;

Entry MakeEntry(raft::Index index, raft::Term term) {
  return Entry{.term = term,
               .index = index,
               .type = raft::EntryType::kNormal,
               .data = "entry-" + std::to_string(index) + "-term-" + std::to_string(term)};
}

std::vector<Entry> MakeEntries(raft::Index from, raft::Index to, raft::Term term) {
  std::vector<Entry> out;
  for (raft::Index i = from; i <= to; ++i) out.push_back(MakeEntry(i, term));
  return out;
}

Ready MakeReady(std::vector<Entry> entries, std::optional<HardState> hard_state = std::nullopt) {
  Ready ready;
  ready.entries = std::move(entries);
  ready.hard_state = hard_state;
  ready.must_sync = true;
  return ready;
}

Snapshot MakeSnapshot(raft::Index index, raft::Term term) {
  Snapshot s;
  s.meta.index = index;
  s.meta.term = term;
  s.meta.conf.voters = {1, 2, 3};
  s.data = "image-at-" + std::to_string(index);
  return s;
}

void ExpectSameState(const RestoredState& want, const RestoredState& got) {
  EXPECT_EQ(got.hard_state, want.hard_state);
  EXPECT_EQ(got.snapshot, want.snapshot);
  EXPECT_EQ(got.entries, want.entries);
}

class RecordingLogger final : public Logger {
 public:
  bool Enabled(LogLevel) const override { return true; }
  void Log(LogLevel level, std::string_view message) override {
    lines.push_back(std::string(LogLevelName(level)) + " " + std::string(message));
  }
  std::vector<std::string> lines;
};

class DurableLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char path[] = "/tmp/baton_storage_test_XXXXXX";
    ASSERT_NE(mkdtemp(path), nullptr);
    dir_ = path;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<DurableLog> OpenOrDie(const std::string& dir) {
    Result<std::unique_ptr<DurableLog>> log = DurableLog::Open(dir, logger_);
    BATON_CHECK(log.has_value()) << log.error().ToString();
    return std::move(*log);
  }
  std::unique_ptr<DurableLog> OpenOrDie() { return OpenOrDie(dir_); }

  std::string ReadOrDie(const std::string& name) {
    Result<std::string> bytes = ReadFileToString(JoinPath(dir_, name));
    BATON_CHECK(bytes.has_value()) << bytes.error().ToString();
    return std::move(*bytes);
  }
  void WriteOrDie(const std::string& name, std::string_view bytes) {
    const std::string path = JoinPath(dir_, name);
    std::filesystem::remove(path);
    Result<std::unique_ptr<AppendFile>> file = AppendFile::Open(path);
    BATON_CHECK(file.has_value()) << file.error().ToString();
    BATON_CHECK_OK((*file)->Append(bytes));
  }

  NullLogger logger_;
  std::string dir_;
};

TEST_F(DurableLogTest, FreshDirectoryRestoresNothing) {
  auto log = OpenOrDie();
  EXPECT_EQ(log->state().hard_state, HardState{});
  EXPECT_TRUE(log->state().snapshot.empty());
  EXPECT_TRUE(log->state().entries.empty());
}

TEST_F(DurableLogTest, EntriesAndHardStateSurviveReopen) {
  RestoredState written;
  {
    auto log = OpenOrDie();
    ASSERT_TRUE(log->Append(MakeReady(MakeEntries(1, 3, 1), HardState{1, 1, 0})).ok());
    ASSERT_TRUE(log->Append(MakeReady(MakeEntries(4, 5, 2), HardState{2, 2, 4})).ok());
    written = log->state();
  }
  EXPECT_EQ(written.entries.size(), 5u);
  EXPECT_EQ(written.hard_state, (HardState{2, 2, 4}));
  ExpectSameState(written, OpenOrDie()->state());
}

TEST_F(DurableLogTest, AnEarlierIndexReplacesTheSuffixFromThere) {
  {
    auto log = OpenOrDie();
    ASSERT_TRUE(log->Append(MakeReady(MakeEntries(1, 5, 1))).ok());
    ASSERT_TRUE(log->Append(MakeReady(MakeEntries(3, 4, 2))).ok());
    std::vector<Entry> want = MakeEntries(1, 2, 1);
    for (const Entry& e : MakeEntries(3, 4, 2)) want.push_back(e);
    EXPECT_EQ(log->state().entries, want);
  }
  auto reopened = OpenOrDie();
  ASSERT_EQ(reopened->state().entries.size(), 4u);
  EXPECT_EQ(reopened->state().entries[2], MakeEntry(3, 2));
  EXPECT_EQ(reopened->state().entries.back(), MakeEntry(4, 2));
}

TEST_F(DurableLogTest, SeveralWritesShareOneSync) {
  auto log = OpenOrDie();
  for (raft::Index i = 1; i <= 8; ++i) ASSERT_TRUE(log->Write(MakeReady({MakeEntry(i, 1)})).ok());
  EXPECT_EQ(log->metrics().syncs, 0u);
  ASSERT_TRUE(log->Sync().ok());
  EXPECT_EQ(log->metrics().syncs, 1u);
  ASSERT_TRUE(log->Sync().ok());
  EXPECT_EQ(log->metrics().syncs, 1u) << "nothing new to sync";
  EXPECT_EQ(log->metrics().entries_written, 8u);
  EXPECT_GT(log->metrics().sync_total, Duration::Zero());
  EXPECT_EQ(log->metrics().sync_max, log->metrics().sync_total);
  EXPECT_EQ(log->metrics().bytes_written, ReadOrDie("raft.log").size());
}

TEST_F(DurableLogTest, AppendSyncsOnlyWhenTheReadySaysSo) {
  auto log = OpenOrDie();
  Ready commit_only = MakeReady({}, HardState{1, 1, 1});
  commit_only.must_sync = false;
  ASSERT_TRUE(log->Append(commit_only).ok());
  EXPECT_EQ(log->metrics().syncs, 0u);
  ASSERT_TRUE(log->Append(MakeReady({MakeEntry(1, 1)})).ok());
  EXPECT_EQ(log->metrics().syncs, 1u);
}

TEST_F(DurableLogTest, SnapshotCompactsTheLogAndSurvivesRestart) {
  size_t log_bytes_before = 0;
  {
    auto log = OpenOrDie();
    ASSERT_TRUE(log->Append(MakeReady(MakeEntries(1, 10, 1), HardState{1, 1, 10})).ok());
    log_bytes_before = ReadOrDie("raft.log").size();
    ASSERT_TRUE(log->SaveSnapshot(MakeSnapshot(6, 1)).ok());
    EXPECT_EQ(log->state().entries, MakeEntries(7, 10, 1));
    EXPECT_EQ(log->metrics().compactions, 1u);
  }
  EXPECT_LT(ReadOrDie("raft.log").size(), log_bytes_before);
  {
    auto log = OpenOrDie();
    EXPECT_EQ(log->state().snapshot, MakeSnapshot(6, 1));
    EXPECT_EQ(log->state().entries, MakeEntries(7, 10, 1));
    EXPECT_EQ(log->state().hard_state, (HardState{1, 1, 10}));
    ASSERT_TRUE(log->Append(MakeReady({MakeEntry(11, 2)})).ok());
  }
  std::vector<Entry> want = MakeEntries(7, 10, 1);
  want.push_back(MakeEntry(11, 2));
  EXPECT_EQ(OpenOrDie()->state().entries, want);
}

TEST_F(DurableLogTest, ASnapshotTheLogDisagreesWithDiscardsTheWholeLog) {
  auto log = OpenOrDie();
  ASSERT_TRUE(log->Append(MakeReady(MakeEntries(1, 5, 1))).ok());
  // A leader's snapshot at index 8 (term 3), then the entries after it.
  Ready ready = MakeReady(MakeEntries(9, 10, 3), HardState{3, 0, 8});
  ready.snapshot = MakeSnapshot(8, 3);
  ASSERT_TRUE(log->Append(ready).ok());
  EXPECT_EQ(log->state().entries, MakeEntries(9, 10, 3));
  log.reset();
  auto reopened = OpenOrDie();
  EXPECT_EQ(reopened->state().snapshot, MakeSnapshot(8, 3));
  EXPECT_EQ(reopened->state().entries, MakeEntries(9, 10, 3));
}

TEST_F(DurableLogTest, AnOlderSnapshotIsRejected) {
  auto log = OpenOrDie();
  ASSERT_TRUE(log->Append(MakeReady(MakeEntries(1, 5, 1))).ok());
  ASSERT_TRUE(log->SaveSnapshot(MakeSnapshot(4, 1)).ok());
  EXPECT_TRUE(log->SaveSnapshot(MakeSnapshot(4, 1)).IsInvalidArgument());
  EXPECT_TRUE(log->SaveSnapshot(MakeSnapshot(2, 1)).IsInvalidArgument());
}

TEST_F(DurableLogTest, ASnapshotLargerThanAnyRecordRoundTrips) {
  Snapshot huge = MakeSnapshot(3, 1);
  huge.data.assign(raft::kMaxEncodedBytes + 12345, 's');
  huge.data[raft::kMaxEncodedBytes] = 'e';
  {
    auto log = OpenOrDie();
    ASSERT_TRUE(log->Append(MakeReady(MakeEntries(1, 5, 1))).ok());
    ASSERT_TRUE(log->SaveSnapshot(huge).ok());
  }
  auto reopened = OpenOrDie();
  EXPECT_TRUE(reopened->state().snapshot == huge);
  EXPECT_EQ(reopened->state().entries, MakeEntries(4, 5, 1));
}

TEST_F(DurableLogTest, WhatCouldNotBeReadBackIsRefusedUpFront) {
  auto log = OpenOrDie();
  Entry big = MakeEntry(1, 1);
  big.data.assign(raft::kMaxEncodedBytes, 's');
  EXPECT_TRUE(log->Write(MakeReady({big})).IsInvalidArgument());
  // It left no trace, and the log still works.
  EXPECT_TRUE(log->state().snapshot.empty());
  EXPECT_TRUE(log->state().entries.empty());
  ASSERT_TRUE(log->Append(MakeReady({MakeEntry(1, 1)})).ok());
  log.reset();
  EXPECT_EQ(OpenOrDie()->state().entries, MakeEntries(1, 1, 1));
}

// The tail-recovery property: a crash may cut the last record anywhere or
// leave any of its bytes wrong; either way the log reopens to exactly the
// records before it, and the damaged bytes are cut off the file.
class TornTailTest : public DurableLogTest {
 protected:
  void SetUp() override {
    DurableLogTest::SetUp();
    auto log = OpenOrDie();
    ASSERT_TRUE(log->Append(MakeReady(MakeEntries(1, 2, 1), HardState{1, 1, 2})).ok());
    before_last_ = log->state();
    good_prefix_ = ReadOrDie("raft.log");
    Entry last = MakeEntry(3, 1);
    last.data += std::string(40, 'x');
    ASSERT_TRUE(log->Append(MakeReady({last})).ok());
    full_ = ReadOrDie("raft.log");
  }

  void ExpectReopensToThePreviousRecords(const std::string& label) {
    Result<std::unique_ptr<DurableLog>> log = DurableLog::Open(dir_, logger_);
    ASSERT_TRUE(log.has_value()) << label << ": " << log.error().ToString();
    ExpectSameState(before_last_, (*log)->state());
    EXPECT_EQ(ReadOrDie("raft.log"), good_prefix_) << label;
  }

  RestoredState before_last_;
  std::string good_prefix_;
  std::string full_;
};

TEST_F(TornTailTest, EveryTruncationInsideTheLastRecordReopensToThePreviousRecords) {
  ASSERT_GT(full_.size(), good_prefix_.size() + kRecordHeaderBytes);
  for (size_t len = good_prefix_.size(); len < full_.size(); ++len) {
    WriteOrDie("raft.log", std::string_view(full_).substr(0, len));
    ExpectReopensToThePreviousRecords("cut at " + std::to_string(len));
  }
}

TEST_F(TornTailTest, EveryBitFlipInsideTheLastRecordReopensToThePreviousRecords) {
  for (size_t at = good_prefix_.size(); at < full_.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = full_;
      damaged[at] = static_cast<char>(damaged[at] ^ (1 << bit));
      WriteOrDie("raft.log", damaged);
      ExpectReopensToThePreviousRecords("bit " + std::to_string(bit) + " of byte " +
                                        std::to_string(at));
    }
  }
}

TEST_F(TornTailTest, TheLogKeepsWorkingAfterATornTailWasCut) {
  WriteOrDie("raft.log", std::string_view(full_).substr(0, full_.size() - 3));
  {
    RecordingLogger recorded;
    Result<std::unique_ptr<DurableLog>> opened = DurableLog::Open(dir_, recorded);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    auto log = std::move(*opened);
    EXPECT_EQ(log->metrics().torn_bytes_dropped, full_.size() - 3 - good_prefix_.size());
    ASSERT_EQ(recorded.lines.size(), 1u);
    EXPECT_NE(recorded.lines[0].find("torn tail"), std::string::npos) << recorded.lines[0];
    ASSERT_TRUE(log->Append(MakeReady({MakeEntry(3, 2)})).ok());
  }
  std::vector<Entry> want = MakeEntries(1, 2, 1);
  want.push_back(MakeEntry(3, 2));
  EXPECT_EQ(OpenOrDie()->state().entries, want);
}

TEST_F(DurableLogTest, CorruptionInTheMiddleIsAnErrorAndLeavesTheFileAlone) {
  {
    auto log = OpenOrDie();
    for (raft::Index i = 1; i <= 5; ++i)
      ASSERT_TRUE(log->Append(MakeReady({MakeEntry(i, 1)})).ok());
  }
  std::string bytes = ReadOrDie("raft.log");
  const size_t record = bytes.size() / 5;          // all five records have the same size
  bytes[record + kRecordHeaderBytes + 2] ^= 0x04;  // inside the second entry
  WriteOrDie("raft.log", bytes);
  Result<std::unique_ptr<DurableLog>> log = DurableLog::Open(dir_, logger_);
  ASSERT_FALSE(log.has_value());
  EXPECT_TRUE(log.error().IsCorruption()) << log.error().ToString();
  EXPECT_EQ(ReadOrDie("raft.log"), bytes);
}

TEST_F(DurableLogTest, IntactRecordsThatMakeNoSenseAreCorruption) {
  // Type 1 is the entry record.
  std::string gap;
  AppendRecord(&gap, 1, raft::EncodeEntry(MakeEntry(1, 1)));
  AppendRecord(&gap, 1, raft::EncodeEntry(MakeEntry(3, 1)));
  std::string unknown_type;
  AppendRecord(&unknown_type, 42, "?");
  std::string undecodable;
  AppendRecord(&undecodable, 1, "\xff");
  for (const std::string& file : {gap, unknown_type, undecodable}) {
    WriteOrDie("raft.log", file);
    Result<std::unique_ptr<DurableLog>> log = DurableLog::Open(dir_, logger_);
    ASSERT_FALSE(log.has_value());
    EXPECT_TRUE(log.error().IsCorruption()) << log.error().ToString();
  }
}

TEST_F(DurableLogTest, ACorruptSnapshotFileIsAnError) {
  {
    auto log = OpenOrDie();
    ASSERT_TRUE(log->Append(MakeReady(MakeEntries(1, 3, 1))).ok());
    ASSERT_TRUE(log->SaveSnapshot(MakeSnapshot(2, 1)).ok());
  }
  std::string bytes = ReadOrDie("snapshot");
  bytes.back() ^= 0x01;
  WriteOrDie("snapshot", bytes);
  Result<std::unique_ptr<DurableLog>> log = DurableLog::Open(dir_, logger_);
  ASSERT_FALSE(log.has_value());
  EXPECT_TRUE(log.error().IsCorruption()) << log.error().ToString();
}

TEST_F(DurableLogTest, ACrashBeforeTheSnapshotRenameKeepsThePreviousSnapshot) {
  {
    auto log = OpenOrDie();
    ASSERT_TRUE(log->Append(MakeReady(MakeEntries(1, 10, 1), HardState{1, 1, 10})).ok());
    ASSERT_TRUE(log->SaveSnapshot(MakeSnapshot(5, 1)).ok());
  }
  const RestoredState before = OpenOrDie()->state();
  // The complete temp file of a newer snapshot, exactly as SaveSnapshot
  // writes it, made in another directory.
  std::string newer;
  {
    char path[] = "/tmp/baton_storage_test_XXXXXX";
    ASSERT_NE(mkdtemp(path), nullptr);
    {
      auto other = OpenOrDie(path);
      ASSERT_TRUE(other->Append(MakeReady(MakeEntries(1, 10, 1))).ok());
      ASSERT_TRUE(other->SaveSnapshot(MakeSnapshot(9, 1)).ok());
    }
    newer = *ReadFileToString(JoinPath(path, "snapshot"));
    std::filesystem::remove_all(path);
  }
  for (size_t len : {newer.size(), newer.size() / 2}) {
    WriteOrDie(TempFileName("snapshot"), std::string_view(newer).substr(0, len));
    auto log = OpenOrDie();
    ExpectSameState(before, log->state());
    EXPECT_EQ(log->state().snapshot.meta.index, 5u);
    EXPECT_FALSE(FileExists(JoinPath(dir_, TempFileName("snapshot"))));
  }
}

TEST_F(DurableLogTest, ACrashBeforeTheLogRewriteDropsWhatTheNewSnapshotCovers) {
  std::string uncompacted;
  {
    auto log = OpenOrDie();
    ASSERT_TRUE(log->Append(MakeReady(MakeEntries(1, 10, 1), HardState{1, 1, 10})).ok());
    uncompacted = ReadOrDie("raft.log");
    ASSERT_TRUE(log->SaveSnapshot(MakeSnapshot(6, 1)).ok());
  }
  // As if the crash came after the snapshot rename but before the rewritten
  // log replaced the old one (a half-written temp log is also left over).
  WriteOrDie("raft.log", uncompacted);
  WriteOrDie(TempFileName("raft.log"), std::string_view(uncompacted).substr(0, 20));
  auto log = OpenOrDie();
  EXPECT_EQ(log->state().snapshot, MakeSnapshot(6, 1));
  EXPECT_EQ(log->state().entries, MakeEntries(7, 10, 1));
  EXPECT_EQ(log->state().hard_state, (HardState{1, 1, 10}));
  EXPECT_FALSE(FileExists(JoinPath(dir_, TempFileName("raft.log"))));
}

TEST_F(DurableLogTest, ADirectoryOpensOnlyOnce) {
  auto log = OpenOrDie();
  Result<std::unique_ptr<DurableLog>> second = DurableLog::Open(dir_, logger_);
  ASSERT_FALSE(second.has_value());
  EXPECT_TRUE(second.error().IsUnavailable()) << second.error().ToString();
  log.reset();
  EXPECT_TRUE(DurableLog::Open(dir_, logger_).has_value());
}

}  // namespace
}  // namespace baton::storage
