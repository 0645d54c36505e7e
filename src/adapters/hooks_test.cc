// Hooks against real commands and a real HTTP server on 127.0.0.1.
#include "adapters/hooks.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "admin/admin_server.h"
#include "probe/test_util.h"

namespace baton::adapters {
namespace {

using probe::testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

detect::Event PromotedEvent() {
  detect::Event event;
  event.name = "+promoted";
  event.target = "r2";
  event.fields = {{"epoch", "8"}, {"from", "r1"}};
  return event;
}

TEST(FencingHook, ExitZeroIsFencedAndGetsTheTarget) {
  TempDir dir;
  FencingHookSpec spec;
  spec.command = {"/bin/sh", "-c",
                  "echo \"$BATON_GROUP $BATON_MEMBER $BATON_MEMBER_ADDRESS $BATON_EPOCH\" > " +
                      dir.path() + "/fenced"};
  ASSERT_TRUE(RunFencingHook(spec, {"cache", "r1", "127.0.0.1:7001", 8}).ok());
  EXPECT_EQ(ReadFile(dir.path() + "/fenced"), "cache r1 127.0.0.1:7001 8\n");
}

TEST(FencingHook, FailureAndTimeoutAreNotFenced) {
  FencingHookSpec spec;
  spec.command = {"/bin/sh", "-c", "echo power switch refused >&2; exit 3"};
  Status refused = RunFencingHook(spec, {"cache", "r1", "127.0.0.1:7001", 8});
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.message(), "fencing hook for cache/r1: exit 3: power switch refused");

  spec.command = {"/bin/sleep", "10"};
  spec.timeout = Duration::Millis(200);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(RunFencingHook(spec, {"cache", "r1", "", 8}).IsTimeout());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));

  spec.command = {"/nonexistent/fence"};
  EXPECT_TRUE(RunFencingHook(spec, {"cache", "r1", "", 8}).IsNotFound());
}

TEST(EventJson, CarriesEveryField) {
  const nlohmann::json json = nlohmann::json::parse(EventJson("cache", PromotedEvent()));
  EXPECT_EQ(json["group"], "cache");
  EXPECT_EQ(json["event"], "+promoted");
  EXPECT_EQ(json["target"], "r2");
  EXPECT_EQ(json["fields"]["epoch"], "8");
  EXPECT_EQ(json["fields"]["from"], "r1");
  EXPECT_EQ(json["time"].get<std::string>().size(), std::string("2026-11-25T23:01:02.345Z").size());
}

// A real HTTP server that records the webhook posts it gets.
class WebhookServer {
 public:
  explicit WebhookServer(int status) : server_(admin::AdminServerConfig{}, logger_) {
    server_.Handle(admin::HttpMethod::kPost, "/hooks/baton",
                   [this, status](admin::HttpRequest request, admin::Responder respond) {
                     {
                       std::lock_guard lock(mu_);
                       bodies_.push_back(request.body);
                       content_types_.push_back(std::string(request.Header("content-type")));
                     }
                     respond(admin::HttpResponse::Json(status, "{}"));
                   });
    server_.Handle(admin::HttpMethod::kPost, "/hang", [](admin::HttpRequest, admin::Responder) {});
    EXPECT_TRUE(server_.Start().ok());
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
  }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  std::vector<std::string> content_types() {
    std::lock_guard lock(mu_);
    return content_types_;
  }

 private:
  NullLogger logger_;
  std::mutex mu_;
  admin::AdminServer server_;
  std::vector<std::string> bodies_;
  std::vector<std::string> content_types_;
};

TEST(Notify, CommandGetsTheJsonOnStdinAndTheWebhookAPost) {
  TempDir dir;
  WebhookServer server(200);
  NotifySpec spec;
  spec.command = {"/bin/sh", "-c",
                  "cat > " + dir.path() + "/event; echo \"$BATON_GROUP $BATON_EVENT\" > " +
                      dir.path() + "/env"};
  spec.webhook = server.Url("/hooks/baton");
  ASSERT_TRUE(Notify(spec, "cache", PromotedEvent()).ok());

  const nlohmann::json from_stdin = nlohmann::json::parse(ReadFile(dir.path() + "/event"));
  EXPECT_EQ(from_stdin["event"], "+promoted");
  EXPECT_EQ(ReadFile(dir.path() + "/env"), "cache +promoted\n");
  ASSERT_EQ(server.bodies().size(), 1u);
  const nlohmann::json posted = nlohmann::json::parse(server.bodies()[0]);
  EXPECT_EQ(posted["fields"]["epoch"], "8");
  EXPECT_EQ(posted["target"], "r2");
  EXPECT_EQ(server.content_types()[0], "application/json");
}

TEST(Notify, AFailedCommandStillPostsAndIsReported) {
  WebhookServer server(200);
  NotifySpec spec;
  spec.command = {"/bin/sh", "-c", "exit 5"};
  spec.webhook = server.Url("/hooks/baton");
  Status status = Notify(spec, "cache", PromotedEvent());
  EXPECT_EQ(status.message(), "notify command for cache: exit 5");
  EXPECT_EQ(server.bodies().size(), 1u);
}

TEST(Webhook, NonSuccessStatusTimeoutAndBadUrl) {
  WebhookServer failing(500);
  Status refused = PostWebhook(failing.Url("/hooks/baton"), "{}", Duration::Seconds(5));
  EXPECT_TRUE(refused.IsUnavailable());
  EXPECT_EQ(refused.message(), "webhook " + failing.Url("/hooks/baton") + ": HTTP 500");

  const auto start = std::chrono::steady_clock::now();
  probe::testing::HttpServer silent(200, "", /*hang=*/true);
  const std::string silent_url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/x";
  Status hung = PostWebhook(silent_url, "{}", Duration::Millis(300));
  EXPECT_TRUE(hung.IsTimeout()) << hung.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));

  EXPECT_TRUE(PostWebhook("ftp://127.0.0.1:1/x", "{}", Duration::Seconds(1)).IsInvalidArgument());
  // Nothing listens on this port (the server picked it, then stopped).
  uint16_t closed_port = probe::testing::FreePort();
  EXPECT_TRUE(PostWebhook("http://127.0.0.1:" + std::to_string(closed_port) + "/x", "{}",
                          Duration::Seconds(1))
                  .IsUnavailable());
}

}  // namespace
}  // namespace baton::adapters
