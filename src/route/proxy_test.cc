// The proxy against real redis-server processes on 127.0.0.1, following a
// hand-driven topology feed.
#include "route/proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "failover/topology_feed.h"
#include "probe/test_util.h"
#include "route/group_proxies.h"
#include "route/test_topology.h"

namespace baton::route {
namespace {

using probe::testing::ChildProcess;
using probe::testing::FreePort;
using probe::testing::TempDir;
using probe::testing::WaitUntil;

// A redis-server on 127.0.0.1, ended by pid.
struct Redis {
  explicit Redis(const TempDir& dir, const std::string& name) : port(FreePort()) {
    process = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/redis-server", "--port", std::to_string(port), "--bind",
                                 "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                                 dir.path()},
        dir.path() + "/" + name + ".log");
  }
  uint16_t port;
  std::unique_ptr<ChildProcess> process;
};

int Connect(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `request`, returns what arrives within 2 s up to `want` bytes ("" on EOF).
std::string Ask(int fd, const std::string& request, size_t want = 1) {
  if (!request.empty() && send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) return "";
  std::string got;
  while (got.size() < want) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) break;
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
    if (got.back() == '\n') break;
  }
  return got;
}

// The port of the redis-server the connection leads to.
std::string ServerPort(int fd) {
  const std::string reply = Ask(fd, "CONFIG GET port\r\n", 30);
  const size_t last = reply.rfind("\r\n", reply.size() - 3);
  return last == std::string::npos ? reply : reply.substr(last + 2, reply.size() - last - 4);
}

class ProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = std::make_unique<Redis>(dir_, "a");
    b_ = std::make_unique<Redis>(dir_, "b");
    ASSERT_TRUE(WaitUntil([&] { return Up(a_->port) && Up(b_->port); }, Duration::Seconds(10)));
  }
  static bool Up(uint16_t port) {
    const int fd = Connect(port);
    if (fd < 0) return false;
    const bool ok = Ask(fd, "PING\r\n") == "+PONG\r\n";
    close(fd);
    return ok;
  }
  std::unique_ptr<Proxy> StartProxy(ProxyConfig config) {
    config.group = "g";
    config.read_write = config::HostPort{"127.0.0.1", 0};
    config.read_only = config::HostPort{"127.0.0.1", 0};
    config.threads = 2;
    auto proxy = std::make_unique<Proxy>(config, [this](const detect::Event& e) {
      std::lock_guard lock(mu_);
      events_.push_back(e.ToString());
    });
    EXPECT_TRUE(proxy->Start().ok());
    proxy->Follow(source_);
    return proxy;
  }
  std::map<std::string, uint16_t> Ports() const { return {{"a", a_->port}, {"b", b_->port}}; }

  TempDir dir_;
  std::unique_ptr<Redis> a_, b_;
  failover::TopologyFeed source_;
  std::mutex mu_;
  std::vector<std::string> events_;
};

TEST_F(ProxyTest, EpochChangeCutsTheClientOffAndTheReconnectReachesTheNewPrimary) {
  source_.Publish(testing::ActivePassive("g", 1, "a", Ports()));
  std::unique_ptr<Proxy> proxy = StartProxy({});
  const int fd = Connect(proxy->read_write_port());
  ASSERT_GE(fd, 0);
  EXPECT_EQ(ServerPort(fd), std::to_string(a_->port));

  source_.Publish(testing::ActivePassive("g", 2, "b", Ports()));
  EXPECT_EQ(Ask(fd, "PING\r\n"), "");  // closed: no byte reaches the former primary
  close(fd);
  const int again = Connect(proxy->read_write_port());
  EXPECT_EQ(ServerPort(again), std::to_string(b_->port));
  close(again);
  EXPECT_GE(proxy->Stats().cutover_closed, 1u);
  EXPECT_EQ(proxy->Stats().routing_changes, 2u);
}

TEST_F(ProxyTest, ConnectionsAreSpreadEvenlyOverTheEventLoops) {
  source_.Publish(testing::ActivePassive("g", 1, "a", Ports()));
  std::unique_ptr<Proxy> proxy = StartProxy({});
  std::vector<int> clients;
  for (int i = 0; i < 40; ++i) {  // one at a time, so each is owned before the next arrives
    clients.push_back(Connect(proxy->read_write_port()));
    ASSERT_EQ(Ask(clients.back(), "PING\r\n"), "+PONG\r\n");
  }
  // The kernel's hash alone splits 40 connections 20/20 one time in eight.
  EXPECT_EQ(proxy->Stats().connections_per_loop, (std::vector<uint64_t>{20, 20}));
  for (int fd : clients) close(fd);
  EXPECT_TRUE(
      WaitUntil([&] { return proxy->Stats().connections_active == 0; }, Duration::Seconds(5)));
  EXPECT_EQ(proxy->Stats().connections_per_loop, (std::vector<uint64_t>{0, 0}));
}

TEST_F(ProxyTest, WaitForPrimaryHoldsANewConnectionUntilOneIsConfirmed) {
  source_.Publish(testing::ActivePassive("g", 1, "a", Ports(), /*confirmed=*/false));
  ProxyConfig config;
  config.wait_for_primary = Duration::Seconds(5);
  std::unique_ptr<Proxy> proxy = StartProxy(config);
  const int fd = Connect(proxy->read_write_port());
  ASSERT_GE(fd, 0);
  ASSERT_GE(send(fd, "PING\r\n", 6, MSG_NOSIGNAL), 0);
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 300), 0);  // held, not refused
  source_.Publish(testing::ActivePassive("g", 1, "a", Ports(), /*confirmed=*/true));
  EXPECT_EQ(Ask(fd, ""), "+PONG\r\n");
  close(fd);
}

TEST_F(ProxyTest, ConnectionsBeyondMaxConnectionsAreClosedAtAcceptAndCounted) {
  source_.Publish(testing::ActivePassive("g", 1, "a", Ports(), /*confirmed=*/true));
  ProxyConfig config;
  config.max_connections = 2;
  std::unique_ptr<Proxy> proxy = StartProxy(config);
  const int first = Connect(proxy->read_write_port());
  const int second = Connect(proxy->read_only_port());
  ASSERT_EQ(Ask(first, "PING\r\n"), "+PONG\r\n");
  ASSERT_EQ(Ask(second, "PING\r\n"), "+PONG\r\n");
  const int third = Connect(proxy->read_write_port());
  EXPECT_EQ(Ask(third, "PING\r\n"), "");  // closed at accept
  close(third);
  EXPECT_EQ(proxy->Stats().connections_refused, 1u);
  close(second);  // its place frees up
  ASSERT_TRUE(
      WaitUntil([&] { return proxy->Stats().connections_active == 1; }, Duration::Seconds(5)));
  const int fourth = Connect(proxy->read_write_port());
  EXPECT_EQ(Ask(fourth, "PING\r\n"), "+PONG\r\n");
  EXPECT_EQ(Ask(first, "PING\r\n"), "+PONG\r\n");
  close(first);
  close(fourth);
}

TEST_F(ProxyTest, WaitForPrimaryEndsWithAClose) {
  source_.Publish(testing::ActivePassive("g", 1, "a", Ports(), /*confirmed=*/false));
  ProxyConfig config;
  config.wait_for_primary = Duration::Millis(200);
  std::unique_ptr<Proxy> proxy = StartProxy(config);
  const int fd = Connect(proxy->read_write_port());
  EXPECT_EQ(Ask(fd, "PING\r\n"), "");
  close(fd);
  EXPECT_EQ(proxy->Stats().wait_timeouts, 1u);
}

TEST_F(ProxyTest, ReadOnlyNeverLeadsToAMemberThatIsDown) {
  failover::Topology t = testing::ActivePassive("g", 1, "a", Ports());
  source_.Publish(t);
  ProxyConfig config;
  config.fallback_to_primary = false;
  std::unique_ptr<Proxy> proxy = StartProxy(config);
  const int ro = Connect(proxy->read_only_port());
  EXPECT_EQ(ServerPort(ro), std::to_string(b_->port));  // b is the only replica
  t.members[1].health = detect::Health::kUnhealthy;
  source_.Publish(t);
  EXPECT_EQ(Ask(ro, "PING\r\n"), "");  // moved away from b
  close(ro);
  for (int i = 0; i < 4; ++i) {  // no replica and no fallback: held, then closed
    const int fd = Connect(proxy->read_only_port());
    pollfd p{fd, POLLIN, 0};
    send(fd, "PING\r\n", 6, MSG_NOSIGNAL);
    EXPECT_EQ(poll(&p, 1, 100), 0);
    close(fd);
  }
}

TEST_F(ProxyTest, GarbageAndHalfCloseAreHandled) {
  source_.Publish(testing::ActivePassive("g", 1, "a", Ports()));
  std::unique_ptr<Proxy> proxy = StartProxy({});
  // A request followed by a half-close still gets its reply.
  const int half = Connect(proxy->read_write_port());
  send(half, "PING\r\n", 6, MSG_NOSIGNAL);
  shutdown(half, SHUT_WR);
  EXPECT_EQ(Ask(half, "", 7), "+PONG\r\n");
  close(half);
  // Garbage: Redis answers an error and closes; the proxy closes the client.
  const int bad = Connect(proxy->read_write_port());
  const std::string reply = Ask(bad, "*1\r\n$-99999\r\n\x01\x02\r\n", 100);
  EXPECT_NE(reply.find("-ERR"), std::string::npos) << reply;
  EXPECT_TRUE(WaitUntil([&] { return Ask(bad, "PING\r\n").empty(); }, Duration::Seconds(5)));
  close(bad);
  const int good = Connect(proxy->read_write_port());
  EXPECT_EQ(Ask(good, "PING\r\n"), "+PONG\r\n");
  close(good);
  EXPECT_TRUE(
      WaitUntil([&] { return proxy->Stats().connections_active == 0; }, Duration::Seconds(5)));
}

TEST_F(ProxyTest, ASlowClientCannotGrowTheProxysBuffers) {
  source_.Publish(testing::ActivePassive("g", 1, "a", Ports()));
  ProxyConfig config;
  config.buffer_bytes = 16384;
  std::unique_ptr<Proxy> proxy = StartProxy(config);
  const int fd = Connect(proxy->read_write_port());
  const std::string value(1 << 20, 'x');
  const std::string set =
      "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  EXPECT_EQ(Ask(fd, set), "+OK\r\n");
  // Ask for 64 MiB and never read.
  std::string gets;
  for (int i = 0; i < 64; ++i) gets += "GET k\r\n";
  ASSERT_EQ(send(fd, gets.data(), gets.size(), MSG_NOSIGNAL), static_cast<ssize_t>(gets.size()));
  uint64_t max_buffered = 0;
  for (int i = 0; i < 20; ++i) {
    usleep(50 * 1000);
    max_buffered = std::max(max_buffered, proxy->Stats().buffered_bytes);
  }
  EXPECT_LE(max_buffered, 2 * config.buffer_bytes);
  // Only what the kernel socket buffers hold moved; the rest waits in Redis.
  EXPECT_LT(proxy->Stats().bytes_server_to_client, 16u << 20);
  close(fd);
}

// The agent's path: a group's `proxy:` settings as written, following the feed.
TEST_F(ProxyTest, GroupProxiesStartsAProxyForAGroupWithProxySettings) {
  source_.Publish(testing::ActivePassive("g", 1, "a", Ports()));
  config::GroupSpec with_proxy;
  with_proxy.group.name = "g";
  const uint16_t port = FreePort();
  with_proxy.proxy["read_write"] = {"127.0.0.1:" + std::to_string(port), 7};
  config::GroupSpec without_proxy;
  without_proxy.group.name = "h";
  net::EventLoop loop;
  NullLogger logger;
  admin::MetricsRegistry registry;
  Result<std::unique_ptr<GroupProxies>> proxies =
      GroupProxies::Start({with_proxy, without_proxy}, source_, registry, logger, loop);
  ASSERT_TRUE(proxies.has_value()) << proxies.error().ToString();
  const int fd = Connect(port);
  EXPECT_EQ(ServerPort(fd), std::to_string(a_->port));
  close(fd);
  loop.RunUntil([] { return false; }, Duration::Millis(1100));  // one metrics publication
  EXPECT_NE(registry.RenderPrometheus().find("baton_proxy_connections_total{group=\"g\"} 1"),
            std::string::npos);

  with_proxy.proxy["balance"] = {"random", 8};
  Result<std::unique_ptr<GroupProxies>> bad =
      GroupProxies::Start({with_proxy}, source_, registry, logger, loop);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().ToString().find("group g: InvalidArgument: proxy.balance (line 8)"),
            std::string::npos)
      << bad.error().ToString();
}

}  // namespace
}  // namespace baton::route
