#include "admin/endpoint.h"

#include <gtest/gtest.h>

namespace baton::admin {
namespace {

TEST(ParseEndpointTest, AcceptsHostPortWithOrWithoutScheme) {
  Result<Endpoint> plain = ParseEndpoint("10.0.0.5:8008");
  ASSERT_TRUE(plain.has_value()) << plain.error().ToString();
  EXPECT_EQ(plain->host, "10.0.0.5");
  EXPECT_EQ(plain->port, 8008);
  EXPECT_FALSE(plain->tls);

  Result<Endpoint> https = ParseEndpoint("https://node-a.example:443/");
  ASSERT_TRUE(https.has_value()) << https.error().ToString();
  EXPECT_EQ(https->host, "node-a.example");
  EXPECT_EQ(https->port, 443);
  EXPECT_TRUE(https->tls);

  Result<Endpoint> http = ParseEndpoint("http://localhost:1");
  ASSERT_TRUE(http.has_value());
  EXPECT_FALSE(http->tls);
}

TEST(ParseEndpointTest, AcceptsBracketedIpv6) {
  Result<Endpoint> v6 = ParseEndpoint("https://[::1]:8443");
  ASSERT_TRUE(v6.has_value()) << v6.error().ToString();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8443);
  EXPECT_TRUE(v6->tls);
}

TEST(ParseEndpointTest, RejectsMalformedEndpointsNamingThem) {
  for (const char* bad : {"", "host", "host:", ":80", "host:0", "host:65536", "host:80x",
                          "ftp://host:21", "::1:80", "[::1]80", "[::1"}) {
    Result<Endpoint> e = ParseEndpoint(bad);
    ASSERT_FALSE(e.has_value()) << bad;
    EXPECT_TRUE(e.error().IsInvalidArgument()) << bad;
    EXPECT_NE(e.error().message().find(std::string("\"") + bad + "\""), std::string::npos)
        << e.error().ToString();
  }
}

TEST(SplitEndpointListTest, SplitsOnCommasAndDropsEmptyItems) {
  EXPECT_EQ(SplitEndpointList("a:1, https://b:2 ,,c:3,"),
            (std::vector<std::string>{"a:1", "https://b:2", "c:3"}));
  EXPECT_TRUE(SplitEndpointList("").empty());
}

}  // namespace
}  // namespace baton::admin
