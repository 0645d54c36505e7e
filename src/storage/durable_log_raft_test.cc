// DurableLog together with the Raft core: what a node persists through
// Ready is exactly what RawNode::Restore needs after a restart, also across a
// snapshot and the log compaction that follows it.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/logger.h"
#include "core/rng.h"
#include "raft/raw_node.h"
#include "storage/durable_log.h"

namespace baton::storage {
namespace {

constexpr int kReadyRoundsMax = 100;

raft::Config SingleNodeConfig() {
  raft::Config config;
  config.id = 1;
  return config;
}

// Persists and advances every Ready the node has (a single node sends no
// messages).
void Drive(raft::RawNode& node, DurableLog& log) {
  for (int i = 0; i < kReadyRoundsMax && node.HasReady(); ++i) {
    raft::Ready ready = node.TakeReady();
    ASSERT_TRUE(ready.messages.empty());
    ASSERT_TRUE(log.Append(ready).ok());
    node.Advance(ready);
  }
  ASSERT_FALSE(node.HasReady());
}

void ProposeAndCommit(raft::RawNode& node, DurableLog& log, int count) {
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(node.Propose("write-" + std::to_string(i)).ok());
    Drive(node, log);
  }
}

class DurableLogRaftTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char path[] = "/tmp/baton_storage_raft_test_XXXXXX";
    ASSERT_NE(mkdtemp(path), nullptr);
    dir_ = path;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  NullLogger logger_;
  Rng rng_{7};
  std::string dir_;
};

TEST_F(DurableLogRaftTest, ARestartedNodeResumesFromItsSnapshotAndLog) {
  raft::Index last_index = 0;
  raft::Index commit = 0;
  raft::Term term = 0;
  raft::Index snapshot_index = 0;
  {
    auto log = std::move(*DurableLog::Open(dir_, logger_));
    auto node = std::move(*raft::RawNode::Bootstrap(SingleNodeConfig(), {1}, rng_, logger_));
    node->Campaign();
    Drive(*node, *log);
    ASSERT_EQ(node->role(), raft::Role::kLeader);
    ProposeAndCommit(*node, *log, 10);

    // The application snapshots its state machine at the applied index.
    raft::Snapshot snapshot;
    snapshot.meta.index = node->applied_index();
    Result<std::vector<raft::Entry>> last_applied =
        node->Entries(snapshot.meta.index, snapshot.meta.index + 1);
    ASSERT_TRUE(last_applied.has_value() && last_applied->size() == 1);
    snapshot.meta.term = last_applied->front().term;
    snapshot.meta.conf = node->conf_state();
    snapshot.data = "state machine image";
    ASSERT_TRUE(node->Compact(snapshot.meta.index, snapshot.data).ok());
    ASSERT_TRUE(log->SaveSnapshot(snapshot).ok());
    snapshot_index = snapshot.meta.index;

    ProposeAndCommit(*node, *log, 5);
    last_index = node->last_index();
    commit = node->commit_index();
    term = node->term();
  }

  auto log = std::move(*DurableLog::Open(dir_, logger_));
  const raft::RestoredState& state = log->state();
  EXPECT_EQ(state.snapshot.meta.index, snapshot_index);
  EXPECT_EQ(state.snapshot.data, "state machine image");
  ASSERT_EQ(state.entries.size(), last_index - snapshot_index);
  EXPECT_EQ(state.entries.front().index, snapshot_index + 1);

  Result<std::unique_ptr<raft::RawNode>> restored =
      raft::RawNode::Restore(SingleNodeConfig(), state, rng_, logger_);
  ASSERT_TRUE(restored.has_value()) << restored.error().ToString();
  raft::RawNode& node = **restored;
  EXPECT_EQ(node.last_index(), last_index);
  EXPECT_EQ(node.commit_index(), commit);
  EXPECT_EQ(node.term(), term);
  EXPECT_EQ(node.first_index(), snapshot_index + 1);

  // It wins the next election and keeps appending where it left off.
  Drive(node, *log);
  node.Campaign();
  Drive(node, *log);
  ASSERT_EQ(node.role(), raft::Role::kLeader);
  ProposeAndCommit(node, *log, 1);
  EXPECT_GT(node.commit_index(), last_index);
  EXPECT_EQ(log->state().entries.back().index, node.last_index());
}

}  // namespace
}  // namespace baton::storage
