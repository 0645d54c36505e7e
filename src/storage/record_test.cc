#include "storage/record.h"

#include <gtest/gtest.h>

#include <string>

namespace baton::storage {
namespace {

std::string ThreeRecords() {
  std::string file;
  AppendRecord(&file, 1, "first");
  AppendRecord(&file, 2, "");
  AppendRecord(&file, 3, std::string(300, 'z'));
  return file;
}

TEST(Record, RecordsScanBackWithTypesPayloadsAndOffsets) {
  const std::string file = ThreeRecords();
  Result<RecordScan> scan = ScanRecords(file);
  ASSERT_TRUE(scan.has_value()) << scan.error().ToString();
  ASSERT_EQ(scan->records.size(), 3u);
  EXPECT_EQ(scan->records[0].type, 1);
  EXPECT_EQ(scan->records[0].payload, "first");
  EXPECT_EQ(scan->records[0].offset, 0u);
  EXPECT_EQ(scan->records[1].type, 2);
  EXPECT_EQ(scan->records[1].payload, "");
  EXPECT_EQ(scan->records[1].offset, kRecordHeaderBytes + 5);
  EXPECT_EQ(scan->records[2].payload, std::string(300, 'z'));
  EXPECT_EQ(scan->valid_bytes, file.size());
}

TEST(Record, EmptyInputHasNoRecords) {
  Result<RecordScan> scan = ScanRecords("");
  ASSERT_TRUE(scan.has_value());
  EXPECT_TRUE(scan->records.empty());
  EXPECT_EQ(scan->valid_bytes, 0u);
}

TEST(Record, ZeroFilledTailIsTornNotCorrupt) {
  const std::string good = ThreeRecords();
  Result<RecordScan> scan = ScanRecords(good + std::string(4096, '\0'));
  ASSERT_TRUE(scan.has_value()) << scan.error().ToString();
  EXPECT_EQ(scan->records.size(), 3u);
  EXPECT_EQ(scan->valid_bytes, good.size());
}

TEST(Record, EveryCutOfTheLastRecordIsATornTail) {
  const std::string file = ThreeRecords();
  const size_t last = kRecordHeaderBytes * 2 + 5;
  for (size_t len = last; len < file.size(); ++len) {
    Result<RecordScan> scan = ScanRecords(std::string_view(file).substr(0, len));
    ASSERT_TRUE(scan.has_value()) << "cut at " << len;
    EXPECT_EQ(scan->records.size(), 2u) << "cut at " << len;
    EXPECT_EQ(scan->valid_bytes, last) << "cut at " << len;
  }
}

TEST(Record, DamageFollowedByAValidRecordIsCorruption) {
  std::string file = ThreeRecords();
  file[kRecordHeaderBytes + 1] ^= 0x01;  // inside the first payload
  Result<RecordScan> scan = ScanRecords(file);
  ASSERT_FALSE(scan.has_value());
  EXPECT_TRUE(scan.error().IsCorruption()) << scan.error().ToString();
}

TEST(Record, DamagedLengthInTheMiddleIsCorruptionNotATornTail) {
  std::string file = ThreeRecords();
  file[3] = '\x7f';  // the first record now claims a length past the end
  Result<RecordScan> scan = ScanRecords(file);
  ASSERT_FALSE(scan.has_value());
  EXPECT_TRUE(scan.error().IsCorruption());
}

}  // namespace
}  // namespace baton::storage
