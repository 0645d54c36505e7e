#include "net/frame.h"

#include <gtest/gtest.h>

namespace baton::net {
namespace {

constexpr uint32_t kMax = 1024;

Result<FrameHeader> Header(const std::string& frame) { return DecodeFrameHeader(frame, kMax); }

TEST(FrameTest, RoundTripsTypeLengthAndPayload) {
  const std::string frame = EncodeFrame(FrameType::kData, "hello raft");
  ASSERT_EQ(frame.size(), kFrameHeaderSize + 10);
  auto h = Header(frame);
  ASSERT_TRUE(h.has_value()) << h.error().ToString();
  EXPECT_EQ(h->type, FrameType::kData);
  EXPECT_EQ(h->length, 10u);
  EXPECT_TRUE(CheckFramePayload(*h, frame.substr(kFrameHeaderSize)).ok());
}

TEST(FrameTest, EmptyPayloadIsValid) {
  const std::string frame = EncodeFrame(FrameType::kPing, "");
  auto h = Header(frame);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->length, 0u);
  EXPECT_TRUE(CheckFramePayload(*h, "").ok());
}

TEST(FrameTest, RejectsBadMagic) {
  std::string frame = EncodeFrame(FrameType::kData, "x");
  frame[0] ^= 0x01;
  EXPECT_TRUE(Header(frame).error().IsCorruption());
}

TEST(FrameTest, RejectsOtherProtocolVersion) {
  std::string frame = EncodeFrame(FrameType::kData, "x");
  frame[4] = static_cast<char>(kProtocolVersion + 1);
  EXPECT_TRUE(Header(frame).error().IsCorruption());
}

TEST(FrameTest, RejectsUnknownTypeAndReservedBits) {
  std::string bad_type = EncodeFrame(FrameType::kData, "x");
  bad_type[5] = 9;
  EXPECT_FALSE(Header(bad_type).has_value());
  std::string bad_reserved = EncodeFrame(FrameType::kData, "x");
  bad_reserved[7] = 1;
  EXPECT_FALSE(Header(bad_reserved).has_value());
}

TEST(FrameTest, RejectsLengthOverTheLimitButAcceptsTheLimit) {
  EXPECT_TRUE(Header(EncodeFrame(FrameType::kData, std::string(kMax, 'a'))).has_value());
  EXPECT_TRUE(
      Header(EncodeFrame(FrameType::kData, std::string(kMax + 1, 'a'))).error().IsCorruption());
}

TEST(FrameTest, DetectsCorruptedAndTruncatedPayload) {
  std::string frame = EncodeFrame(FrameType::kData, "payload");
  auto h = Header(frame);
  ASSERT_TRUE(h.has_value());
  std::string payload = frame.substr(kFrameHeaderSize);
  payload[3] ^= 0x20;
  EXPECT_TRUE(CheckFramePayload(*h, payload).IsCorruption());
  EXPECT_TRUE(CheckFramePayload(*h, "payloa").IsCorruption());
}

TEST(FrameTest, HelloRoundTrips) {
  const Hello in{"prod-eu", 42, "node-42"};
  auto out = DecodeHello(EncodeHello(in));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->cluster, "prod-eu");
  EXPECT_EQ(out->node_id, 42u);
  EXPECT_EQ(out->node_name, "node-42");
}

TEST(FrameTest, HelloRejectsTruncationAndTrailingBytes) {
  const std::string hello = EncodeHello({"c", 1, "n"});
  EXPECT_TRUE(DecodeHello(hello.substr(0, hello.size() - 1)).error().IsCorruption());
  EXPECT_TRUE(DecodeHello(hello + "x").error().IsCorruption());
  EXPECT_FALSE(DecodeHello("").has_value());
}

}  // namespace
}  // namespace baton::net
