// InstallSnapshot in chunks: an image larger than max_snapshot_chunk_bytes
// travels in offset-addressed chunks, one in flight, and is installed only
// once whole; lost, duplicated and out-of-order chunks are repaired.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/raft_test_cluster.h"

namespace baton::raft {
namespace {

// 1000 bytes that differ from position to position, so a misplaced chunk
// cannot go unnoticed.
std::string Image() {
  std::string image;
  for (int i = 0; image.size() < 1000; ++i) image.append(std::to_string(i)).push_back(',');
  image.resize(1000);
  return image;
}

void SmallChunks(Config& cfg) { cfg.max_snapshot_chunk_bytes = 300; }

// Leader 1 takes a snapshot at 9 that follower 3, cut off, lacks.
void MakeLagging(RaftTestCluster& c) {
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(c.ProposeAndStabilize(1, "x").ok());
  EXPECT_TRUE(c.Compact(1, 9, Image()).ok());
}

TEST(RaftSnapshotChunks, ImageTravelsInChunksAndIsInstalledWhole) {
  RaftTestCluster c(3, SmallChunks);
  MakeLagging(c);
  std::vector<std::pair<uint64_t, size_t>> chunks;  // (offset, length)
  c.SetFilter([&](Message& m) {
    if (m.type == MessageType::kSnapshot) {
      EXPECT_EQ(m.snapshot_size, 1000u);
      EXPECT_LE(m.snapshot->data.size(), 300u);
      chunks.emplace_back(m.snapshot_offset, m.snapshot->data.size());
      EXPECT_EQ(c.restored_snapshot(3), 0u) << "nothing is installed before the last chunk";
    }
    return true;
  });
  c.Heal();
  c.TickAndStabilize(3);
  const std::vector<std::pair<uint64_t, size_t>> want = {
      {0, 300}, {300, 300}, {600, 300}, {900, 100}};
  EXPECT_EQ(chunks, want);
  EXPECT_EQ(c.delivered()[MessageType::kSnapshotResponse], 3u);
  EXPECT_EQ(c.restored_snapshot(3), 9u);
  EXPECT_EQ(c.disk(3).snapshot.data, Image());
  ASSERT_TRUE(c.ProposeAndStabilize(1, "after").ok());
  EXPECT_EQ(c.node(3).commit_index(), c.node(1).commit_index());
  EXPECT_EQ(c.applied(3).back().data, "after");
}

TEST(RaftSnapshotChunks, ALostChunkIsResentAfterATimeout) {
  RaftTestCluster c(3, SmallChunks);
  MakeLagging(c);
  int dropped = 0;
  c.SetFilter([&](Message& m) {
    if (m.type != MessageType::kSnapshot || m.snapshot_offset != 600 || dropped > 0) return true;
    ++dropped;
    return false;
  });
  c.Heal();
  c.TickAndStabilize(40);
  EXPECT_EQ(dropped, 1);
  EXPECT_EQ(c.restored_snapshot(3), 9u);
  EXPECT_EQ(c.disk(3).snapshot.data, Image());
  EXPECT_EQ(c.node(3).commit_index(), c.node(1).commit_index());
}

TEST(RaftSnapshotChunks, DuplicatedChunksAndAcksDoNotCorruptTheImage) {
  RaftTestCluster c(3, SmallChunks);
  MakeLagging(c);
  // Deliver every chunk and every chunk ack twice.
  c.SetFilter([&](Message& m) {
    if (m.type == MessageType::kSnapshot || m.type == MessageType::kSnapshotResponse) {
      EXPECT_TRUE(c.node(m.to).Step(m).ok());
    }
    return true;
  });
  c.Heal();
  c.TickAndStabilize(5);
  EXPECT_EQ(c.restored_snapshot(3), 9u);
  EXPECT_EQ(c.disk(3).snapshot.data, Image());
  EXPECT_EQ(c.node(3).commit_index(), c.node(1).commit_index());
}

TEST(RaftSnapshotChunks, AChunkThatDoesNotContinueTheImageIsRejectedAndRestarts) {
  RaftTestCluster c(3, SmallChunks);
  MakeLagging(c);
  c.Heal();
  c.ProcessReadies();
  // The follower never saw offset 0 of this image: a chunk at 300 is refused.
  Message stray;
  stray.type = MessageType::kSnapshot;
  stray.from = 1;
  stray.to = 3;
  stray.term = c.node(1).term();
  auto chunk = std::make_shared<Snapshot>();
  chunk->meta.index = 9;
  chunk->meta.term = c.node(1).term();
  chunk->meta.conf = c.node(1).conf_state();
  chunk->data = std::string(300, 'z');
  stray.snapshot = chunk;
  stray.snapshot_offset = 300;
  stray.snapshot_size = 1000;
  ASSERT_TRUE(c.node(3).Step(stray).ok());
  c.ProcessReadies();
  bool rejected = false;
  for (const Message& m : c.queued()) {
    if (m.type == MessageType::kSnapshotResponse && m.from == 3) {
      rejected = m.reject && m.snapshot_offset == 0 && m.index == 9;
    }
  }
  EXPECT_TRUE(rejected);
  c.TickAndStabilize(40);
  EXPECT_EQ(c.restored_snapshot(3), 9u);
  EXPECT_EQ(c.disk(3).snapshot.data, Image());
}

TEST(RaftSnapshotChunks, ChunkBeyondTheImageSizeIsMalformed) {
  RaftTestCluster c(3, SmallChunks);
  MakeLagging(c);
  Message m;
  m.type = MessageType::kSnapshot;
  m.from = 1;
  m.to = 3;
  m.term = c.node(1).term();
  auto chunk = std::make_shared<Snapshot>();
  chunk->meta.index = 9;
  chunk->meta.term = 1;
  chunk->data = std::string(10, 'z');
  m.snapshot = chunk;
  m.snapshot_offset = 995;
  m.snapshot_size = 1000;
  EXPECT_TRUE(c.node(3).Step(m).IsInvalidArgument());
}

}  // namespace
}  // namespace baton::raft
