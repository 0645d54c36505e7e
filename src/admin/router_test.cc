#include "admin/router.h"

#include <gtest/gtest.h>

namespace baton::admin {
namespace {

Handler Named(std::string name, std::string* ran) {
  return [name, ran](HttpRequest, Responder) { *ran = name; };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add(HttpMethod::kGet, "/v1/status", Named("status", &ran_));
    router_.Add(HttpMethod::kGet, "/v1/kv/", Named("kv-get", &ran_), {.prefix = true});
    router_.Add(HttpMethod::kPut, "/v1/kv/", Named("kv-put", &ran_),
                {.prefix = true, .mutating = true});
    router_.Add(HttpMethod::kGet, "/v1/kv/special/", Named("special", &ran_), {.prefix = true});
    router_.Add(HttpMethod::kGet, "/v1/kv/exact", Named("exact", &ran_));
  }
  std::string Found(HttpMethod method, std::string_view path) {
    ran_.clear();
    const RouteMatch match = router_.Find(method, path);
    if (match.route == nullptr) return "<none>";
    match.route->handler(HttpRequest{}, [](HttpResponse) {});
    return ran_;
  }

  Router router_;
  std::string ran_;
};

TEST_F(RouterTest, ExactPathsMatchOnlyThemselves) {
  EXPECT_EQ(Found(HttpMethod::kGet, "/v1/status"), "status");
  EXPECT_EQ(Found(HttpMethod::kGet, "/v1/status/"), "<none>");
  EXPECT_EQ(Found(HttpMethod::kGet, "/v1/stat"), "<none>");
}

TEST_F(RouterTest, ExactBeatsPrefixAndLongerPrefixBeatsShorter) {
  EXPECT_EQ(Found(HttpMethod::kGet, "/v1/kv/a/b"), "kv-get");
  EXPECT_EQ(Found(HttpMethod::kGet, "/v1/kv/exact"), "exact");
  EXPECT_EQ(Found(HttpMethod::kGet, "/v1/kv/special/x"), "special");
  EXPECT_EQ(Found(HttpMethod::kPut, "/v1/kv/special/x"), "kv-put");
}

TEST_F(RouterTest, MutatingFlagTravelsWithTheRoute) {
  EXPECT_TRUE(router_.Find(HttpMethod::kPut, "/v1/kv/a").route->options.mutating);
  EXPECT_FALSE(router_.Find(HttpMethod::kGet, "/v1/kv/a").route->options.mutating);
}

TEST_F(RouterTest, KnownPathWithOtherMethodListsTheAllowedOnes) {
  const RouteMatch match = router_.Find(HttpMethod::kDelete, "/v1/kv/a");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_EQ(match.allow, "GET, PUT");
  EXPECT_EQ(router_.Find(HttpMethod::kPost, "/v1/status").allow, "GET");
}

TEST_F(RouterTest, UnknownPathHasNeitherRouteNorAllow) {
  const RouteMatch match = router_.Find(HttpMethod::kGet, "/nope");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_EQ(match.allow, "");
}

TEST(RouterDeathTest, AddingTheSameRouteTwiceIsABug) {
  Router router;
  router.Add(HttpMethod::kGet, "/x", [](HttpRequest, Responder) {});
  router.Add(HttpMethod::kGet, "/x", [](HttpRequest, Responder) {}, {.prefix = true});
  EXPECT_DEATH(router.Add(HttpMethod::kGet, "/x", [](HttpRequest, Responder) {}), "added twice");
  EXPECT_DEATH(router.Add(HttpMethod::kGet, "x", [](HttpRequest, Responder) {}), "start with");
}

}  // namespace
}  // namespace baton::admin
