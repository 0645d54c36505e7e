#include "storage/snapshot_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "raft/codec.h"
#include "storage/file.h"
#include "storage/record.h"

namespace baton::storage {
namespace {

class SnapshotFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/baton_snapshot_file_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path() const { return JoinPath(dir_, "snap"); }
  std::string Bytes() const { return *ReadFileToString(Path()); }
  void Overwrite(const std::string& bytes) {
    ASSERT_TRUE(WriteFileAtomically(dir_, "snap", bytes).ok());
  }

  std::string dir_;
};

raft::Snapshot Sample(size_t size) {
  raft::Snapshot s;
  s.meta.index = 77;
  s.meta.term = 5;
  s.meta.conf.voters = {1, 2, 3};
  s.meta.conf.learners = {4};
  s.data.resize(size);
  for (size_t i = 0; i < size; ++i) s.data[i] = static_cast<char>((i * 131) >> 3);
  return s;
}

TEST_F(SnapshotFileTest, RoundTripsEmptySmallAndMultiChunkImages) {
  for (size_t size :
       {size_t{0}, size_t{10}, kSnapshotFileChunkBytes, 3 * kSnapshotFileChunkBytes + 17}) {
    SCOPED_TRACE(size);
    uint64_t written = 0;
    ASSERT_TRUE(WriteSnapshotFile(dir_, "snap", Sample(size), &written).ok());
    EXPECT_EQ(written, Bytes().size());
    EXPECT_FALSE(FileExists(JoinPath(dir_, TempFileName("snap"))));
    Result<raft::Snapshot> got = ReadSnapshotFile(Path());
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    EXPECT_TRUE(*got == Sample(size));
  }
}

TEST_F(SnapshotFileTest, NoRecordIsLargerThanAChunk) {
  uint64_t written = 0;
  ASSERT_TRUE(WriteSnapshotFile(dir_, "snap", Sample(5 * kSnapshotFileChunkBytes), &written).ok());
  const std::string bytes = Bytes();
  Result<RecordScan> scan = ScanRecords(bytes);
  ASSERT_TRUE(scan.has_value());
  EXPECT_EQ(scan->records.size(), 7u);  // header, five chunks, end
  for (const RecordView& r : scan->records) EXPECT_LE(r.payload.size(), kSnapshotFileChunkBytes);
}

TEST_F(SnapshotFileTest, MissingIsNotFound) {
  EXPECT_TRUE(ReadSnapshotFile(Path()).error().IsNotFound());
}

TEST_F(SnapshotFileTest, EveryTruncationIsCorruption) {
  uint64_t written = 0;
  ASSERT_TRUE(
      WriteSnapshotFile(dir_, "snap", Sample(2 * kSnapshotFileChunkBytes + 5), &written).ok());
  const std::string bytes = Bytes();
  // Cut inside the header, inside a chunk, at a record boundary (the end
  // record missing) and one byte short.
  for (size_t len :
       {size_t{1}, size_t{20}, bytes.size() / 2, bytes.size() - 12, bytes.size() - 1}) {
    SCOPED_TRACE(len);
    Overwrite(bytes.substr(0, len));
    EXPECT_TRUE(ReadSnapshotFile(Path()).error().IsCorruption());
  }
}

TEST_F(SnapshotFileTest, AFlippedByteOrTrailingBytesAreCorruption) {
  uint64_t written = 0;
  ASSERT_TRUE(WriteSnapshotFile(dir_, "snap", Sample(kSnapshotFileChunkBytes + 9), &written).ok());
  const std::string bytes = Bytes();
  for (size_t at : {size_t{3}, size_t{12}, bytes.size() / 2, bytes.size() - 2}) {
    SCOPED_TRACE(at);
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ 0x40);
    Overwrite(bad);
    EXPECT_TRUE(ReadSnapshotFile(Path()).error().IsCorruption());
  }
  std::string extra = bytes;
  AppendRecord(&extra, 11, "more");
  Overwrite(extra);
  EXPECT_TRUE(ReadSnapshotFile(Path()).error().IsCorruption());
}

TEST_F(SnapshotFileTest, ReadsTheEarlierSingleRecordFormat) {
  std::string file;
  const raft::Snapshot snapshot = Sample(1000);
  AppendRecord(&file, 3, raft::EncodeSnapshot(snapshot));
  Overwrite(file);
  Result<raft::Snapshot> got = ReadSnapshotFile(Path());
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_TRUE(*got == snapshot);
}

}  // namespace
}  // namespace baton::storage
