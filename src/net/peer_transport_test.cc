#include "net/peer_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/coding.h"
#include "core/crc32c.h"
#include "net/certs.h"
#include "net/event_loop.h"
#include "net/frame.h"

#if defined(__SANITIZE_ADDRESS__)
// From the sanitizer runtime (sanitizer/allocator_interface.h, not always installed).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#else
#include <malloc.h>
#endif

namespace baton::net {
namespace {

const Duration kDeadline = Duration::Seconds(10);

class RecordingLogger final : public Logger {
 public:
  bool Enabled(LogLevel) const override { return true; }
  void Log(LogLevel level, std::string_view message) override {
    lines.emplace_back(level, std::string(message));
  }
  bool Has(LogLevel level, std::string_view needle) const {
    for (const auto& [l, text] : lines) {
      if (l == level && text.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::vector<std::pair<LogLevel, std::string>> lines;
};

std::string NodeName(NodeId id) { return "node-" + std::to_string(id); }
std::string Local(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// One node: a transport and everything it delivered.
struct Node {
  NodeId id = 0;
  std::unique_ptr<PeerTransport> transport;
  std::vector<std::pair<NodeId, std::string>> received;

  uint16_t port() const { return transport->listen_port(); }
  PeerAddress address() const { return {id, NodeName(id), Local(port())}; }
  bool Got(NodeId from, const std::string& payload) const {
    for (const auto& [f, p] : received) {
      if (f == from && p == payload) return true;
    }
    return false;
  }
  PeerMetrics peer(NodeId other) const { return transport->peer_metrics(other).value(); }
};

class PeerTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/baton_transport_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    other_ca_dir_ = dir_ + "/other";
    ASSERT_TRUE(InitCa(dir_).ok());
    ASSERT_TRUE(InitCa(other_ca_dir_).ok());
    for (NodeId id = 1; id <= 3; ++id) ASSERT_TRUE(IssueCert(dir_, NodeName(id), {}).ok());
    ASSERT_TRUE(IssueCert(other_ca_dir_, NodeName(2), {}).ok());
  }

  void TearDown() override {
    nodes_.clear();
    std::filesystem::remove_all(dir_);
  }

  TransportOptions Options(NodeId id) const {
    TransportOptions o;
    o.cluster_name = "test-cluster";
    o.self_id = id;
    o.self_name = NodeName(id);
    o.tls = CertFilesFor(dir_, NodeName(id));
    o.reconnect_min = Duration::Millis(10);
    o.reconnect_max = Duration::Millis(200);
    o.handshake_timeout = Duration::Seconds(2);
    o.ping_interval = Duration::Millis(100);
    o.idle_timeout = Duration::Seconds(2);
    return o;
  }

  TransportOptions PlaintextOptions(NodeId id) const {
    TransportOptions o = Options(id);
    o.plaintext = true;
    return o;
  }

  // Starts a transport for `options.self_id` that knows `peers`.
  Node& Start(const TransportOptions& options, std::vector<PeerAddress> peers = {}) {
    auto node = std::make_unique<Node>();
    node->id = options.self_id;
    Node* raw = node.get();
    auto transport = PeerTransport::Create(
        loop_, logger_, options, std::move(peers),
        [raw](NodeId from, std::string payload) { raw->received.emplace_back(from, payload); });
    BATON_CHECK(transport.has_value()) << transport.error().ToString();
    node->transport = std::move(transport).value();
    nodes_.push_back(std::move(node));
    return *raw;
  }

  // Makes every node in `nodes` a peer of every other.
  static void Connect(const std::vector<Node*>& nodes) {
    for (Node* a : nodes) {
      for (Node* b : nodes) {
        if (a != b) a->transport->SetPeer(b->address());
      }
    }
  }

  bool RunUntil(const std::function<bool()>& done) { return loop_.RunUntil(done, kDeadline); }
  void RunFor(Duration d) {
    loop_.RunUntil([] { return false; }, d);
  }

  std::string dir_;
  std::string other_ca_dir_;
  EventLoop loop_;
  RecordingLogger logger_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

TEST_F(PeerTransportTest, TwoNodesExchangeMessagesInOrderOverMutualTls) {
  Node& a = Start(Options(1));
  Node& b = Start(Options(2));
  Connect({&a, &b});
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(a.transport->Send(2, "m" + std::to_string(i)));
  ASSERT_TRUE(b.transport->Send(1, "reply"));
  ASSERT_TRUE(RunUntil([&] { return b.received.size() == 100 && a.received.size() == 1; }));
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(b.received[i], std::make_pair(NodeId{1}, "m" + std::to_string(i)));
  }
  EXPECT_EQ(a.received[0], std::make_pair(NodeId{2}, std::string("reply")));
  EXPECT_TRUE(a.peer(2).connected);
  EXPECT_EQ(a.peer(2).frames_sent, 100u);
  EXPECT_EQ(b.peer(1).frames_received, 100u);
  EXPECT_GT(a.peer(2).bytes_sent, 100 * kFrameHeaderSize);
  EXPECT_GT(b.peer(1).bytes_received, 100 * kFrameHeaderSize);
  EXPECT_EQ(a.transport->metrics().handshake_failures, 0u);
  EXPECT_EQ(b.transport->metrics().hello_rejections, 0u);
}

TEST_F(PeerTransportTest, ThreeNodesDeliverEveryPairWithTheRightSender) {
  Node& a = Start(Options(1));
  Node& b = Start(Options(2));
  Node& c = Start(Options(3));
  Connect({&a, &b, &c});
  for (Node* from : {&a, &b, &c}) {
    for (NodeId to = 1; to <= 3; ++to) {
      if (to != from->id) {
        ASSERT_TRUE(from->transport->Send(to, "from " + std::to_string(from->id)));
      }
    }
  }
  ASSERT_TRUE(RunUntil(
      [&] { return a.received.size() == 2 && b.received.size() == 2 && c.received.size() == 2; }));
  for (Node* to : {&a, &b, &c}) {
    for (NodeId from = 1; from <= 3; ++from) {
      if (from != to->id) {
        EXPECT_TRUE(to->Got(from, "from " + std::to_string(from)));
      }
    }
  }
}

TEST_F(PeerTransportTest, PingsMeasureTheRoundTrip) {
  Node& a = Start(Options(1));
  Node& b = Start(Options(2));
  Connect({&a, &b});
  ASSERT_TRUE(RunUntil([&] { return a.peer(2).last_rtt.has_value(); }));
  EXPECT_GT(*a.peer(2).last_rtt, Duration::Zero());
  EXPECT_LT(*a.peer(2).last_rtt, kDeadline);
}

TEST_F(PeerTransportTest, PeerWithCertificateFromAnotherCaIsRefused) {
  Node& a = Start(Options(1));
  TransportOptions impostor = Options(2);
  impostor.tls = CertFilesFor(other_ca_dir_, NodeName(2));
  Node& b = Start(impostor, {a.address()});
  a.transport->SetPeer(b.address());
  ASSERT_TRUE(b.transport->Send(1, "let me in"));
  ASSERT_TRUE(RunUntil([&] {
    return a.transport->metrics().handshake_failures >= 2 &&
           b.transport->metrics().handshake_failures >= 2 && b.peer(1).connection_attempts >= 3;
  }));
  EXPECT_TRUE(a.received.empty());
  EXPECT_TRUE(b.received.empty());
  EXPECT_FALSE(b.peer(1).connected);
  EXPECT_FALSE(a.peer(2).connected);
  EXPECT_TRUE(logger_.Has(LogLevel::kWarn, "TLS handshake"));
}

TEST_F(PeerTransportTest, PeerWhoseCertificateNamesAnotherNodeIsRefused) {
  Node& a = Start(Options(1));
  TransportOptions impostor = Options(2);          // claims to be node-2 ...
  impostor.tls = CertFilesFor(dir_, NodeName(3));  // ... with node-3's valid certificate
  Node& b = Start(impostor, {a.address()});
  a.transport->SetPeer(b.address());
  ASSERT_TRUE(b.transport->Send(1, "let me in"));
  ASSERT_TRUE(RunUntil([&] { return a.transport->metrics().hello_rejections >= 2; }));
  RunFor(Duration::Millis(100));
  EXPECT_TRUE(a.received.empty());
  EXPECT_FALSE(b.peer(1).connected);
  EXPECT_FALSE(a.peer(2).connected);
  EXPECT_TRUE(logger_.Has(LogLevel::kWarn, "certificate is not issued to node-2"));
}

TEST_F(PeerTransportTest, HelloFromAnotherClusterIsRefused) {
  Node& a = Start(Options(1));
  TransportOptions stranger = Options(2);
  stranger.cluster_name = "other-cluster";
  Node& b = Start(stranger, {a.address()});
  a.transport->SetPeer(b.address());
  ASSERT_TRUE(b.transport->Send(1, "hi"));
  ASSERT_TRUE(RunUntil([&] {
    return a.transport->metrics().hello_rejections >= 1 &&
           b.transport->metrics().hello_rejections >= 1;
  }));
  EXPECT_TRUE(a.received.empty());
}

TEST_F(PeerTransportTest, PlaintextClientCannotConnectToTlsTransport) {
  Node& a = Start(Options(1));
  Node& b = Start(PlaintextOptions(2), {a.address()});
  a.transport->SetPeer(b.address());
  EXPECT_TRUE(logger_.Has(LogLevel::kWarn, "PLAINTEXT"));
  ASSERT_TRUE(b.transport->Send(1, "cleartext"));
  ASSERT_TRUE(RunUntil([&] { return a.transport->metrics().handshake_failures >= 2; }));
  EXPECT_TRUE(a.received.empty());
  EXPECT_FALSE(b.peer(1).connected);
}

TEST_F(PeerTransportTest, ReconnectsAndDeliversAfterThePeerRestarts) {
  Node& a = Start(Options(1));
  Node* b = &Start(Options(2));
  Connect({&a, b});
  ASSERT_TRUE(a.transport->Send(2, "before"));
  ASSERT_TRUE(RunUntil([&] { return b->Got(1, "before"); }));
  const PeerAddress b_address = b->address();

  nodes_.pop_back();  // destroys b's transport
  ASSERT_TRUE(RunUntil([&] { return !a.peer(2).connected; }));
  ASSERT_TRUE(a.transport->Send(2, "while down"));
  RunFor(Duration::Millis(100));

  TransportOptions again = Options(2);
  again.listen_address = b_address.address;
  b = &Start(again, {a.address()});
  ASSERT_TRUE(b->transport->Send(1, "back"));
  ASSERT_TRUE(RunUntil([&] { return b->Got(1, "while down") && a.Got(2, "back"); }));
  EXPECT_TRUE(a.peer(2).connected);
  EXPECT_GE(a.peer(2).connection_attempts, 2u);
}

TEST_F(PeerTransportTest, ReportsAPeerThatClosedItsConnectionButNotOurOwnClose) {
  Node& a = Start(Options(1));
  Node& b = Start(Options(2));
  Node& c = Start(Options(3));
  Connect({&a, &b, &c});
  std::vector<NodeId> lost;
  a.transport->SetConnectionLostHandler([&](NodeId peer) { lost.push_back(peer); });
  ASSERT_TRUE(b.transport->Send(1, "hello"));
  ASSERT_TRUE(c.transport->Send(1, "hello"));
  ASSERT_TRUE(RunUntil([&] { return a.Got(2, "hello") && a.Got(3, "hello"); }));

  a.transport->RemovePeer(3);  // we close c's connection: no report
  RunFor(Duration::Millis(100));
  EXPECT_TRUE(lost.empty());

  nodes_.erase(nodes_.begin() + 1);  // b's process goes away: its sockets close
  ASSERT_TRUE(RunUntil([&] { return !lost.empty(); }));
  EXPECT_EQ(lost, std::vector<NodeId>{2});
}

TEST_F(PeerTransportTest, FullSendQueueDropsAndCounts) {
  TransportOptions o = Options(1);
  o.max_queue_frames = 4;
  o.max_frame_bytes = 64;
  // Nobody listens on port 1, so nothing leaves the queue.
  Node& a = Start(o, {{2, NodeName(2), Local(1)}});
  int accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += a.transport->Send(2, "raft append") ? 1 : 0;
  EXPECT_EQ(accepted, 4);
  EXPECT_FALSE(a.transport->Send(2, std::string(65, 'x'))) << "payload over max_frame_bytes";
  EXPECT_EQ(a.peer(2).frames_dropped, 7u);
  EXPECT_EQ(a.peer(2).queued_frames, 4u);
  EXPECT_FALSE(a.transport->Send(9, "nobody"));
  EXPECT_EQ(a.transport->metrics().sends_to_unknown_peer, 1u);
  RunFor(Duration::Millis(50));
  EXPECT_FALSE(a.peer(2).connected);
  EXPECT_GE(a.peer(2).connection_attempts, 1u);
}

TEST_F(PeerTransportTest, CreateReportsBadOptionsAndUnreadableTlsFiles) {
  TransportOptions no_cluster = Options(1);
  no_cluster.cluster_name.clear();
  auto r1 = PeerTransport::Create(loop_, logger_, no_cluster, {}, [](NodeId, std::string) {});
  EXPECT_TRUE(r1.error().IsInvalidArgument());

  TransportOptions bad_timing = Options(1);
  bad_timing.idle_timeout = bad_timing.ping_interval;
  auto r2 = PeerTransport::Create(loop_, logger_, bad_timing, {}, [](NodeId, std::string) {});
  EXPECT_TRUE(r2.error().IsInvalidArgument());

  TransportOptions missing_key = Options(1);
  missing_key.tls.key_file = dir_ + "/absent.key";
  auto r3 = PeerTransport::Create(loop_, logger_, missing_key, {}, [](NodeId, std::string) {});
  EXPECT_TRUE(r3.error().IsIOError()) << r3.error().ToString();

  TransportOptions wrong_key = Options(1);
  wrong_key.tls.key_file = CertFilesFor(dir_, NodeName(2)).key_file;
  auto r4 = PeerTransport::Create(loop_, logger_, wrong_key, {}, [](NodeId, std::string) {});
  EXPECT_TRUE(r4.error().IsIOError()) << r4.error().ToString();
}

// A raw TCP client speaking (or abusing) the plaintext wire protocol.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BATON_CHECK(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~RawClient() { ::close(fd_); }

  void Write(const std::string& bytes) {
    BATON_CHECK(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                static_cast<ssize_t>(bytes.size()));
  }
  void FinishWriting() { ::shutdown(fd_, SHUT_WR); }
  // Drains what the server sent; true once the server has closed.
  bool ServerClosed() {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) return true;
      if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    }
  }

 private:
  int fd_ = -1;
};

std::string HelloFrom(NodeId id) {
  return EncodeFrame(FrameType::kHello, EncodeHello({"test-cluster", id, NodeName(id)}));
}

TEST_F(PeerTransportTest, FollowsAPeerToItsNewAddress) {
  Node& a = Start(Options(1));
  Node* b = &Start(Options(2));
  Connect({&a, b});
  ASSERT_TRUE(a.transport->Send(2, "old home"));
  ASSERT_TRUE(RunUntil([&] { return b->Got(1, "old home"); }));

  nodes_.pop_back();  // b moves: a new transport on another port
  b = &Start(Options(2), {a.address()});
  a.transport->SetPeer(b->address());
  ASSERT_TRUE(RunUntil([&] { return a.peer(2).connected; }));
  ASSERT_TRUE(a.transport->Send(2, "new home"));
  ASSERT_TRUE(RunUntil([&] { return b->Got(1, "new home"); }));
}

TEST_F(PeerTransportTest, RemovedPeerCanNeitherReceiveNorSend) {
  Node& a = Start(Options(1));
  Node& b = Start(Options(2));
  Connect({&a, &b});
  ASSERT_TRUE(b.transport->Send(1, "first"));
  ASSERT_TRUE(RunUntil([&] { return a.Got(2, "first"); }));

  a.transport->RemovePeer(2);
  EXPECT_FALSE(a.transport->peer_metrics(2).has_value());
  EXPECT_FALSE(a.transport->Send(2, "to a stranger"));
  EXPECT_EQ(a.transport->metrics().sends_to_unknown_peer, 1u);
  ASSERT_TRUE(RunUntil([&] { return a.transport->metrics().hello_rejections >= 1; }))
      << "b redials and a refuses the unknown id";
  ASSERT_TRUE(b.transport->Send(1, "second"));
  RunFor(Duration::Millis(100));
  EXPECT_FALSE(a.Got(2, "second"));
}

TEST_F(PeerTransportTest, SilentConnectionsAreClosedByTheirDeadlines) {
  TransportOptions o = Options(1);
  o.handshake_timeout = Duration::Millis(200);
  Node& tls = Start(o);
  RawClient mute(tls.port());  // never starts the TLS handshake
  ASSERT_TRUE(RunUntil(
      [&] { return mute.ServerClosed() && tls.transport->metrics().handshake_failures == 1; }));

  TransportOptions p = PlaintextOptions(2);
  p.ping_interval = Duration::Millis(50);
  p.idle_timeout = Duration::Millis(300);
  Node& plain = Start(p, {{3, NodeName(3), Local(1)}});
  RawClient idle(plain.port());
  idle.Write(HelloFrom(3));  // authenticates, then says nothing more
  const Instant start = loop_.Now();
  ASSERT_TRUE(RunUntil([&] { return idle.ServerClosed(); }));
  EXPECT_GE(loop_.Now() - start, Duration::Millis(300));
  EXPECT_EQ(plain.transport->metrics().malformed_frames, 0u);
}

struct BadInput {
  const char* name;
  bool after_hello;  // authenticate first, so the bad bytes hit the framing layer
  std::string bytes;
  bool then_close_write;
};

std::vector<BadInput> BadInputs() {
  std::string bad_crc = EncodeFrame(FrameType::kData, "corrupted in transit");
  bad_crc.back() ^= 0x40;
  std::string oversized = EncodeFrame(FrameType::kData, "");
  oversized[8] = static_cast<char>(0x01);  // length 1025 > max_frame_bytes (1024)
  oversized[9] = static_cast<char>(0x04);
  std::string truncated = EncodeFrame(FrameType::kData, std::string(100, 'p')).substr(0, 40);
  return {
      {"garbage", false, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", false},
      {"truncated", true, truncated, true},
      {"bad_crc", true, bad_crc, false},
      {"oversized", true, oversized, false},
  };
}

TEST_F(PeerTransportTest, MalformedInputClosesOnlyThatConnection) {
  TransportOptions o = PlaintextOptions(1);
  o.max_frame_bytes = 1024;
  Node& a = Start(o);
  Node& b = Start(PlaintextOptions(2));
  Connect({&a, &b});
  a.transport->SetPeer({3, NodeName(3), Local(1)});  // the raw client claims to be node 3
  ASSERT_TRUE(b.transport->Send(1, "hello 0"));
  ASSERT_TRUE(RunUntil([&] { return a.Got(2, "hello 0"); }));

  uint64_t malformed = 0;
  int round = 0;
  for (const BadInput& bad : BadInputs()) {
    SCOPED_TRACE(bad.name);
    ++round;
    RawClient raw(a.port());
    if (bad.after_hello) {
      const std::string good = "valid before " + std::string(bad.name);
      raw.Write(HelloFrom(3) + EncodeFrame(FrameType::kData, good));
      ASSERT_TRUE(RunUntil([&] { return a.Got(3, good); }));
    }
    raw.Write(bad.bytes);
    if (bad.then_close_write) raw.FinishWriting();
    ASSERT_TRUE(RunUntil([&] { return raw.ServerClosed(); }));
    ASSERT_TRUE(RunUntil([&] { return a.transport->metrics().malformed_frames == malformed + 1; }));
    malformed = a.transport->metrics().malformed_frames;

    const std::string next = "hello " + std::to_string(round);
    ASSERT_TRUE(b.transport->Send(1, next));
    ASSERT_TRUE(RunUntil([&] { return a.Got(2, next); }));
  }
  EXPECT_EQ(b.peer(1).connection_attempts, 1u) << "the good peer's connection never dropped";
  EXPECT_EQ(a.received.size(), 1u + 3u + 4u);
  EXPECT_TRUE(logger_.Has(LogLevel::kWarn, "CRC"));
}

// Heap bytes in use by the whole process.
size_t HeapInUse() {
#if defined(__SANITIZE_ADDRESS__)
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

TEST_F(PeerTransportTest, AClaimedHugeFrameAllocatesOnlyWhatArrives) {
  TransportOptions o = PlaintextOptions(1);
  o.max_frame_bytes = 64u << 20;
  Node& a = Start(o, {{3, NodeName(3), Local(1)}});
  RawClient raw(a.port());
  raw.Write(HelloFrom(3) + EncodeFrame(FrameType::kData, "authenticated"));
  ASSERT_TRUE(RunUntil([&] { return a.Got(3, "authenticated"); }));
  const size_t before = HeapInUse();
  // A header claiming 60 MiB, then only 1000 bytes of it.
  std::string claim = EncodeFrame(FrameType::kData, std::string(1000, 'x')).substr(0, 16 + 1000);
  const uint32_t claimed = 60u << 20;
  claim[8] = static_cast<char>(claimed & 0xff);
  claim[9] = static_cast<char>((claimed >> 8) & 0xff);
  claim[10] = static_cast<char>((claimed >> 16) & 0xff);
  claim[11] = static_cast<char>((claimed >> 24) & 0xff);
  raw.Write(claim);
  RunFor(Duration::Millis(200));
  const size_t after = HeapInUse();
  EXPECT_LT(after, before + (4u << 20)) << "grew by " << (after - before) << " bytes";
  EXPECT_FALSE(raw.ServerClosed());
}

TEST_F(PeerTransportTest, UnauthenticatedFloodEvictsTheOldestAndTheCapRefuses) {
  TransportOptions o = PlaintextOptions(1);
  o.max_inbound_connections = 4;
  o.max_unauthenticated = 2;
  Node& a = Start(o, {{2, NodeName(2), Local(1)}, {3, NodeName(3), Local(1)}});
  // Two silent connections fill the unauthenticated pool...
  RawClient silent1(a.port());
  RawClient silent2(a.port());
  RunFor(Duration::Millis(100));
  // ...a third evicts the oldest, and authenticates.
  RawClient peer(a.port());
  ASSERT_TRUE(RunUntil([&] { return silent1.ServerClosed(); }));
  EXPECT_FALSE(silent2.ServerClosed());
  peer.Write(HelloFrom(3) + EncodeFrame(FrameType::kData, "through the flood"));
  ASSERT_TRUE(RunUntil([&] { return a.Got(3, "through the flood"); }));
  EXPECT_EQ(a.transport->metrics().connections_evicted, 1u);
  RawClient peer2(a.port());
  peer2.Write(HelloFrom(2) + EncodeFrame(FrameType::kData, "second peer"));
  ASSERT_TRUE(RunUntil([&] { return a.Got(2, "second peer"); }));
  // 4 open (2 authenticated + silent2 + one more), then a fifth is evicting
  // silent ones; with every connection authenticated a new one is refused.
  RawClient silent3(a.port());
  RunFor(Duration::Millis(50));
  RawClient silent4(a.port());  // table full: the oldest unauthenticated (silent2) goes
  ASSERT_TRUE(RunUntil([&] { return silent2.ServerClosed(); }));
  EXPECT_FALSE(silent3.ServerClosed());
  EXPECT_EQ(a.transport->metrics().connections_evicted, 2u);
  EXPECT_EQ(a.transport->metrics().connections_refused, 0u);
}

TEST_F(PeerTransportTest, ConnectionsBeyondTheCapAreRefusedWhenAllAreAuthenticated) {
  TransportOptions o = PlaintextOptions(1);
  o.max_inbound_connections = 1;
  o.max_unauthenticated = 1;
  Node& a = Start(o, {{3, NodeName(3), Local(1)}});
  RawClient peer(a.port());
  peer.Write(HelloFrom(3) + EncodeFrame(FrameType::kData, "in"));
  ASSERT_TRUE(RunUntil([&] { return a.Got(3, "in"); }));
  RawClient extra(a.port());
  ASSERT_TRUE(RunUntil([&] { return extra.ServerClosed(); }));
  EXPECT_EQ(a.transport->metrics().connections_refused, 1u);
  EXPECT_FALSE(peer.ServerClosed());
}

}  // namespace
}  // namespace baton::net
