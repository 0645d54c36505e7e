#include "agent/lease_ttl.h"

#include <gtest/gtest.h>

namespace baton::agent {
namespace {

const Duration kMin = Duration::Millis(500);

TEST(ParseLeaseTtl, AcceptsEveryShape) {
  EXPECT_EQ(ParseLeaseTtl(R"({"ttl":"10s"})", kMin).value(), Duration::Seconds(10));
  EXPECT_EQ(ParseLeaseTtl(R"({"ttl":10})", kMin).value(), Duration::Seconds(10));
  EXPECT_EQ(ParseLeaseTtl(R"({"ttl_ms":1500})", kMin).value(), Duration::Millis(1500));
}

TEST(ParseLeaseTtl, RefusesOverflowInsteadOfWrapping) {
  for (const char* body : {R"({"ttl":"18446744074s"})", R"({"ttl":18446744074})",
                           R"({"ttl":18446744073709551615})", R"({"ttl_ms":18446744073709551})"}) {
    Result<Duration> ttl = ParseLeaseTtl(body, kMin);
    ASSERT_FALSE(ttl.has_value()) << body << " -> " << ttl->ToString();
    EXPECT_TRUE(ttl.error().IsInvalidArgument());
  }
}

TEST(ParseLeaseTtl, EnforcesTheBounds) {
  Result<Duration> low = ParseLeaseTtl(R"({"ttl":"30ms"})", kMin);
  ASSERT_FALSE(low.has_value());
  EXPECT_NE(low.error().message().find("below the minimum 500ms"), std::string::npos)
      << low.error().message();
  EXPECT_FALSE(ParseLeaseTtl(R"({"ttl":0})", kMin).has_value());
  Result<Duration> high = ParseLeaseTtl(R"({"ttl":"9000h"})", kMin);
  ASSERT_FALSE(high.has_value());
  EXPECT_NE(high.error().message().find("above the maximum"), std::string::npos);
  EXPECT_TRUE(ParseLeaseTtl(R"({"ttl":"8000h"})", kMin).has_value());
}

TEST(ParseLeaseTtl, RefusesOtherShapes) {
  for (const char* body : {"", "[]", R"({"ttl":-5})", R"({"ttl":1.5})", R"({"ttl":"5 s"})"}) {
    EXPECT_FALSE(ParseLeaseTtl(body, kMin).has_value()) << body;
  }
}

}  // namespace
}  // namespace baton::agent
