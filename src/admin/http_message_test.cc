#include "admin/http_message.h"

#include <gtest/gtest.h>

namespace baton::admin {
namespace {

TEST(HttpMethodTest, NamesRoundTripAndUnknownIsOther) {
  for (HttpMethod m : {HttpMethod::kGet, HttpMethod::kHead, HttpMethod::kPost, HttpMethod::kPut,
                       HttpMethod::kDelete, HttpMethod::kPatch}) {
    EXPECT_EQ(HttpMethodFromName(HttpMethodName(m)), m);
  }
  EXPECT_EQ(HttpMethodFromName("get"), HttpMethod::kOther);
  EXPECT_EQ(HttpMethodFromName("BREW"), HttpMethod::kOther);
}

TEST(ParseTargetTest, SplitsPathAndDecodesQuery) {
  Result<ParsedTarget> t = ParseTarget("/v1/kv/a%2Fb?limit=10&name=x+y%21&flag&limit=20");
  ASSERT_TRUE(t.has_value()) << t.error().ToString();
  EXPECT_EQ(t->path, "/v1/kv/a/b");
  EXPECT_EQ(t->query,
            (std::map<std::string, std::string>{{"flag", ""}, {"limit", "20"}, {"name", "x y!"}}));
}

TEST(ParseTargetTest, PlusInThePathIsLiteral) {
  Result<ParsedTarget> t = ParseTarget("/a+b");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->path, "/a+b");
  EXPECT_TRUE(t->query.empty());
}

TEST(ParseTargetTest, RejectsBadTargets) {
  for (const char* bad : {"", "v1/status", "http://host/x", "/a%2", "/a%zz", "/a?k=%"}) {
    Result<ParsedTarget> t = ParseTarget(bad);
    ASSERT_FALSE(t.has_value()) << bad;
    EXPECT_TRUE(t.error().IsInvalidArgument()) << bad;
  }
}

TEST(HttpRequestTest, HeaderLookupIgnoresCase) {
  HttpRequest req;
  req.headers["authorization"] = "Bearer t";
  EXPECT_EQ(req.Header("Authorization"), "Bearer t");
  EXPECT_EQ(req.Header("X-Missing"), "");
}

TEST(HttpResponseTest, JsonErrorEscapesTheMessage) {
  HttpResponse r = HttpResponse::JsonError(401, "bad \"token\"\n\x01");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "{\"error\":\"bad \\\"token\\\"\\n\\u0001\"}");
}

}  // namespace
}  // namespace baton::admin
