#include <gtest/gtest.h>

#include "agent/member_check.h"

namespace baton::agent {
namespace {

TEST(CheckNewMember, AcceptsHostPortPeersAndOptionalAdmin) {
  EXPECT_TRUE(CheckNewMember({4, "n4", "127.0.0.1:7104", "127.0.0.1:7204"}).ok());
  EXPECT_TRUE(CheckNewMember({4, "n4", "[::1]:7104", ""}).ok());
  EXPECT_TRUE(CheckNewMember({4, "db-4.example", "db4.example:7104", ""}).ok());
}

TEST(CheckNewMember, RefusesGarbageNamingTheField) {
  struct Case {
    MemberInfo member;
    std::string expected;
  };
  const Case cases[] = {
      {{4, "n4", "garbage", ""}, "peer \"garbage\" is not host:port"},
      {{4, "n4", "", ""}, "peer is required"},
      {{4, "n4", "127.0.0.1:0", ""}, "peer \"127.0.0.1:0\""},
      {{4, "n4", "127.0.0.1:70000", ""}, "peer \"127.0.0.1:70000\""},
      {{4, "n4", "127.0.0.1:7104", "admin"}, "admin \"admin\""},
      {{4, "n/4", "127.0.0.1:7104", ""}, "name \"n/4\""},
  };
  for (const Case& c : cases) {
    const Status s = CheckNewMember(c.member);
    ASSERT_FALSE(s.ok()) << c.expected;
    EXPECT_TRUE(s.IsInvalidArgument());
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace baton::agent
