#include "config/host_port.h"

#include <gtest/gtest.h>

namespace baton::config {
namespace {

TEST(ParseHostPort, AcceptsNamesAndIpv4) {
  EXPECT_EQ(ParseHostPort("127.0.0.1:7101"), (HostPort{"127.0.0.1", 7101}));
  EXPECT_EQ(ParseHostPort("db-1.example:65535"), (HostPort{"db-1.example", 65535}));
}

TEST(ParseHostPort, AcceptsBracketedIpv6AndStoresItBare) {
  EXPECT_EQ(ParseHostPort("[::1]:7101"), (HostPort{"::1", 7101}));
  EXPECT_EQ(ParseHostPort("[fe80::1]:1"), (HostPort{"fe80::1", 1}));
}

TEST(ParseHostPort, RejectsAnythingElse) {
  for (const char* bad :
       {"127.0.0.1", "127.0.0.1:", ":7101", "host:0", "host:65536", "host:7a", "host:-1",
        "::1:7101", "[::1]", "[]:7101", "[host]:7101", "a b:1", "host:123456", ""}) {
    EXPECT_EQ(ParseHostPort(bad), std::nullopt) << bad;
  }
}

TEST(HostPort, ToStringRoundTrips) {
  for (const char* text : {"127.0.0.1:7101", "[::1]:7201", "node.example:1"}) {
    const std::optional<HostPort> address = ParseHostPort(text);
    ASSERT_TRUE(address.has_value()) << text;
    EXPECT_EQ(address->ToString(), text);
  }
}

}  // namespace
}  // namespace baton::config
