#include "agent/wire.h"

#include <gtest/gtest.h>

namespace baton::agent {
namespace {

TEST(Wire, HeartbeatRoundTrips) {
  Result<Payload> decoded = DecodePayload(EncodeHeartbeatPayload());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(std::holds_alternative<Heartbeat>(*decoded));
  EXPECT_FALSE(DecodePayload(EncodeHeartbeatPayload() + "x").has_value());
}

TEST(Wire, HealthRecordRoundTrips) {
  const HealthRecord record{"/baton/health/n1/cache/r1", R"({"health":"healthy"})"};
  Result<Payload> decoded = DecodePayload(EncodeHealthPayload(record));
  ASSERT_TRUE(decoded.has_value());
  const auto* got = std::get_if<HealthRecord>(&*decoded);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->key, record.key);
  EXPECT_EQ(got->value, record.value);
}

TEST(Wire, TruncatedHealthRecordIsCorruption) {
  std::string bytes = EncodeHealthPayload({"/baton/health/n1/g/m", "v"});
  bytes.resize(5);  // the key is cut short
  Result<Payload> decoded = DecodePayload(bytes);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_TRUE(decoded.error().IsCorruption()) << decoded.error().ToString();
  EXPECT_FALSE(DecodePayload(std::string(1, static_cast<char>(kHealthTag))).has_value());
}

}  // namespace
}  // namespace baton::agent
