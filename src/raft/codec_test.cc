#include "raft/codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"

namespace baton::raft {
namespace {

constexpr MessageType kAllMessageTypes[] = {
    MessageType::kPreVote,
    MessageType::kPreVoteResponse,
    MessageType::kVote,
    MessageType::kVoteResponse,
    MessageType::kAppend,
    MessageType::kAppendResponse,
    MessageType::kHeartbeat,
    MessageType::kHeartbeatResponse,
    MessageType::kSnapshot,
    MessageType::kTimeoutNow,
    MessageType::kReadIndex,
    MessageType::kReadIndexResponse,
    MessageType::kSnapshotResponse,
};

Snapshot SampleSnapshot() {
  Snapshot s;
  s.meta.index = 1'000'000;
  s.meta.term = 42;
  s.meta.conf.voters = {1, 2, 3};
  s.meta.conf.learners = {UINT64_MAX};
  s.data = std::string("state\0machine", 13);
  return s;
}

// A message with every field set to a distinct, non-default value (large
// values exercise multi-byte varints).
Message FullMessage(MessageType type) {
  Message m;
  m.type = type;
  m.from = 1;
  m.to = 3;
  m.term = 7;
  m.log_term = 6;
  m.index = 300;
  m.commit = 299;
  m.reject = true;
  m.reject_hint = 120;
  m.reject_hint_term = 5;
  m.context = UINT64_MAX;
  m.entries = {
      {.term = 6, .index = 301, .type = EntryType::kNormal, .data = ""},
      {.term = 7, .index = 302, .type = EntryType::kConfChange, .data = "add 4"},
      {.term = 7, .index = 303, .type = EntryType::kNormal, .data = std::string(200, 'x')},
  };
  m.snapshot = std::make_shared<const Snapshot>(SampleSnapshot());
  m.snapshot_offset = uint64_t{5} << 33;
  m.snapshot_size = (uint64_t{5} << 33) + 13;
  return m;
}

void ExpectSameMessage(const Message& want, const Message& got) {
  EXPECT_EQ(got.type, want.type);
  EXPECT_EQ(got.from, want.from);
  EXPECT_EQ(got.to, want.to);
  EXPECT_EQ(got.term, want.term);
  EXPECT_EQ(got.log_term, want.log_term);
  EXPECT_EQ(got.index, want.index);
  EXPECT_EQ(got.commit, want.commit);
  EXPECT_EQ(got.reject, want.reject);
  EXPECT_EQ(got.reject_hint, want.reject_hint);
  EXPECT_EQ(got.reject_hint_term, want.reject_hint_term);
  EXPECT_EQ(got.context, want.context);
  EXPECT_EQ(got.entries, want.entries);
  EXPECT_EQ(got.snapshot_offset, want.snapshot_offset);
  EXPECT_EQ(got.snapshot_size, want.snapshot_size);
  ASSERT_EQ(got.snapshot == nullptr, want.snapshot == nullptr);
  if (want.snapshot) {
    EXPECT_EQ(*got.snapshot, *want.snapshot);
  }
}

TEST(Codec, EveryMessageTypeRoundTripsWithEveryField) {
  for (MessageType type : kAllMessageTypes) {
    SCOPED_TRACE(static_cast<int>(type));
    const Message m = FullMessage(type);
    Result<Message> decoded = DecodeMessage(EncodeMessage(m));
    ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
    ExpectSameMessage(m, *decoded);
  }
}

TEST(Codec, DefaultMessageRoundTripsWithoutSnapshot) {
  const Message m;
  Result<Message> decoded = DecodeMessage(EncodeMessage(m));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  ExpectSameMessage(m, *decoded);
  EXPECT_EQ(decoded->snapshot, nullptr);
}

TEST(Codec, EntryHardStateAndSnapshotRoundTrip) {
  const Entry entry{.term = 9, .index = 1u << 20, .type = EntryType::kConfChange, .data = "cc"};
  EXPECT_EQ(*DecodeEntry(EncodeEntry(entry)), entry);

  const HardState hs{.term = 12, .vote = 2, .commit = 99};
  EXPECT_EQ(*DecodeHardState(EncodeHardState(hs)), hs);

  const Snapshot snapshot = SampleSnapshot();
  EXPECT_EQ(*DecodeSnapshotMeta(EncodeSnapshotMeta(snapshot.meta)), snapshot.meta);
  EXPECT_EQ(*DecodeSnapshot(EncodeSnapshot(snapshot)), snapshot);
}

TEST(Codec, EveryTruncationOfAMessageIsRejected) {
  for (MessageType type : kAllMessageTypes) {
    const std::string bytes = EncodeMessage(FullMessage(type));
    for (size_t len = 0; len < bytes.size(); ++len) {
      Result<Message> decoded = DecodeMessage(std::string_view(bytes).substr(0, len));
      ASSERT_FALSE(decoded.has_value()) << "type " << static_cast<int>(type) << " cut at " << len;
      EXPECT_TRUE(decoded.error().IsCorruption()) << decoded.error().ToString();
    }
  }
}

TEST(Codec, EveryTruncationOfAnEntryHardStateAndSnapshotIsRejected) {
  const std::string entry =
      EncodeEntry({.term = 3, .index = 4, .type = EntryType::kNormal, .data = "abc"});
  for (size_t len = 0; len < entry.size(); ++len) {
    EXPECT_FALSE(DecodeEntry(entry.substr(0, len)).has_value()) << len;
  }
  const std::string hs = EncodeHardState({.term = 300, .vote = 2, .commit = 200});
  for (size_t len = 0; len < hs.size(); ++len) {
    EXPECT_FALSE(DecodeHardState(hs.substr(0, len)).has_value()) << len;
  }
  const std::string snapshot = EncodeSnapshot(SampleSnapshot());
  for (size_t len = 0; len < snapshot.size(); ++len) {
    EXPECT_FALSE(DecodeSnapshot(snapshot.substr(0, len)).has_value()) << len;
  }
}

TEST(Codec, TrailingBytesAreCorruption) {
  std::string bytes = EncodeMessage(FullMessage(MessageType::kAppend)) + "x";
  Result<Message> decoded = DecodeMessage(bytes);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_TRUE(decoded.error().IsCorruption());
  EXPECT_FALSE(DecodeHardState(EncodeHardState({}) + '\0').has_value());
}

TEST(Codec, UnknownEnumValuesAndVersionsAreCorruption) {
  std::string bytes = EncodeMessage(Message{});
  std::string bad_version = bytes;
  bad_version[0] = static_cast<char>(kMessageFormatVersion + 1);
  EXPECT_TRUE(DecodeMessage(bad_version).error().IsCorruption());

  std::string bad_type = bytes;
  bad_type[1] = static_cast<char>(static_cast<uint8_t>(MessageType::kSnapshotResponse) + 1);
  EXPECT_TRUE(DecodeMessage(bad_type).error().IsCorruption());

  std::string entry = EncodeEntry({.term = 1, .index = 1, .data = ""});
  entry[2] = 2;  // the type byte after two one-byte varints
  EXPECT_TRUE(DecodeEntry(entry).error().IsCorruption());
}

TEST(Codec, AnEntryCountLargerThanTheInputIsRejectedWithoutAllocating) {
  Message m;
  std::string bytes = EncodeMessage(m);
  // The entry count comes before the snapshot offset, size and flag (all
  // zero here, one byte each).
  const size_t count_at = bytes.size() - 4;
  std::string lying = bytes.substr(0, count_at);
  lying += "\xff\xff\xff\xff\x0f";  // ~4 billion entries
  lying += bytes.substr(count_at + 1);
  Result<Message> decoded = DecodeMessage(lying);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_TRUE(decoded.error().IsCorruption());
}

TEST(Codec, InputOverTheSizeLimitIsInvalidArgument) {
  const std::string huge(kMaxEncodedBytes + 1, '\0');
  Result<Message> decoded = DecodeMessage(huge);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_TRUE(decoded.error().IsInvalidArgument()) << decoded.error().ToString();
}

// Random corruption: each decode either fails cleanly or yields a value that
// round-trips like any other. Sanitizer builds turn any overread into a
// failure here.
TEST(Codec, RandomByteFlipsNeverCrash) {
  Rng rng(20261125);
  const std::string originals[] = {
      EncodeMessage(FullMessage(MessageType::kAppend)),
      EncodeMessage(FullMessage(MessageType::kSnapshot)),
      EncodeMessage(Message{}),
  };
  int rejected = 0;
  for (int round = 0; round < 20'000; ++round) {
    std::string bytes = originals[round % 3];
    const int flips = static_cast<int>(rng.UniformInt(1, 4));
    for (int f = 0; f < flips; ++f) {
      const auto at =
          static_cast<size_t>(rng.UniformInt(0, static_cast<int64_t>(bytes.size()) - 1));
      bytes[at] = static_cast<char>(bytes[at] ^ (1 << rng.UniformInt(0, 7)));
    }
    Result<Message> decoded = DecodeMessage(bytes);
    if (decoded.has_value()) {
      Result<Message> again = DecodeMessage(EncodeMessage(*decoded));
      ASSERT_TRUE(again.has_value());
      ExpectSameMessage(*decoded, *again);
    } else {
      ++rejected;
    }
  }
  // Most flips land in a length, count or enum and must be caught.
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace baton::raft
