#include "route/proxy_config.h"

#include <gtest/gtest.h>

namespace baton::route {
namespace {

ProxySettings Settings(std::initializer_list<std::pair<std::string, std::string>> kv) {
  ProxySettings s;
  int line = 10;
  for (const auto& [k, v] : kv) s[k] = {v, line++};
  return s;
}

TEST(ProxyConfigTest, ParsesEveryKey) {
  Result<ProxyConfig> c = ParseProxySettings(Settings({{"read_write", "127.0.0.1:6400"},
                                                       {"read_only", "127.0.0.1:6401"},
                                                       {"balance", "least-connections"},
                                                       {"fallback_to_primary", "false"},
                                                       {"wait_for_primary", "2s"},
                                                       {"connect_timeout", "250ms"},
                                                       {"eject_after", "3"},
                                                       {"eject_time", "10s"},
                                                       {"max_eject_time", "1m"},
                                                       {"buffer_bytes", "65536"},
                                                       {"threads", "2"},
                                                       {"max_connections", "100"},
                                                       {"forward", "splice"}}));
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->read_write->ToString(), "127.0.0.1:6400");
  EXPECT_EQ(c->read_only->port, 6401);
  EXPECT_EQ(c->balance, Balance::kLeastConnections);
  EXPECT_FALSE(c->fallback_to_primary);
  EXPECT_EQ(c->wait_for_primary, Duration::Seconds(2));
  EXPECT_EQ(c->connect_timeout, Duration::Millis(250));
  EXPECT_EQ(c->outlier.consecutive_failures, 3);
  EXPECT_EQ(c->outlier.ejection_time, Duration::Seconds(10));
  EXPECT_EQ(c->outlier.max_ejection_time, Duration::Seconds(60));
  EXPECT_EQ(c->buffer_bytes, 65536u);
  EXPECT_EQ(c->threads, 2);
  EXPECT_EQ(c->max_connections, 100u);
  EXPECT_TRUE(c->splice);
}

TEST(ProxyConfigTest, DefaultsNeedOnlyOneListener) {
  Result<ProxyConfig> c = ParseProxySettings(Settings({{"read_only", "127.0.0.1:6401"}}));
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->read_write.has_value());
  EXPECT_EQ(c->balance, Balance::kRoundRobin);
  EXPECT_TRUE(c->fallback_to_primary);
  EXPECT_EQ(c->wait_for_primary, Duration::Seconds(5));
  EXPECT_FALSE(c->splice);
  EXPECT_EQ(c->max_connections, 4096u);
}

TEST(ProxyConfigTest, ErrorsNameTheKeyAndLine) {
  struct Case {
    ProxySettings settings;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {Settings({{"read_write", "6400"}}), "proxy.read_write (line 10): expected host:port"},
      {Settings({{"read_write", "127.0.0.1:1"}, {"balance", "random"}}),
       "proxy.balance (line 11): expected round-robin or least-connections"},
      {Settings({{"read_write", "127.0.0.1:1"}, {"wait_for_primary", "5"}}),
       "proxy.wait_for_primary (line 11): expected a duration"},
      {Settings({{"read_write", "127.0.0.1:1"}, {"buffer_bytes", "12"}}),
       "proxy.buffer_bytes (line 11)"},
      {Settings({{"read_write", "127.0.0.1:1"}, {"max_connections", "0"}}),
       "proxy.max_connections (line 11): expected 1 to 1000000"},
      {Settings({{"read_write", "127.0.0.1:1"}, {"listen", "x"}}),
       "proxy.listen (line 11): unknown key"},
      {Settings({{"balance", "round-robin"}}), "set read_write or read_only"},
      {Settings({{"read_write", "127.0.0.1:1"}, {"eject_time", "1m"}, {"max_eject_time", "1s"}}),
       "proxy.max_eject_time (line 12): must not be below eject_time"},
  };
  for (const Case& c : cases) {
    Result<ProxyConfig> got = ParseProxySettings(c.settings);
    ASSERT_FALSE(got.has_value()) << c.expected;
    EXPECT_NE(got.error().ToString().find(c.expected), std::string::npos) << got.error().ToString();
  }
}

}  // namespace
}  // namespace baton::route
