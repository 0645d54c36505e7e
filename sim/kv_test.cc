#include "sim/kv.h"

#include <gtest/gtest.h>

namespace baton::sim {
namespace {

TEST(KvTest, CommandRoundTrips) {
  const KvCommand command{42, KvOpKind::kAppend, "k1", "c1.7;"};
  auto decoded = DecodeCommand(EncodeCommand(command));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, command);
}

TEST(KvTest, MalformedCommandIsCorruption) {
  std::string data = EncodeCommand({1, KvOpKind::kPut, "k", "v"});
  EXPECT_TRUE(DecodeCommand(data.substr(0, data.size() - 1)).error().IsCorruption());
  EXPECT_TRUE(DecodeCommand(data + "x").error().IsCorruption());
  EXPECT_TRUE(DecodeCommand("").error().IsCorruption());
}

TEST(KvTest, PutOverwritesAppendConcatenates) {
  KvStore kv;
  EXPECT_EQ(kv.Get("a"), "");
  kv.Apply({1, KvOpKind::kAppend, "a", "x"});
  kv.Apply({2, KvOpKind::kAppend, "a", "y"});
  EXPECT_EQ(kv.Get("a"), "xy");
  kv.Apply({3, KvOpKind::kPut, "a", "z"});
  EXPECT_EQ(kv.Get("a"), "z");
}

TEST(KvTest, SnapshotRoundTripsAndRejectsGarbage) {
  KvStore kv;
  kv.Apply({1, KvOpKind::kPut, "a", "1"});
  kv.Apply({2, KvOpKind::kPut, "b", "2"});
  auto restored = KvStore::DecodeSnapshot(kv.EncodeSnapshot());
  ASSERT_TRUE(restored.has_value());
  EXPECT_EQ(*restored, kv);
  EXPECT_FALSE(KvStore::DecodeSnapshot(kv.EncodeSnapshot() + "!").has_value());
}

}  // namespace
}  // namespace baton::sim
