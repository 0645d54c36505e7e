#include "net/peer_transport.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <set>

#include "core/check.h"
#include "core/coding.h"
#include "core/rng.h"
#include "limits/connection_table.h"
#include "limits/descriptor_budget.h"
#include "net/internal/link.h"
#include "net/internal/loop_state.h"

namespace baton::net {
namespace {

using internal::Frame;
using internal::kUse;
using internal::Link;
using internal::ToChrono;
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kMaxWriteBatchBytes = 1 << 20;
// A hello is tiny; before a peer is authenticated it may not make us allocate more.
constexpr uint32_t kMaxHelloBytes = 4096;

// Splits "host:port" (or "[v6]:port").
Status ParseHostPort(const std::string& address, std::string* host, std::string* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return Status::InvalidArgument("address '" + address + "' is not host:port");
  }
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  if (host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  const bool numeric =
      std::all_of(port->begin(), port->end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!numeric || port->size() > 5 || std::stoul(*port) > 65535) {
    return Status::InvalidArgument("bad port in address '" + address + "'");
  }
  return Status::Ok();
}

// True when the peer certificate of an established TLS session is issued to
// `name` (SAN DNS, or CN when there is no DNS SAN).
bool PeerCertificateNames(SSL* ssl, const std::string& name) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return false;
  const int match = X509_check_host(cert, name.data(), name.size(),
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr);
  X509_free(cert);
  return match == 1;
}

// The hello carried by a connection's first frame.
Result<Hello> HelloOf(const Frame& frame) {
  if (frame.type != FrameType::kHello) return Status::Corruption("first frame is not a hello");
  return DecodeHello(frame.payload);
}

// The send time a pong echoes back.
Result<Instant> PongTime(const Frame& frame) {
  if (frame.type != FrameType::kPong) {
    return Status::Corruption("unexpected frame type on an outbound connection");
  }
  Decoder d(frame.payload);
  uint64_t sent_ns = 0;
  if (!d.GetFixed64(&sent_ns) || !d.empty()) return Status::Corruption("malformed pong");
  return Instant::FromNanos(static_cast<int64_t>(sent_ns));
}

std::string EncodeInstant(Instant t) {
  std::string out;
  PutFixed64(&out, static_cast<uint64_t>(t.nanos()));
  return out;
}

limits::ListenerLimits InboundLimits(const TransportOptions& o) {
  limits::ListenerLimits l;
  l.max_connections = o.max_inbound_connections;
  l.max_unauthenticated = o.max_unauthenticated;
  l.handshake_timeout = o.handshake_timeout;
  l.idle_timeout = o.idle_timeout;
  return l;
}

struct PeerState {
  explicit PeerState(asio::io_context& io, PeerAddress a)
      : addr(std::move(a)), wake(io), backoff(io) {}
  PeerAddress addr;
  std::deque<std::string> queue;  // encoded data frames
  PeerMetrics metrics;
  std::shared_ptr<Link> out;  // the outbound link once its hello is exchanged
  std::shared_ptr<Link> in;   // the latest authenticated inbound link
  asio::steady_timer wake;    // the writer waits here; cancelled to wake it
  asio::steady_timer backoff;
  bool removed = false;
};

}  // namespace

struct PeerTransport::Impl {
  Impl(EventLoop& l, Logger& lg, TransportOptions o, ReceiveFn r)
      : loop(l),
        io(internal::StateOf(l).io),
        logger(lg),
        options(std::move(o)),
        on_receive(std::move(r)),
        acceptor(io),
        rng(options.seed),
        table(InboundLimits(options), &observer) {
    observer.forward = options.listener_observer;
    observer.metrics = &metrics;
  }

  // Counts into TransportMetrics and forwards to the caller's observer.
  struct Observer final : limits::ListenerObserver {
    limits::ListenerObserver* forward = nullptr;
    TransportMetrics* metrics = nullptr;
    void OnConnectionEnd(limits::ConnectionEnd end) override {
      if (end == limits::ConnectionEnd::kRefusedFull ||
          end == limits::ConnectionEnd::kRefusedNoDescriptors) {
        ++metrics->connections_refused;
      } else if (end == limits::ConnectionEnd::kEvictedUnauthenticated) {
        ++metrics->connections_evicted;
      }
      if (forward != nullptr) forward->OnConnectionEnd(end);
    }
    void OnOpen(size_t open, size_t unauthenticated) override {
      if (forward != nullptr) forward->OnOpen(open, unauthenticated);
    }
  };

  EventLoop& loop;
  asio::io_context& io;
  Logger& logger;
  const TransportOptions options;
  ReceiveFn on_receive;
  PeerTransport::LostFn on_lost;
  ssl::context ssl_ctx{ssl::context::tls};
  tcp::acceptor acceptor;
  Rng rng;
  std::map<NodeId, std::shared_ptr<PeerState>> peers;
  std::set<std::shared_ptr<Link>> links;  // every open link, closed on shutdown
  TransportMetrics metrics;
  Observer observer;
  limits::ConnectionTable table;  // accepted links
  std::map<limits::ConnectionId, std::weak_ptr<Link>> accepted;
  limits::DescriptorReserve reserve;
  bool closed = false;

  void Log(LogLevel level, const std::string& message) {
    if (!closed && logger.Enabled(level)) {
      logger.Log(level, "transport " + options.self_name + ": " + message);
    }
  }

  std::string PeerName(NodeId id) {
    auto it = peers.find(id);
    const std::string name = it == peers.end() ? "?" : it->second->addr.name;
    return name + "(" + std::to_string(id) + ")";
  }

  std::shared_ptr<Link> NewLink() {
    auto link = std::make_shared<Link>(io, ssl_ctx, !options.plaintext);
    links.insert(link);
    return link;
  }

  void EndLink(const std::shared_ptr<Link>& link) {
    link->Close();
    links.erase(link);
  }

  std::string HelloFrame() const {
    return EncodeFrame(FrameType::kHello,
                       EncodeHello({options.cluster_name, options.self_id, options.self_name}));
  }

  // Checks a peer's hello (and certificate) against what we expect of `id`.
  Status CheckHello(const Result<Hello>& result, Link& link, const PeerAddress& expected) {
    if (!result.has_value()) return result.error();
    const Hello& hello = *result;
    if (hello.cluster != options.cluster_name) {
      return Status::PermissionDenied("cluster '" + hello.cluster + "' is not ours");
    }
    if (hello.node_id != expected.id || hello.node_name != expected.name) {
      return Status::PermissionDenied("hello from " + hello.node_name + "(" +
                                      std::to_string(hello.node_id) + "), expected " +
                                      expected.name + "(" + std::to_string(expected.id) + ")");
    }
    if (!options.plaintext && !PeerCertificateNames(link.ssl(), expected.name)) {
      return Status::PermissionDenied("certificate is not issued to " + expected.name);
    }
    return Status::Ok();
  }

  // Checks a dialler's hello; on success sets *peer to the peer it names.
  Status CheckInboundHello(const Hello& hello, Link& link, std::shared_ptr<PeerState>* peer) {
    auto it = peers.find(hello.node_id);
    if (it == peers.end()) {
      return Status::PermissionDenied("unknown node id " + std::to_string(hello.node_id));
    }
    BATON_RETURN_IF_ERROR(CheckHello(hello, link, it->second->addr));
    *peer = it->second;
    return Status::Ok();
  }

  void Spawn(const std::shared_ptr<Impl>& self, asio::awaitable<void> task) {
    asio::co_spawn(io, std::move(task), [self](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        self->Log(LogLevel::kError, std::string("connection task failed: ") + ex.what());
      }
    });
  }

  void StartPeer(const std::shared_ptr<Impl>& self, const PeerAddress& addr) {
    auto peer = std::make_shared<PeerState>(io, addr);
    peers[addr.id] = peer;
    Spawn(self, DialLoop(self, peer));
  }

  static asio::awaitable<void> DialLoop(std::shared_ptr<Impl> self,
                                        std::shared_ptr<PeerState> peer) {
    const TransportOptions& o = self->options;
    Duration backoff = o.reconnect_min;
    while (!self->closed && !peer->removed) {
      ++peer->metrics.connection_attempts;
      std::shared_ptr<Link> link = self->NewLink();
      const Status s = co_await Dial(self, peer, link);
      if (s.ok()) {
        backoff = o.reconnect_min;
        peer->out = link;
        peer->metrics.connected = true;
        std::weak_ptr<PeerState> weak_peer = peer;
        link->OnClose([weak_peer] {
          if (auto p = weak_peer.lock()) p->wake.cancel();
        });
        self->Log(LogLevel::kInfo, "connected to " + peer->addr.name);
        self->Spawn(self, OutboundReader(self, peer, link));
        co_await Writer(self, peer, link);
        peer->out = nullptr;
        peer->metrics.connected = false;
        self->Log(LogLevel::kInfo, "disconnected from " + peer->addr.name);
      } else {
        self->Log(LogLevel::kDebug,
                  "dial " + peer->addr.name + " at " + peer->addr.address + ": " + s.ToString());
      }
      self->EndLink(link);
      if (self->closed || peer->removed) break;
      const Duration delay =
          backoff + Duration::Nanos(self->rng.UniformInt(0, backoff.nanos() / 2));
      backoff = std::min(backoff * 2, o.reconnect_max);
      peer->backoff.expires_after(ToChrono(delay));
      co_await peer->backoff.async_wait(kUse);
    }
  }

  // Connects, authenticates and exchanges hellos on a new outbound link.
  static asio::awaitable<Status> Dial(std::shared_ptr<Impl> self, std::shared_ptr<PeerState> peer,
                                      std::shared_ptr<Link> link) {
    const PeerAddress expected = peer->addr;
    link->ExtendDeadline(self->options.handshake_timeout);
    self->Spawn(self, Link::Watchdog(link));
    std::string host, port;
    if (Status s = ParseHostPort(expected.address, &host, &port); !s.ok()) co_return s;
    tcp::resolver resolver(self->io);
    auto [rec, endpoints] = co_await resolver.async_resolve(host, port, kUse);
    if (rec) co_return Status::Unavailable("resolve: " + rec.message());
    auto [cec, ep] = co_await asio::async_connect(link->socket(), endpoints, kUse);
    if (cec) co_return Status::Unavailable("connect: " + cec.message());
    error_code ignored;
    link->socket().set_option(tcp::no_delay(true), ignored);
    if (!self->options.plaintext) {
      const error_code hec = co_await link->Handshake(ssl::stream_base::client);
      if (hec) {
        if (!self->closed) ++self->metrics.handshake_failures;
        self->Log(LogLevel::kWarn,
                  "TLS handshake with " + expected.name + " failed: " + hec.message());
        co_return Status::PermissionDenied("TLS handshake: " + hec.message());
      }
    }
    const std::vector<std::string> hello_frame(1, self->HelloFrame());
    auto [wec, wn] = co_await link->Write(hello_frame);
    if (wec) co_return Status::Unavailable("send hello: " + wec.message());
    Result<Frame> reply = co_await link->Read(kMaxHelloBytes);
    if (!reply.has_value()) co_return reply.error();
    const Status ok = self->CheckHello(HelloOf(*reply), *link, expected);
    if (!ok.ok()) {
      if (!self->closed) ++self->metrics.hello_rejections;
      self->Log(LogLevel::kWarn, "refusing " + expected.name + ": " + ok.ToString());
      co_return ok;
    }
    if (link->closed()) co_return Status::Unavailable("closed during handshake");
    link->ExtendDeadline(self->options.idle_timeout);
    co_return Status::Ok();
  }

  // Writes queued frames and pings on the outbound link until it fails.
  static asio::awaitable<void> Writer(std::shared_ptr<Impl> self, std::shared_ptr<PeerState> peer,
                                      std::shared_ptr<Link> link) {
    Instant next_ping = self->loop.Now();
    while (!link->closed() && !self->closed && !peer->removed) {
      const Instant now = self->loop.Now();
      std::vector<std::string> batch;
      if (now >= next_ping) {
        batch.push_back(EncodeFrame(FrameType::kPing, EncodeInstant(now)));
        next_ping = now + self->options.ping_interval;
      }
      size_t bytes = 0;
      uint64_t data_frames = 0;
      while (!peer->queue.empty() && bytes < kMaxWriteBatchBytes) {
        bytes += peer->queue.front().size();
        batch.push_back(std::move(peer->queue.front()));
        peer->queue.pop_front();
        ++data_frames;
      }
      if (batch.empty()) {
        peer->wake.expires_after(ToChrono(next_ping - now));
        co_await peer->wake.async_wait(kUse);
        continue;
      }
      auto [ec, n] = co_await link->Write(batch);
      if (ec) {
        self->Log(LogLevel::kInfo, "send to " + peer->addr.name + " failed: " + ec.message());
        co_return;
      }
      peer->metrics.bytes_sent += n;
      peer->metrics.frames_sent += data_frames;
    }
  }

  // Reads pongs on the outbound link; anything else closes it.
  static asio::awaitable<void> OutboundReader(std::shared_ptr<Impl> self,
                                              std::shared_ptr<PeerState> peer,
                                              std::shared_ptr<Link> link) {
    while (!link->closed()) {
      Result<Frame> frame = co_await link->Read(self->options.max_frame_bytes);
      if (self->closed) co_return;
      if (!frame.has_value()) {
        self->CountAndLogReadError(frame.error(), peer->addr.name);
        link->Close();
        co_return;
      }
      const Result<Instant> sent = PongTime(*frame);
      if (!sent.has_value()) {
        self->CountAndLogReadError(sent.error(), peer->addr.name);
        link->Close();
        co_return;
      }
      peer->metrics.last_rtt = self->loop.Now() - *sent;
      link->ExtendDeadline(self->options.idle_timeout);
    }
  }

  void CountAndLogReadError(const Status& s, const std::string& from) {
    if (s.IsCorruption()) {
      ++metrics.malformed_frames;
      Log(LogLevel::kWarn, "closing connection with " + from + ": " + s.ToString());
    } else {
      Log(LogLevel::kDebug, "connection with " + from + " ended: " + s.ToString());
    }
  }

  static asio::awaitable<void> AcceptLoop(std::shared_ptr<Impl> self) {
    asio::steady_timer pause(self->io);
    while (!self->closed) {
      std::shared_ptr<Link> link = self->NewLink();
      auto [ec] = co_await self->acceptor.async_accept(link->socket(), kUse);
      if (self->closed) co_return;
      if (ec) {
        self->EndLink(link);
        if (limits::IsDescriptorExhaustion(ec.value())) {
          self->reserve.ShedOne(self->acceptor.native_handle());
          self->table.CountEnd(limits::ConnectionEnd::kRefusedNoDescriptors);
        }
        self->Log(LogLevel::kWarn, "accept: " + ec.message());
        pause.expires_after(std::chrono::milliseconds(50));
        co_await pause.async_wait(kUse);
        continue;
      }
      if (!self->Admit(link)) continue;
      ++self->metrics.connections_accepted;
      self->Spawn(self, Inbound(self, link));
    }
  }

  // Applies the listener limits to a new link: false when it was refused
  // (and closed); may close the oldest unauthenticated link to admit it.
  bool Admit(const std::shared_ptr<Link>& link) {
    const limits::Admission a = table.Admit();
    if (a.evict.has_value()) {
      auto it = accepted.find(*a.evict);
      if (it != accepted.end()) {
        if (auto old = it->second.lock()) old->Close();
        accepted.erase(it);
      }
    }
    if (!a.accepted) {
      Log(LogLevel::kWarn, "refusing a connection from " + link->remote() + ": " +
                               std::to_string(table.open()) + " connections open");
      EndLink(link);
      return false;
    }
    link->connection_id = a.id;
    accepted[a.id] = link;
    return true;
  }

  void ReleaseAccepted(const std::shared_ptr<Link>& link, bool authenticated) {
    if (link->timed_out() && table.IsOpen(link->connection_id)) {
      table.CountEnd(authenticated ? limits::ConnectionEnd::kIdleTimeout
                                   : limits::ConnectionEnd::kHandshakeTimeout);
    }
    table.Release(link->connection_id);
    accepted.erase(link->connection_id);
    EndLink(link);
  }

  // Authenticates an accepted link, then delivers its data frames.
  static asio::awaitable<void> Inbound(std::shared_ptr<Impl> self, std::shared_ptr<Link> link) {
    const std::string remote = link->remote();
    std::shared_ptr<PeerState> peer = co_await Authenticate(self, link, remote);
    if (self->closed) co_return;
    if (peer == nullptr) {
      self->ReleaseAccepted(link, /*authenticated=*/false);
      co_return;
    }
    self->table.Authenticate(link->connection_id);
    if (peer->in != nullptr) peer->in->Close();
    peer->in = link;
    const std::string name = peer->addr.name;
    link->ExtendDeadline(self->options.idle_timeout);
    while (!link->closed() && !self->closed && !peer->removed) {
      Result<Frame> frame = co_await link->Read(self->options.max_frame_bytes);
      if (self->closed || peer->removed) break;
      if (!frame.has_value()) {
        // Still open on our side: the peer closed or reset it.
        const bool lost = !link->closed() && !frame.error().IsCorruption();
        self->CountAndLogReadError(frame.error(), name);
        if (lost && self->on_lost) self->on_lost(peer->addr.id);
        break;
      }
      link->ExtendDeadline(self->options.idle_timeout);
      peer->metrics.bytes_received += kFrameHeaderSize + frame->payload.size();
      if (frame->type == FrameType::kData) {
        ++peer->metrics.frames_received;
        self->on_receive(peer->addr.id, std::move(frame->payload));
      } else if (frame->type == FrameType::kPing) {
        const std::vector<std::string> pong(1, EncodeFrame(FrameType::kPong, frame->payload));
        auto [ec, n] = co_await link->Write(pong);
        if (ec) break;
      } else {
        self->CountAndLogReadError(Status::Corruption("unexpected frame type from a dialler"),
                                   name);
        break;
      }
    }
    if (peer->in == link) peer->in = nullptr;
    if (!self->closed) self->ReleaseAccepted(link, /*authenticated=*/true);
  }

  // TLS handshake and hello exchange on an accepted link. Returns the peer,
  // or nullptr (counted and logged) when it may not talk to us.
  static asio::awaitable<std::shared_ptr<PeerState>> Authenticate(std::shared_ptr<Impl> self,
                                                                  std::shared_ptr<Link> link,
                                                                  std::string remote) {
    link->ExtendDeadline(self->options.handshake_timeout);
    self->Spawn(self, Link::Watchdog(link));
    error_code ignored;
    link->socket().set_option(tcp::no_delay(true), ignored);
    if (!self->options.plaintext) {
      const error_code ec = co_await link->Handshake(ssl::stream_base::server);
      if (self->closed) co_return nullptr;
      if (ec) {
        ++self->metrics.handshake_failures;
        self->Log(LogLevel::kWarn, "TLS handshake from " + remote + " failed: " + ec.message());
        co_return nullptr;
      }
    }
    Result<Frame> first = co_await link->Read(kMaxHelloBytes);
    if (self->closed) co_return nullptr;
    if (!first.has_value()) {
      self->CountAndLogReadError(first.error(), remote);
      co_return nullptr;
    }
    const Result<Hello> hello = HelloOf(*first);
    if (!hello.has_value()) {
      self->CountAndLogReadError(hello.error(), remote);
      co_return nullptr;
    }
    std::shared_ptr<PeerState> peer;
    const Status ok = self->CheckInboundHello(*hello, *link, &peer);
    if (!ok.ok()) {
      ++self->metrics.hello_rejections;
      self->Log(LogLevel::kWarn, "refusing " + remote + ": " + ok.ToString());
      co_return nullptr;
    }
    const std::vector<std::string> hello_frame(1, self->HelloFrame());
    auto [ec, n] = co_await link->Write(hello_frame);
    if (ec || self->closed || peer->removed || link->closed()) co_return nullptr;
    co_return peer;
  }

  Status LoadTls() {
    SSL_CTX* ctx = ssl_ctx.native_handle();
    ssl_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
      return Status::IOError("cannot require TLS 1.2");
    }
    error_code ec;
    if (ssl_ctx.load_verify_file(options.tls.ca_file, ec); ec) {
      return Status::IOError("CA file " + options.tls.ca_file + ": " + ec.message());
    }
    if (ssl_ctx.use_certificate_chain_file(options.tls.cert_file, ec); ec) {
      return Status::IOError("certificate " + options.tls.cert_file + ": " + ec.message());
    }
    if (ssl_ctx.use_private_key_file(options.tls.key_file, ssl::context::pem, ec); ec) {
      return Status::IOError("key " + options.tls.key_file + ": " + ec.message());
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      return Status::IOError("key " + options.tls.key_file + " does not match its certificate");
    }
    ssl_ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    // Idle connections give their TLS read and write buffers back.
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    return Status::Ok();
  }

  Status Listen() {
    std::string host, port;
    BATON_RETURN_IF_ERROR(ParseHostPort(options.listen_address, &host, &port));
    error_code ec;
    tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(host, port, tcp::resolver::passive, ec);
    if (ec || endpoints.empty()) {
      return Status::IOError("resolve " + options.listen_address + ": " + ec.message());
    }
    const tcp::endpoint ep = *endpoints.begin();
    if (acceptor.open(ep.protocol(), ec); ec) return Status::IOError("socket: " + ec.message());
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (acceptor.bind(ep, ec); ec) {
      return Status::IOError("bind " + options.listen_address + ": " + ec.message());
    }
    if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return Status::IOError("listen " + options.listen_address + ": " + ec.message());
    }
    return Status::Ok();
  }

  void Shutdown() {
    closed = true;
    error_code ec;
    acceptor.close(ec);
    for (auto& [id, peer] : peers) {
      peer->removed = true;
      peer->wake.cancel();
      peer->backoff.cancel();
    }
    peers.clear();
    const std::set<std::shared_ptr<Link>> open = std::move(links);
    links.clear();
    for (const auto& link : open) link->Close();
  }
};

Status TransportOptions::Validate() const {
  if (cluster_name.empty()) return Status::InvalidArgument("cluster_name is empty");
  if (self_id == 0) return Status::InvalidArgument("self_id must be non-zero");
  if (self_name.empty()) return Status::InvalidArgument("self_name is empty");
  if (max_frame_bytes == 0) return Status::InvalidArgument("max_frame_bytes must be positive");
  if (max_queue_frames == 0) return Status::InvalidArgument("max_queue_frames must be positive");
  if (reconnect_min <= Duration::Zero() || reconnect_max < reconnect_min) {
    return Status::InvalidArgument("need 0 < reconnect_min <= reconnect_max");
  }
  if (handshake_timeout <= Duration::Zero()) {
    return Status::InvalidArgument("handshake_timeout must be positive");
  }
  if (ping_interval <= Duration::Zero() || idle_timeout <= ping_interval * 2) {
    return Status::InvalidArgument("need 0 < 2 * ping_interval < idle_timeout");
  }
  if (max_inbound_connections == 0 || max_unauthenticated == 0 ||
      max_unauthenticated > max_inbound_connections) {
    return Status::InvalidArgument("need 0 < max_unauthenticated <= max_inbound_connections");
  }
  if (Status s = InboundLimits(*this).Validate(); !s.ok()) return s;
  if (!plaintext && (tls.ca_file.empty() || tls.cert_file.empty() || tls.key_file.empty())) {
    return Status::InvalidArgument("TLS needs ca_file, cert_file and key_file (or plaintext)");
  }
  return Status::Ok();
}

Result<std::unique_ptr<PeerTransport>> PeerTransport::Create(EventLoop& loop, Logger& logger,
                                                             TransportOptions options,
                                                             std::vector<PeerAddress> peers,
                                                             ReceiveFn on_receive) {
  BATON_RETURN_IF_ERROR(options.Validate());
  BATON_CHECK(on_receive != nullptr) << "PeerTransport needs a receive callback";
  auto impl = std::make_shared<Impl>(loop, logger, std::move(options), std::move(on_receive));
  if (impl->options.plaintext) {
    impl->Log(LogLevel::kWarn,
              "PLAINTEXT peer transport: no encryption and no peer authentication");
  } else {
    BATON_RETURN_IF_ERROR(impl->LoadTls());
  }
  BATON_RETURN_IF_ERROR(impl->Listen());
  std::unique_ptr<PeerTransport> transport(new PeerTransport(impl));
  for (const PeerAddress& peer : peers) transport->SetPeer(peer);
  impl->Spawn(impl, Impl::AcceptLoop(impl));
  return transport;
}

PeerTransport::PeerTransport(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

PeerTransport::~PeerTransport() { impl_->Shutdown(); }

void PeerTransport::SetConnectionLostHandler(LostFn on_lost) {
  impl_->on_lost = std::move(on_lost);
}

uint16_t PeerTransport::listen_port() const {
  error_code ec;
  const tcp::endpoint ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void PeerTransport::SetPeer(const PeerAddress& peer) {
  BATON_CHECK(peer.id != 0 && peer.id != impl_->options.self_id)
      << "bad peer id " << peer.id << " for node " << impl_->options.self_id;
  auto it = impl_->peers.find(peer.id);
  if (it == impl_->peers.end()) {
    impl_->StartPeer(impl_, peer);
    return;
  }
  PeerState& state = *it->second;
  if (state.addr.name == peer.name && state.addr.address == peer.address) return;
  state.addr = peer;
  if (state.out != nullptr) state.out->Close();
  if (state.in != nullptr) state.in->Close();
  state.backoff.cancel();
}

void PeerTransport::RemovePeer(NodeId id) {
  auto it = impl_->peers.find(id);
  if (it == impl_->peers.end()) return;
  std::shared_ptr<PeerState> peer = it->second;
  impl_->peers.erase(it);
  peer->removed = true;
  peer->queue.clear();
  if (peer->out != nullptr) peer->out->Close();
  if (peer->in != nullptr) peer->in->Close();
  peer->wake.cancel();
  peer->backoff.cancel();
}

bool PeerTransport::Send(NodeId to, std::string payload) {
  auto it = impl_->peers.find(to);
  if (it == impl_->peers.end()) {
    ++impl_->metrics.sends_to_unknown_peer;
    return false;
  }
  PeerState& peer = *it->second;
  if (payload.size() > impl_->options.max_frame_bytes ||
      peer.queue.size() >= impl_->options.max_queue_frames) {
    ++peer.metrics.frames_dropped;
    return false;
  }
  peer.queue.push_back(EncodeFrame(FrameType::kData, payload));
  peer.wake.cancel();
  return true;
}

std::optional<PeerMetrics> PeerTransport::peer_metrics(NodeId id) const {
  auto it = impl_->peers.find(id);
  if (it == impl_->peers.end()) return std::nullopt;
  PeerMetrics m = it->second->metrics;
  m.queued_frames = it->second->queue.size();
  return m;
}

TransportMetrics PeerTransport::metrics() const { return impl_->metrics; }

}  // namespace baton::net
