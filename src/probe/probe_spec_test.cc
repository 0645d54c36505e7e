#include "probe/probe_spec.h"

#include <gtest/gtest.h>

namespace baton::probe {
namespace {

TEST(ProbeSpecTest, ValidateNamesTheProblem) {
  EXPECT_TRUE(Validate(TcpSpec{.host = "127.0.0.1", .port = 80}).ok());
  EXPECT_EQ(Validate(TcpSpec{.host = "", .port = 80}).message(), "tcp check needs a host");
  EXPECT_EQ(Validate(RedisSpec{.host = "h", .port = 0}).message(), "redis check needs a port");
  EXPECT_EQ(Validate(ExecSpec{}).message(), "exec check needs a command");
  EXPECT_FALSE(Validate(ExecSpec{.command = {"a", "b"}, .shell = true}).ok());
  EXPECT_TRUE(Validate(ExecSpec{.command = {"exit 0"}, .shell = true}).ok());
  EXPECT_FALSE(Validate(HttpSpec{.host = "h", .port = 1, .path = "x"}).ok());
  EXPECT_FALSE(Validate(HttpSpec{.host = "h", .port = 1, .expected_status = {}}).ok());
  EXPECT_FALSE(Validate(HttpSpec{.host = "h", .port = 1, .expected_status = {{300, 200}}}).ok());
  EXPECT_FALSE(Validate(PostgresSpec{.host = "h", .user = ""}).ok());
}

TEST(ProbeSpecTest, DescribeAndKind) {
  EXPECT_EQ(Describe(TcpSpec{.host = "127.0.0.1", .port = 80}), "tcp 127.0.0.1:80");
  EXPECT_EQ(Describe(HttpSpec{.host = "h", .port = 8, .path = "/health"}), "http h:8/health");
  EXPECT_EQ(Describe(ExecSpec{.command = {"/bin/true", "-x"}}), "exec /bin/true -x");
  EXPECT_EQ(KindName(PostgresSpec{}), "postgres");
  EXPECT_EQ(RoleName(Role::kReplica), "replica");
}

}  // namespace
}  // namespace baton::probe
