#include "admin/admin_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "admin/http_client.h"
#include "admin/metrics.h"
#include "admin/test_socket.h"

namespace baton::admin {
namespace {

using testing::RawConnection;

constexpr Duration kWait = Duration::Seconds(5);

// A stand-in for the agent's event loop: one thread running queued work.
class LoopThread {
 public:
  LoopThread() : thread_([this] { Run(); }) {}
  ~LoopThread() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  void Post(std::function<void()> work) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(work));
    }
    cv_.notify_one();
  }
  std::thread::id id() const { return thread_.get_id(); }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return done_ || !queue_.empty(); });
      if (queue_.empty()) return;
      std::function<void()> work = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      work();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool done_ = false;
  std::thread thread_;
};

class CountingObserver final : public limits::ListenerObserver {
 public:
  void OnConnectionEnd(limits::ConnectionEnd end) override {
    std::lock_guard lock(mu_);
    ++ends_[end];
  }
  void OnOpen(size_t open, size_t) override { open_ = open; }
  int Count(limits::ConnectionEnd end) {
    std::lock_guard lock(mu_);
    return ends_[end];
  }
  size_t open() const { return open_; }

 private:
  std::mutex mu_;
  std::map<limits::ConnectionEnd, int> ends_;
  std::atomic<size_t> open_{0};
};

class AdminServerTest : public ::testing::Test {
 protected:
  void Start(AdminServerConfig config = {}, Dispatcher dispatch = nullptr) {
    server_ = std::make_unique<AdminServer>(std::move(config), logger_, std::move(dispatch));
    server_->Handle(HttpMethod::kGet, "/hello",
                    [](HttpRequest, Responder reply) { reply(HttpResponse::Text(200, "hello")); });
    server_->Handle(HttpMethod::kPost, "/echo", [this](HttpRequest req, Responder reply) {
      ++echo_calls_;
      std::string query;
      for (const auto& [k, v] : req.query) query += k + "=" + v + ";";
      HttpResponse response = HttpResponse::Json(200, req.body);
      response.headers["X-Query"] = query;
      response.headers["X-Content-Type"] = std::string(req.Header("content-type"));
      reply(std::move(response));
    });
    server_->Handle(HttpMethod::kPut, "/v1/kv/",
                    [this](HttpRequest req, Responder reply) {
                      ++kv_calls_;
                      reply(HttpResponse::Json(200, "{\"key\":\"" + req.path.substr(7) + "\"}"));
                    },
                    {.prefix = true, .mutating = true});
    ASSERT_TRUE(server_->Start().ok());
  }

  std::string Endpoint() const { return "127.0.0.1:" + std::to_string(server_->port()); }

  NullLogger logger_;
  CountingObserver observer_;  // outlives the server
  std::unique_ptr<AdminServer> server_;
  HttpClient client_{HttpClientOptions{.timeout = kWait}};
  std::atomic<int> echo_calls_{0};
  std::atomic<int> kv_calls_{0};
};

TEST_F(AdminServerTest, GetAndPostRoundTripThroughTheClient) {
  Start();
  Result<HttpResponse> hello = client_.Get(Endpoint(), "/hello");
  ASSERT_TRUE(hello.has_value()) << hello.error().ToString();
  EXPECT_EQ(hello->status, 200);
  EXPECT_EQ(hello->body, "hello");
  EXPECT_EQ(hello->content_type, "text/plain; charset=utf-8");

  Result<HttpResponse> echo = client_.Post(Endpoint(), "/echo?b=two%20words&a=1", "{\"x\":1}");
  ASSERT_TRUE(echo.has_value()) << echo.error().ToString();
  EXPECT_EQ(echo->status, 200);
  EXPECT_EQ(echo->body, "{\"x\":1}");
  EXPECT_EQ(echo->headers["x-query"], "a=1;b=two words;");
  EXPECT_EQ(echo->headers["x-content-type"], "application/json");
}

TEST_F(AdminServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Start();
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(conn.Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
    const std::string response = conn.ReadResponse(kWait);
    EXPECT_TRUE(response.starts_with("HTTP/1.1 200 OK\r\n")) << response;
    EXPECT_TRUE(response.ends_with("\r\n\r\nhello")) << response;
  }
  // Two requests in one write are answered in order.
  ASSERT_TRUE(
      conn.Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi"));
  EXPECT_TRUE(conn.ReadResponse(kWait).ends_with("hello"));
  EXPECT_TRUE(conn.ReadResponse(kWait).ends_with("\r\n\r\nhi"));
  // Connection: close is honoured.
  ASSERT_TRUE(conn.Send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  std::string rest;
  EXPECT_TRUE(conn.WaitClosed(kWait, &rest));
  EXPECT_TRUE(rest.ends_with("hello")) << rest;
}

TEST_F(AdminServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Start();
  Result<HttpResponse> missing = client_.Get(Endpoint(), "/nope");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, "{\"error\":\"no route for /nope\"}");

  Result<HttpResponse> wrong = client_.Delete(Endpoint(), "/hello");
  ASSERT_TRUE(wrong.has_value());
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->headers["allow"], "GET");
}

TEST_F(AdminServerTest, MutatingRouteRunsOnlyWithTheRightBearerToken) {
  Start({.bearer_token = "s3cret"});
  Result<HttpResponse> anonymous = client_.Put(Endpoint(), "/v1/kv/a", "1");
  ASSERT_TRUE(anonymous.has_value());
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->content_type, "application/json");
  EXPECT_EQ(anonymous->body, "{\"error\":\"missing or wrong bearer token\"}");
  EXPECT_EQ(anonymous->headers["www-authenticate"], "Bearer");

  HttpClient wrong({.timeout = kWait, .token = "guess"});
  Result<HttpResponse> guessed = wrong.Put(Endpoint(), "/v1/kv/a", "1");
  ASSERT_TRUE(guessed.has_value());
  EXPECT_EQ(guessed->status, 401);
  EXPECT_EQ(kv_calls_, 0);

  HttpClient right({.timeout = kWait, .token = "s3cret"});
  Result<HttpResponse> ok = right.Put(Endpoint(), "/v1/kv/a/b", "1");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "{\"key\":\"a/b\"}");
  EXPECT_EQ(kv_calls_, 1);
}

TEST_F(AdminServerTest, WithoutAConfiguredTokenMutatingRoutesAreClosed) {
  Start();
  HttpClient client({.timeout = kWait, .token = "anything"});
  Result<HttpResponse> r = client.Put(Endpoint(), "/v1/kv/a", "1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(kv_calls_, 0);
}

TEST_F(AdminServerTest, OversizedBodyGets413AndTheConnectionCloses) {
  Start({.max_body_bytes = 1024});
  Result<HttpResponse> at_limit = client_.Post(Endpoint(), "/echo", std::string(1024, 'x'));
  ASSERT_TRUE(at_limit.has_value()) << at_limit.error().ToString();
  EXPECT_EQ(at_limit->status, 200);
  EXPECT_EQ(echo_calls_, 1);

  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1025\r\n\r\n" +
                        std::string(100, 'x')));
  std::string received;
  EXPECT_TRUE(conn.WaitClosed(kWait, &received));
  EXPECT_TRUE(received.starts_with("HTTP/1.1 413 Payload Too Large\r\n")) << received;
  EXPECT_EQ(echo_calls_, 1);
}

TEST_F(AdminServerTest, OversizedHeadersGet431AndTheConnectionCloses) {
  Start({.max_header_bytes = 4096});
  RawConnection conn(server_->port());
  ASSERT_TRUE(
      conn.Send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(8192, 'a') + "\r\n\r\n"));
  std::string received;
  EXPECT_TRUE(conn.WaitClosed(kWait, &received));
  EXPECT_TRUE(received.starts_with("HTTP/1.1 431 ")) << received;
}

TEST_F(AdminServerTest, GarbageTruncatedAndStalledClientsAreDroppedWhileOthersAreServed) {
  Start({.request_timeout = Duration::Millis(300),
         .limits = {.handshake_timeout = Duration::Millis(300)}});
  RawConnection garbage(server_->port());
  RawConnection truncated(server_->port());
  RawConnection stalled(server_->port());
  ASSERT_TRUE(garbage.Send(std::string("\x16\x03\x01\x00\xff garbage\r\n\r\n", 17)));
  ASSERT_TRUE(truncated.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
  truncated.CloseWrite();
  ASSERT_TRUE(stalled.Send("GET /hello HTTP/1.1\r\nHost: t\r\n"));

  Result<HttpResponse> meanwhile = client_.Get(Endpoint(), "/hello");
  ASSERT_TRUE(meanwhile.has_value()) << meanwhile.error().ToString();
  EXPECT_EQ(meanwhile->status, 200);

  std::string received;
  EXPECT_TRUE(garbage.WaitClosed(kWait, &received));
  EXPECT_TRUE(received.empty() || received.starts_with("HTTP/1.1 400 ")) << received;
  received.clear();
  EXPECT_TRUE(truncated.WaitClosed(kWait, &received));
  EXPECT_EQ(received, "");
  const auto stalled_since = std::chrono::steady_clock::now();
  EXPECT_TRUE(stalled.WaitClosed(kWait, &received));
  EXPECT_LT(std::chrono::steady_clock::now() - stalled_since, std::chrono::seconds(2));
  EXPECT_EQ(echo_calls_, 0);

  Result<HttpResponse> after = client_.Get(Endpoint(), "/hello");
  ASSERT_TRUE(after.has_value()) << after.error().ToString();
  EXPECT_EQ(after->status, 200);
}

TEST_F(AdminServerTest, AnAsyncHandlerMayReplyLaterFromAnotherThread) {
  AdminServer server({}, logger_);
  std::thread replier;
  server.Handle(HttpMethod::kGet, "/later", [&replier](HttpRequest, Responder reply) {
    replier = std::thread([reply] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      reply(HttpResponse::Text(202, "done later"));
    });
  });
  ASSERT_TRUE(server.Start().ok());
  Result<HttpResponse> r = client_.Get("127.0.0.1:" + std::to_string(server.port()), "/later");
  replier.join();
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(r->body, "done later");
}

TEST_F(AdminServerTest, TheDispatcherDecidesWhereHandlersRun) {
  LoopThread loop;
  std::atomic<bool> on_loop{false};
  AdminServer server({}, logger_,
                     [&loop](std::function<void()> work) { loop.Post(std::move(work)); });
  server.Handle(HttpMethod::kGet, "/where", [&](HttpRequest, Responder reply) {
    on_loop = std::this_thread::get_id() == loop.id();
    reply(HttpResponse::Text(200, "here"));
  });
  ASSERT_TRUE(server.Start().ok());
  Result<HttpResponse> r = client_.Get("127.0.0.1:" + std::to_string(server.port()), "/where");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->body, "here");
  EXPECT_TRUE(on_loop);
}

TEST_F(AdminServerTest, ASilentHandlerGets503AndADroppedResponderGets500) {
  AdminServer server({.handler_timeout = Duration::Millis(200)}, logger_);
  std::mutex mu;
  std::vector<Responder> kept;
  server.Handle(HttpMethod::kGet, "/silent", [&](HttpRequest, Responder reply) {
    std::lock_guard lock(mu);
    kept.push_back(std::move(reply));
  });
  server.Handle(HttpMethod::kGet, "/dropped", [](HttpRequest, Responder) {});
  ASSERT_TRUE(server.Start().ok());
  const std::string endpoint = "127.0.0.1:" + std::to_string(server.port());

  Result<HttpResponse> silent = client_.Get(endpoint, "/silent");
  ASSERT_TRUE(silent.has_value()) << silent.error().ToString();
  EXPECT_EQ(silent->status, 503);
  {
    // A reply after the deadline is discarded, not sent or crashed on.
    std::lock_guard lock(mu);
    ASSERT_EQ(kept.size(), 1u);
    kept.front()(HttpResponse::Text(200, "too late"));
  }
  Result<HttpResponse> dropped = client_.Get(endpoint, "/dropped");
  ASSERT_TRUE(dropped.has_value()) << dropped.error().ToString();
  EXPECT_EQ(dropped->status, 500);
}

TEST_F(AdminServerTest, ARespondersOutlivingTheServerDoNothing) {
  std::promise<Responder> handed;
  auto server = std::make_unique<AdminServer>(AdminServerConfig{}, logger_);
  server->Handle(HttpMethod::kGet, "/hold",
                 [&handed](HttpRequest, Responder reply) { handed.set_value(std::move(reply)); });
  ASSERT_TRUE(server->Start().ok());
  HttpClient quick({.timeout = Duration::Millis(300)});
  Result<HttpResponse> r = quick.Get("127.0.0.1:" + std::to_string(server->port()), "/hold");
  EXPECT_TRUE(!r.has_value() && r.error().IsTimeout());
  Responder reply = handed.get_future().get();
  server.reset();
  reply(HttpResponse::Text(200, "nobody listens"));
}

TEST_F(AdminServerTest, ServesPrometheusMetricsThroughAHandler) {
  MetricsRegistry registry;
  registry.AddCounter("baton_admin_test_total", "Test counter.").Increment(7);
  AdminServer server({}, logger_);
  server.Handle(HttpMethod::kGet, "/metrics", [&registry](HttpRequest, Responder reply) {
    HttpResponse response = HttpResponse::Text(200, registry.RenderPrometheus());
    response.content_type = "text/plain; version=0.0.4";
    reply(std::move(response));
  });
  ASSERT_TRUE(server.Start().ok());
  Result<HttpResponse> r = client_.Get("127.0.0.1:" + std::to_string(server.port()), "/metrics");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->content_type, "text/plain; version=0.0.4");
  EXPECT_EQ(r->body,
            "# HELP baton_admin_test_total Test counter.\n"
            "# TYPE baton_admin_test_total counter\n"
            "baton_admin_test_total 7\n");
}

TEST_F(AdminServerTest, StartFailsCleanlyOnAPortInUseOrABadAddress) {
  Start();
  AdminServer clash({.port = server_->port()}, logger_);
  const Status status = clash.Start();
  EXPECT_TRUE(status.IsIOError()) << status.ToString();

  AdminServer bad({.bind_address = "not-an-ip"}, logger_);
  EXPECT_TRUE(bad.Start().IsInvalidArgument());
}

const char kAuthorizedPut[] =
    "PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret\r\n"
    "Content-Length: 1\r\n\r\nv";

TEST_F(AdminServerTest, TwoAuthorizationHeadersAreRefusedWith400) {
  Start({.bearer_token = "s3cret"});
  RawConnection conn(server_->port());
  ASSERT_TRUE(
      conn.Send("PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer wrong\r\n"
                "Authorization: Bearer s3cret\r\nContent-Length: 1\r\n\r\nv"));
  const std::string response = conn.ReadResponse(kWait);
  EXPECT_TRUE(response.starts_with("HTTP/1.1 400 ")) << response;
  EXPECT_NE(response.find("more than one Authorization header"), std::string::npos);
  EXPECT_EQ(kv_calls_, 0);
}

TEST_F(AdminServerTest, AFloodOfIdleConnectionsCannotLockOutAClientWithTheToken) {
  CountingObserver& observer = observer_;
  Start({.bearer_token = "s3cret",
         .limits = {.max_connections = 20, .max_unauthenticated = 8},
         .observer = &observer});
  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < 60; ++i) {
    flood.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(flood.back()->connected());
  }
  HttpClient client({.timeout = kWait, .token = "s3cret"});
  for (int i = 0; i < 5; ++i) {
    Result<HttpResponse> put = client.Put(Endpoint(), "/v1/kv/k", "v");
    ASSERT_TRUE(put.has_value()) << put.error().ToString();
    EXPECT_EQ(put->status, 200);
  }
  EXPECT_LE(observer.open(), 20u);
  EXPECT_GE(observer.Count(limits::ConnectionEnd::kEvictedUnauthenticated), 52);
  // The evicted ones were really closed.
  std::string received;
  EXPECT_TRUE(flood.front()->WaitClosed(kWait, &received));
}

TEST_F(AdminServerTest, BeyondTheCapWithEveryConnectionAuthenticatedNewOnesAreRefused) {
  CountingObserver& observer = observer_;
  Start({.bearer_token = "s3cret",
         .limits = {.max_connections = 2, .max_unauthenticated = 2},
         .observer = &observer});
  RawConnection a(server_->port());
  RawConnection b(server_->port());
  for (RawConnection* conn : {&a, &b}) {
    ASSERT_TRUE(conn->Send(kAuthorizedPut));
    EXPECT_TRUE(conn->ReadResponse(kWait).starts_with("HTTP/1.1 200 "));
  }
  RawConnection refused(server_->port());
  std::string received;
  EXPECT_TRUE(refused.WaitClosed(kWait, &received));
  EXPECT_EQ(received, "");
  EXPECT_EQ(observer.Count(limits::ConnectionEnd::kRefusedFull), 1);
  ASSERT_TRUE(a.Send(kAuthorizedPut));  // the authenticated ones still work
  EXPECT_TRUE(a.ReadResponse(kWait).starts_with("HTTP/1.1 200 "));
}

TEST_F(AdminServerTest, SilentAndIdleConnectionsAreClosedByTheirTimeoutsAndCounted) {
  CountingObserver& observer = observer_;
  Start({.limits = {.handshake_timeout = Duration::Millis(200),
                    .idle_timeout = Duration::Millis(300)},
         .observer = &observer});
  RawConnection silent(server_->port());
  RawConnection idle(server_->port());
  ASSERT_TRUE(idle.Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_TRUE(idle.ReadResponse(kWait).ends_with("hello"));
  std::string received;
  EXPECT_TRUE(silent.WaitClosed(kWait, &received));
  EXPECT_TRUE(idle.WaitClosed(kWait, &received));
  for (int i = 0; i < 100 && observer.open() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(observer.open(), 0u);
  EXPECT_EQ(observer.Count(limits::ConnectionEnd::kHandshakeTimeout), 1);
  EXPECT_EQ(observer.Count(limits::ConnectionEnd::kIdleTimeout), 1);
}

}  // namespace
}  // namespace baton::admin
