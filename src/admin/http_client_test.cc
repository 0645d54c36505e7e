#include "admin/http_client.h"

#include <gtest/gtest.h>

#include <chrono>

#include "admin/admin_server.h"
#include "admin/test_socket.h"

namespace baton::admin {
namespace {

std::string Local(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Handle(HttpMethod::kGet, "/who",
                   [](HttpRequest, Responder reply) { reply(HttpResponse::Text(200, "live")); });
    ASSERT_TRUE(server_.Start().ok());
  }

  NullLogger logger_;
  AdminServer server_{AdminServerConfig{}, logger_};
  HttpClient client_{HttpClientOptions{.timeout = Duration::Millis(500)}};
};

TEST_F(HttpClientTest, ARefusedConnectionIsUnavailable) {
  Result<HttpResponse> r = client_.Get(Local(testing::RefusingPort()), "/who");
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsUnavailable()) << r.error().ToString();
  EXPECT_NE(r.error().message().find("connect"), std::string::npos) << r.error().ToString();
}

TEST_F(HttpClientTest, AServerThatNeverAnswersTimesOutWithinTheDeadline) {
  testing::SilentListener silent;
  const auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> r = client_.Get(Local(silent.port()), "/who");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsTimeout()) << r.error().ToString();
  EXPECT_GE(took, std::chrono::milliseconds(450));
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST_F(HttpClientTest, ABadEndpointIsInvalidArgument) {
  Result<HttpResponse> r = client_.Get("no-port", "/who");
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsInvalidArgument());
}

TEST_F(HttpClientTest, SendToFirstSkipsEndpointsThatRefuseOrHang) {
  testing::SilentListener silent;
  Result<HttpResponse> r = client_.SendToFirst(
      {Local(testing::RefusingPort()), Local(silent.port()), Local(server_.port())},
      HttpMethod::kGet, "/who");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->body, "live");
}

TEST_F(HttpClientTest, SendToFirstStopsAtTheFirstAnswerEvenAnError) {
  AdminServer other({}, logger_);  // no routes: every path is 404
  ASSERT_TRUE(other.Start().ok());
  Result<HttpResponse> r =
      client_.SendToFirst({Local(other.port()), Local(server_.port())}, HttpMethod::kGet, "/who");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 404);
}

TEST_F(HttpClientTest, SendToFirstNamesEveryFailureWhenNoneAnswers) {
  const std::string a = Local(testing::RefusingPort());
  Result<HttpResponse> r = client_.SendToFirst({a, "bad endpoint"}, HttpMethod::kGet, "/who");
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsUnavailable());
  EXPECT_NE(r.error().message().find(a), std::string::npos) << r.error().ToString();
  EXPECT_NE(r.error().message().find("bad endpoint"), std::string::npos) << r.error().ToString();

  Result<HttpResponse> none = client_.SendToFirst({}, HttpMethod::kGet, "/who");
  ASSERT_FALSE(none.has_value());
  EXPECT_TRUE(none.error().IsInvalidArgument());
}

}  // namespace
}  // namespace baton::admin
