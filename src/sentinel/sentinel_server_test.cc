// The Sentinel-compatible endpoint answering real clients — redis-cli and
// python3-redis's Sentinel class (Debian packages) — about real
// redis-servers on 127.0.0.1, with the topology published by hand into a
// failover::TopologyFeed (as the agent's failover service does). Every
// process is ended by pid; every wait is bounded.
#include "sentinel/sentinel_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>

#include "adapters/redis_adapter.h"
#include "admin/metrics.h"
#include "failover/topology_feed.h"
#include "probe/test_util.h"

namespace baton::sentinel {
namespace {

namespace t = probe::testing;
using failover::MemberRole;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A redis-server with no persistence, ended by pid.
struct Redis {
  explicit Redis(const t::TempDir& dir) : port(t::FreePort()) {
    const std::string p = std::to_string(port);
    process = std::make_unique<t::ChildProcess>(
        std::vector<std::string>{"/usr/bin/redis-server", "--port", p, "--bind", "127.0.0.1",
                                 "--save", "", "--appendonly", "no", "--dir", dir.path(),
                                 "--repl-diskless-sync-delay", "0"},
        dir.path() + "/redis-" + p + ".log");
    adapters::AdapterConfig config{.kind = "redis", .settings = {}};
    adapter = std::move(*adapters::MakeRedisAdapter(config, address(), failover::GroupConfig{}));
    EXPECT_TRUE(
        t::WaitUntil([&] { return adapter->Observe(Soon()).has_value(); }, Duration::Seconds(10)));
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  static Instant Soon() { return adapters::SteadyNow() + Duration::Seconds(5); }

  uint16_t port;
  std::unique_ptr<t::ChildProcess> process;
  std::unique_ptr<adapters::Adapter> adapter;
};

failover::Topology Group(const Redis& r1, const Redis& r2, const std::string& primary,
                         failover::Epoch epoch) {
  failover::Topology t;
  t.group = "cache";
  t.epoch = epoch;
  for (const auto& [name, r] : {std::pair{"r1", &r1}, std::pair{"r2", &r2}}) {
    failover::MemberView m;
    m.name = name;
    m.address = r->address();
    m.health = detect::Health::kHealthy;
    m.role = name == primary ? MemberRole::kPrimary : MemberRole::kReplica;
    t.members.push_back(m);
  }
  t.primary = primary;
  t.primary_address = primary == "r1" ? r1.address() : r2.address();
  t.primary_confirmed = true;
  return t;
}

// Runs a short command line and returns its stdout.
std::string Shell(const std::string& command) {
  std::string out;
  FILE* f = popen(("timeout 10 " + command).c_str(), "r");
  if (f == nullptr) return out;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), f)) > 0) out.append(buffer, n);
  pclose(f);
  return out;
}

class SentinelServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(r2.adapter->Follow(r1.address(), 1, Redis::Soon()).ok());
    feed.Publish(Group(r1, r2, "r1", 1));
    ASSERT_TRUE(server.Start().ok());
    port = std::to_string(server.port());
  }

  t::TempDir dir;
  Redis r1{dir};
  Redis r2{dir};
  failover::TopologyFeed feed;  // used from the test thread only, as its one "loop"
  admin::MetricsRegistry metrics;
  SentinelServer server{SentinelServerConfig{}, feed, &metrics};
  std::string port;
};

TEST_F(SentinelServerTest, RedisCliFindsThePrimaryAndItsReplicas) {
  EXPECT_EQ(Shell("redis-cli -p " + port + " PING"), "PONG\n");
  EXPECT_EQ(Shell("redis-cli -p " + port + " SENTINEL get-master-addr-by-name cache"),
            "127.0.0.1\n" + std::to_string(r1.port) + "\n");
  EXPECT_EQ(Shell("redis-cli -p " + port + " SENTINEL get-master-addr-by-name other"), "\n");
  const std::string master = Shell("redis-cli -p " + port + " SENTINEL master cache");
  EXPECT_EQ(master.rfind("name\ncache\nip\n127.0.0.1\nport\n" + std::to_string(r1.port) +
                             "\nrunid\n\nflags\nmaster\n",
                         0),
            0u)
      << master;
  const std::string replicas = Shell("redis-cli -p " + port + " SENTINEL replicas cache");
  EXPECT_EQ(replicas.rfind("name\n" + r2.address() + "\n", 0), 0u) << replicas;
  EXPECT_NE(replicas.find("master-link-status\nok\n"), std::string::npos) << replicas;
  EXPECT_EQ(Shell("redis-cli -p " + port + " SENTINEL myid").size(), 41u);
}

// A plain TCP client of the endpoint, with a 5 s read timeout.
int OpenClient(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  timeval tv{.tv_sec = 5, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

void SendAll(int fd, const std::string& bytes) {
  ASSERT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
}

// Reads until `want` has arrived (or EOF / the read timeout when want is "").
std::string ReadUntil(int fd, const std::string& want = "") {
  std::string got;
  char buffer[1024];
  ssize_t n = 0;
  while ((want.empty() || got.find(want) == std::string::npos) &&
         (n = read(fd, buffer, sizeof(buffer))) > 0) {
    got.append(buffer, static_cast<size_t>(n));
  }
  return got;
}

TEST_F(SentinelServerTest, AnEndpointWithoutStoreContactSendsClientsToAnother) {
  // Another agent's endpoint has seen the failover to r2; this one, cut off
  // from the store, still holds the topology naming r1.
  failover::TopologyFeed other_feed;
  other_feed.Publish(Group(r1, r2, "r2", 2));
  SentinelServer other{SentinelServerConfig{}, other_feed};
  ASSERT_TRUE(other.Start().ok());
  const std::string discover =
      "/usr/bin/python3 -c \"import sys, redis.sentinel as rs; "
      "print(rs.Sentinel([('127.0.0.1', int(a)) for a in sys.argv[1:]], "
      "socket_timeout=0.5).discover_master('cache'))\" " +
      port + " " + std::to_string(other.port());
  const std::string at_r1 = "('127.0.0.1', " + std::to_string(r1.port) + ")\n";
  const std::string at_r2 = "('127.0.0.1', " + std::to_string(r2.port) + ")\n";
  EXPECT_EQ(Shell(discover), at_r1);  // the first endpoint answers while in contact

  server.SetStoreContact(false);
  EXPECT_EQ(Shell("redis-cli -p " + port + " SENTINEL get-master-addr-by-name cache"), "\n");
  EXPECT_EQ(Shell(discover), at_r2);
  server.SetStoreContact(true);
  EXPECT_EQ(Shell(discover), at_r1);
}

TEST_F(SentinelServerTest, MalformedInputClosesOnlyThatConnection) {
  const int good = OpenClient(server.port());
  const int bad = OpenClient(server.port());
  const std::string garbage = "*1\r\n$99999999999\r\n";
  SendAll(bad, garbage);
  EXPECT_EQ(ReadUntil(bad), "-ERR Protocol error: invalid bulk length\r\n");  // then EOF
  close(bad);
  EXPECT_NE(metrics.RenderPrometheus().find("sentinel_protocol_errors_total 1\n"),
            std::string::npos)
      << metrics.RenderPrometheus();
  const std::string ping = "*1\r\n$4\r\nPING\r\nQUIT\r\n";
  SendAll(good, ping);
  EXPECT_EQ(ReadUntil(good), "+PONG\r\n+OK\r\n");
  close(good);
}

TEST_F(SentinelServerTest, SwitchMasterReachesASubscriberWithinMilliseconds) {
  const int fd = OpenClient(server.port());
  SendAll(fd, "PSUBSCRIBE *\r\n");
  ASSERT_EQ(ReadUntil(fd, ":1\r\n"), "*3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:1\r\n");
  const Instant published = adapters::SteadyNow();
  feed.Publish(Group(r1, r2, "r2", 2));
  const std::string want = "cache 127.0.0.1 " + std::to_string(r1.port) + " 127.0.0.1 " +
                           std::to_string(r2.port) + "\r\n";
  const std::string got = ReadUntil(fd, want);
  const Duration took = adapters::SteadyNow() - published;
  EXPECT_NE(got.find("$14\r\n+switch-master\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find(want), std::string::npos) << got;
  EXPECT_LT(took.millis(), 50);
  close(fd);
  EXPECT_NE(metrics.RenderPrometheus().find(
                "sentinel_events_published_total{event=\"+switch-master\"} 1\n"),
            std::string::npos)
      << metrics.RenderPrometheus();
}

TEST_F(SentinelServerTest, FailoverPublishesSwitchMasterAndMasterForReconnects) {
  // A subscriber (redis-cli) and a writer that finds the primary the way
  // Sentinel-aware applications do (python3-redis).
  const std::string events = dir.path() + "/events.log";
  t::ChildProcess subscriber({"/usr/bin/redis-cli", "-p", port, "SUBSCRIBE", "+switch-master"},
                             events);
  const std::string script = R"(
import sys, time, redis, redis.sentinel
s = redis.sentinel.Sentinel([('127.0.0.1', int(sys.argv[1]))], socket_timeout=0.5)
m = s.master_for('cache', socket_timeout=0.5)
end = time.time() + 30
i = 0
while time.time() < end:
    i += 1
    try:
        m.set('k%d' % i, i)
        print('wrote', i, 'via', m.info('server')['tcp_port'], flush=True)
    except Exception as e:
        print('error', type(e).__name__, flush=True)
    time.sleep(0.02)
)";
  const std::string writes = dir.path() + "/writes.log";
  t::ChildProcess writer({"/usr/bin/python3", "-c", script, port}, writes);
  const std::string via_r1 = "via " + std::to_string(r1.port) + "\n";
  const std::string via_r2 = "via " + std::to_string(r2.port) + "\n";
  ASSERT_TRUE(t::WaitUntil([&] { return ReadFile(writes).find(via_r1) != std::string::npos; },
                           Duration::Seconds(15)))
      << ReadFile(writes);
  ASSERT_TRUE(t::WaitUntil(
      [&] { return ReadFile(events).find("subscribe\n+switch-master\n1\n") != std::string::npos; },
      Duration::Seconds(5)))
      << ReadFile(events);

  // The primary dies; baton sees it down, promotes r2 and confirms it.
  r1.process->Signal(SIGKILL);
  ASSERT_TRUE(r1.process->Wait(Duration::Seconds(5)).has_value());
  failover::Topology down = Group(r1, r2, "r1", 1);
  down.members[0].health = detect::Health::kUnhealthy;
  feed.Publish(down);
  ASSERT_TRUE(r2.adapter->Promote(2, Redis::Soon()).ok());
  failover::Topology promoted = Group(r1, r2, "r2", 2);
  promoted.members[0].health = detect::Health::kUnhealthy;
  promoted.members[0].role = MemberRole::kUnknown;
  feed.Publish(promoted);

  const std::string expected = "message\n+switch-master\ncache 127.0.0.1 " +
                               std::to_string(r1.port) + " 127.0.0.1 " + std::to_string(r2.port);
  ASSERT_TRUE(t::WaitUntil([&] { return ReadFile(events).find(expected) != std::string::npos; },
                           Duration::Seconds(5)))
      << ReadFile(events);
  ASSERT_TRUE(t::WaitUntil([&] { return ReadFile(writes).find(via_r2) != std::string::npos; },
                           Duration::Seconds(15)))
      << ReadFile(writes);
  EXPECT_EQ(Shell("redis-cli -p " + port + " SENTINEL get-master-addr-by-name cache"),
            "127.0.0.1\n" + std::to_string(r2.port) + "\n");
}

struct EndCounter final : limits::ListenerObserver {
  std::atomic<int> refused{0};
  std::atomic<int> idle{0};
  void OnConnectionEnd(limits::ConnectionEnd end) override {
    if (end == limits::ConnectionEnd::kRefusedFull) ++refused;
    if (end == limits::ConnectionEnd::kIdleTimeout) ++idle;
  }
  void OnOpen(size_t, size_t) override {}
};

TEST_F(SentinelServerTest, SilentClientsAreClosedSubscribersStayAndTheCapRefuses) {
  EndCounter observer;
  SentinelServerConfig config;
  config.max_connections = 3;
  config.idle_timeout = Duration::Millis(300);
  config.observer = &observer;
  SentinelServer limited{config, feed};
  ASSERT_TRUE(limited.Start().ok());
  const int subscriber = OpenClient(limited.port());
  SendAll(subscriber, "PSUBSCRIBE *\r\n");
  ASSERT_EQ(ReadUntil(subscriber, ":1\r\n"), "*3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:1\r\n");
  const int silent = OpenClient(limited.port());
  const int third = OpenClient(limited.port());
  const int refused = OpenClient(limited.port());
  EXPECT_EQ(ReadUntil(refused), "");  // closed at accept: EOF
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ReadUntil(silent), "");  // closed by the idle timeout
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150));
  EXPECT_EQ(observer.refused.load(), 1);
  EXPECT_GE(observer.idle.load(), 1);
  // The subscriber, quiet as long, is still served.
  SendAll(subscriber, "PING\r\n");
  EXPECT_NE(ReadUntil(subscriber, "pong").find("pong"), std::string::npos);
  close(subscriber);
  close(silent);
  close(third);
  close(refused);
}

}  // namespace
}  // namespace baton::sentinel
