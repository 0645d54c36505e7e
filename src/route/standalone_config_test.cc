#include "route/standalone_config.h"

#include <gtest/gtest.h>

namespace baton::route {
namespace {

constexpr char kGood[] = R"(agents: ["127.0.0.1:7201", "https://127.0.0.1:7202"]
ca: certs/ca.pem
admin: 127.0.0.1:9121
refresh: 500ms
groups:
  - name: cache
    proxy: {read_write: 127.0.0.1:6400, threads: 1}
  - name: db
    proxy:
      read_only: 127.0.0.1:6401
)";

TEST(StandaloneConfigTest, ReadsEveryKey) {
  Result<StandaloneConfig> c = ParseStandaloneConfig(kGood, "/etc/baton/proxy.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->agents, (std::vector<std::string>{"127.0.0.1:7201", "https://127.0.0.1:7202"}));
  EXPECT_EQ(c->ca_file, "/etc/baton/certs/ca.pem");
  ASSERT_TRUE(c->admin.has_value());
  EXPECT_EQ(c->admin->port, 9121);
  EXPECT_EQ(c->refresh, Duration::Millis(500));
  ASSERT_EQ(c->groups.size(), 2u);
  EXPECT_EQ(c->groups[0].group, "cache");
  EXPECT_EQ(c->groups[0].read_write->port, 6400);
  EXPECT_EQ(c->groups[0].threads, 1);
  EXPECT_EQ(c->groups[1].group, "db");
  EXPECT_EQ(c->groups[1].read_only->port, 6401);
}

TEST(StandaloneConfigTest, ErrorsNameTheKeyAndLine) {
  struct Case {
    std::string yaml;
    std::string expected;
  };
  const std::string groups = "groups:\n  - name: cache\n    proxy: {read_write: 127.0.0.1:6400}\n";
  const std::vector<Case> cases = {
      {groups, "p.yaml:1: agents: missing"},
      {"agents: [nohost]\n" + groups, "p.yaml:1: agents:"},
      {"agents: [127.0.0.1:1]\nrefresh: 5\n" + groups, "p.yaml:2: refresh: expected a duration"},
      {"agents: [127.0.0.1:1]\nrefresh: 10ms\n" + groups, "p.yaml:2: refresh: must be between"},
      {"agents: [127.0.0.1:1]\nadmn: 127.0.0.1:1\n" + groups, "p.yaml:2: admn: unknown key"},
      {"agents: [127.0.0.1:1]\n", "p.yaml:1: groups: missing"},
      {"agents: [127.0.0.1:1]\ngroups:\n  - name: cache\n", "groups[0].proxy: missing"},
      {"agents: [127.0.0.1:1]\ngroups:\n  - name: cache\n    proxy:\n      balance: x\n",
       "p.yaml:4: groups[0].proxy: proxy.balance (line 5): expected round-robin"},
      {"agents: [127.0.0.1:1]\n" + groups + "  - name: cache\n    proxy: {read_only: 1.2.3.4:5}\n",
       "p.yaml:5: groups[1].name: group named twice"},
  };
  for (const Case& c : cases) {
    Result<StandaloneConfig> got = ParseStandaloneConfig(c.yaml, "p.yaml");
    ASSERT_FALSE(got.has_value()) << c.expected;
    EXPECT_NE(got.error().ToString().find(c.expected), std::string::npos) << got.error().ToString();
  }
}

}  // namespace
}  // namespace baton::route
