#include "store/command.h"

#include <gtest/gtest.h>

#include "core/rng.h"

namespace baton::store {
namespace {

std::vector<Command> EveryKind() {
  Txn txn;
  txn.compares = {
      Compare::Value("/a", CompareOp::kEqual, "x"), Compare::Version("/b", CompareOp::kNotEqual, 3),
      Compare::CreateRevision("/c", CompareOp::kLess, 7),
      Compare::ModRevision("/d", CompareOp::kGreater, 1ull << 40), Compare::Absent("/e")};
  txn.then_ops = {Put{"/a", "y", 9}, Delete{"/b"}, DeleteRange{"/c/"}, Range{"/d", true}};
  txn.else_ops = {Range{"/a", false}};
  return {Put{"/k", std::string("v\0w", 3), 0},
          Put{"/k", "", 42},
          Delete{"/k"},
          DeleteRange{""},
          txn,
          Txn{},
          LeaseGrant{5, Duration::Seconds(10)},
          LeaseGrant{0, Duration::Nanos(-1)},
          LeaseRevoke{5},
          LeaseRefresh{5},
          LeaseRefresh{UINT64_MAX},
          Compact{UINT64_MAX}};
}

TEST(Command, EveryKindRoundTrips) {
  for (const Command& command : EveryKind()) {
    const std::string bytes = EncodeCommand(command);
    Result<Command> decoded = DecodeCommand(bytes);
    ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
    EXPECT_EQ(*decoded, command) << "variant index " << command.index();
  }
}

TEST(Command, EveryTruncationIsCorruption) {
  for (const Command& command : EveryKind()) {
    const std::string bytes = EncodeCommand(command);
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      Result<Command> decoded = DecodeCommand(std::string_view(bytes).substr(0, cut));
      ASSERT_FALSE(decoded.has_value()) << "variant " << command.index() << " cut " << cut;
      EXPECT_TRUE(decoded.error().IsCorruption());
    }
  }
}

TEST(Command, TrailingBytesAreRejected) {
  std::string bytes = EncodeCommand(Delete{"/k"}) + "x";
  EXPECT_TRUE(DecodeCommand(bytes).error().IsCorruption());
}

TEST(Command, UnknownFormatTypeOrEnumIsRejected) {
  std::string bytes = EncodeCommand(Delete{"/k"});
  bytes[0] = 2;  // format
  EXPECT_FALSE(DecodeCommand(bytes).has_value());
  bytes = EncodeCommand(Delete{"/k"});
  bytes[1] = 99;  // command type
  EXPECT_FALSE(DecodeCommand(bytes).has_value());
  Txn txn;
  txn.compares = {Compare::Version("k", CompareOp::kEqual, 1)};
  bytes = EncodeCommand(txn);
  // format, type, count, key length, 'k', target, op
  ASSERT_EQ(bytes[6], static_cast<char>(CompareOp::kEqual));
  bytes[6] = 4;
  EXPECT_FALSE(DecodeCommand(bytes).has_value());
  bytes[6] = 0;
  bytes[5] = 5;  // target
  EXPECT_FALSE(DecodeCommand(bytes).has_value());
}

TEST(Command, TopLevelRangeIsNotACommand) {
  Txn txn;
  txn.then_ops = {Range{"/k", false}};
  std::string bytes = EncodeCommand(txn);
  // The Range op starts after format, type, compare count and op count.
  const std::string range_op = bytes.substr(4, bytes.size() - 5);
  EXPECT_FALSE(DecodeCommand(std::string(1, '\x01') + range_op).has_value());
}

TEST(Command, HugeCountIsRejectedWithoutAllocating) {
  std::string bytes = {1, 4};  // format, Txn
  PutVarint64(&bytes, 1ull << 60);
  EXPECT_TRUE(DecodeCommand(bytes).error().IsCorruption());
}

// Random bytes and random mutations of valid encodings never crash the
// decoder, and whatever it accepts re-encodes to an equal command.
TEST(Command, BoundedFuzzNeverCrashes) {
  Rng rng(20261125);
  const std::vector<Command> seeds = EveryKind();
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes;
    if (rng.Chance(0.3)) {
      bytes.resize(static_cast<size_t>(rng.UniformInt(0, 40)));
      for (char& c : bytes) c = static_cast<char>(rng.Next());
    } else {
      bytes = EncodeCommand(seeds[static_cast<size_t>(rng.UniformInt(0, seeds.size() - 1))]);
      const int flips = static_cast<int>(rng.UniformInt(1, 3));
      for (int f = 0; f < flips; ++f) {
        bytes[static_cast<size_t>(rng.UniformInt(0, bytes.size() - 1))] =
            static_cast<char>(rng.Next());
      }
    }
    Result<Command> decoded = DecodeCommand(bytes);
    if (!decoded.has_value()) {
      EXPECT_TRUE(decoded.error().IsCorruption());
      continue;
    }
    ++accepted;
    Result<Command> again = DecodeCommand(EncodeCommand(*decoded));
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *decoded);
  }
  EXPECT_GT(accepted, 0);  // the mutations also reach the accepting paths
}

}  // namespace
}  // namespace baton::store
