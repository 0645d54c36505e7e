// Replication by bytes: appends bounded by max_append_bytes (never empty),
// entries above max_entry_bytes refused at Propose.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "testing/raft_test_cluster.h"

namespace baton::raft {
namespace {

size_t DataBytes(const Message& m) {
  size_t bytes = 0;
  for (const Entry& e : m.entries) bytes += e.data.size();
  return bytes;
}

TEST(RaftBatchBytes, AppendsStopAtTheByteBoundButCarryAtLeastOneEntry) {
  RaftTestCluster c(3, [](Config& cfg) {
    cfg.max_append_bytes = 1000;
    cfg.max_entry_bytes = 5000;
  });
  c.Elect(1);
  c.Isolate(3);
  // 300-byte entries: three fit in 1000 bytes, a fourth does not.
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(c.node(1).Propose(std::string(300, 'a')).ok());
  // An entry above max_append_bytes still travels, alone.
  ASSERT_TRUE(c.node(1).Propose(std::string(4000, 'b')).ok());
  ASSERT_TRUE(c.Stabilize());  // 2 takes them one by one; 3 misses them
  size_t largest_batch_bytes = 0;
  size_t most_entries = 0;
  bool big_entry_alone = false;
  c.SetFilter([&](Message& m) {
    if (m.type != MessageType::kAppend || m.entries.empty()) return true;
    most_entries = std::max(most_entries, m.entries.size());
    if (m.entries.size() > 1) largest_batch_bytes = std::max(largest_batch_bytes, DataBytes(m));
    if (DataBytes(m) == 4000 && m.entries.size() == 1) big_entry_alone = true;
    return true;
  });
  c.Heal();
  ASSERT_TRUE(c.Stabilize());
  c.TickAndStabilize(3);
  EXPECT_LE(largest_batch_bytes, 1000u);
  EXPECT_EQ(most_entries, 3u);
  EXPECT_TRUE(big_entry_alone);
  for (NodeId id : {1, 2, 3}) EXPECT_EQ(c.node(id).commit_index(), c.node(1).last_index()) << id;
  EXPECT_EQ(c.applied(3).back().data, std::string(4000, 'b'));
}

TEST(RaftBatchBytes, ProposeRefusesAnEntryAboveTheLimitAndChangesNothing) {
  RaftTestCluster c(3, [](Config& cfg) { cfg.max_entry_bytes = 100; });
  c.Elect(1);
  const Index last = c.node(1).last_index();
  Status s = c.node(1).Propose(std::string(101, 'x'));
  EXPECT_TRUE(IsEntryTooLarge(s)) << s.ToString();
  EXPECT_NE(s.message().find("101 bytes"), std::string::npos) << s.ToString();
  EXPECT_EQ(c.node(1).last_index(), last);
  EXPECT_TRUE(c.node(1).Propose(std::string(100, 'x')).ok());
  EXPECT_FALSE(IsEntryTooLarge(Status::InvalidArgument("other")));
}

TEST(RaftBatchBytes, ConfigRejectsByteLimitsBeyondTheFrameLimit) {
  Config cfg;
  cfg.id = 1;
  EXPECT_TRUE(cfg.Validate().ok());
  cfg.max_append_bytes = kMaxEncodedBytes;
  EXPECT_TRUE(cfg.Validate().IsInvalidArgument());
  cfg.max_append_bytes = 1;
  cfg.max_snapshot_chunk_bytes = 0;
  EXPECT_TRUE(cfg.Validate().IsInvalidArgument());
  cfg.max_snapshot_chunk_bytes = 1;
  cfg.max_entry_bytes = kMaxEncodedBytes;
  EXPECT_TRUE(cfg.Validate().IsInvalidArgument());
}

}  // namespace
}  // namespace baton::raft
