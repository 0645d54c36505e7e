#include "sentinel/sentinel_server.h"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <random>
#include <set>
#include <thread>

#include "admin/metrics.h"
#include "core/check.h"
#include "limits/descriptor_budget.h"
#include "sentinel/sentinel_view.h"
#include "sentinel/session.h"

namespace baton::sentinel {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string RandomId() {
  std::random_device random;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 40; ++i) id.push_back(kHex[random() % 16]);
  return id;
}

class Connection;

// The endpoint's series; a private registry when the agent gives none.
struct Metrics {
  explicit Metrics(admin::MetricsRegistry& r)
      : registry(r),
        connections(r.AddGauge("sentinel_connections", "Open client connections.")),
        commands(r.AddCounter("sentinel_commands_total", "Commands answered.")),
        protocol_errors(r.AddCounter("sentinel_protocol_errors_total",
                                     "Connections closed for malformed or oversized input.")),
        dropped(r.AddCounter("sentinel_connections_dropped_total",
                             "Connections closed for unread output or the connection limit.")) {}
  void Published(const std::string& event) {
    registry
        .AddCounter("sentinel_events_published_total", "Sentinel events published, by event.",
                    {{"event", event}})
        .Increment();
  }
  admin::MetricsRegistry& registry;
  admin::Gauge& connections;
  admin::Counter& commands;
  admin::Counter& protocol_errors;
  admin::Counter& dropped;
};

}  // namespace

struct SentinelServer::Impl {
  Impl(SentinelServerConfig c, failover::TopologySource& s, admin::MetricsRegistry* registry)
      : config(std::move(c)),
        source(s),
        metrics(registry != nullptr ? *registry : own_registry),
        view(RandomId()) {}

  void Accept();
  void CountEnd(limits::ConnectionEnd end) {
    if (config.observer != nullptr) config.observer->OnConnectionEnd(end);
  }
  void ReportOpen() {
    if (config.observer != nullptr) config.observer->OnOpen(connections.size(), 0);
    if (trim.OnOpen(connections.size())) limits::ReleaseFreedMemory();
  }
  void OnTopology(const failover::Topology& topology);
  void CloseAll();

  const SentinelServerConfig config;
  failover::TopologySource& source;
  admin::MetricsRegistry own_registry;
  Metrics metrics;
  asio::io_context ioc{1};  // declared before the sockets and timers: destroyed after them
  tcp::acceptor acceptor{ioc};
  asio::steady_timer retry_timer{ioc};
  SentinelView view;
  std::set<std::shared_ptr<Connection>> connections;
  limits::DescriptorReserve reserve;
  limits::TrimPolicy trim;
  int64_t next_client_id = 1;
  int subscription = -1;
  uint16_t port = 0;
  std::thread thread;
  bool started = false;
  bool stopped = false;
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, SentinelServer::Impl& server, int64_t id)
      : socket_(std::move(socket)),
        server_(server),
        parser_(server.config.limits),
        session_(server.view, id),
        idle_timer_(socket_.get_executor()) {}

  void Start() {
    Read();
    if (server_.config.idle_timeout > Duration::Zero()) WatchIdle();
  }
  const SentinelSession& session() const { return session_; }

  void Send(std::string bytes) {
    if (closed_) return;
    out_bytes_ += bytes.size();
    if (out_bytes_ > server_.config.max_output_bytes) {
      server_.metrics.dropped.Increment();
      Close();  // a client that does not read holds no unbounded memory
      return;
    }
    out_.push_back(std::move(bytes));
    if (!writing_) Write();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    idle_timer_.cancel();
    server_.metrics.connections.Add(-1);
    server_.connections.erase(shared_from_this());
    server_.ReportOpen();
  }

 private:
  // Closes the connection once it has been silent for idle_timeout, unless
  // it is a subscriber.
  void WatchIdle() {
    idle_timer_.expires_at(last_read_ +
                           std::chrono::nanoseconds(server_.config.idle_timeout.nanos()));
    idle_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_) return;
      const auto due =
          self->last_read_ + std::chrono::nanoseconds(self->server_.config.idle_timeout.nanos());
      if (std::chrono::steady_clock::now() >= due && self->session_.subscriptions() == 0) {
        self->server_.CountEnd(limits::ConnectionEnd::kIdleTimeout);
        return self->Close();
      }
      if (std::chrono::steady_clock::now() >= due)
        self->last_read_ = std::chrono::steady_clock::now();
      self->WatchIdle();
    });
  }

  void Read() {
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                              if (ec || self->closed_) return self->Close();
                              self->last_read_ = std::chrono::steady_clock::now();
                              self->parser_.Feed(std::string_view(self->buffer_.data(), n));
                              self->Serve();
                              if (self->closing_) {
                                if (!self->writing_) self->Close();
                                return;
                              }
                              self->Read();
                            });
  }

  // Answers every whole command received so far.
  void Serve() {
    while (!closing_ && !closed_) {
      Result<std::optional<Command>> next = parser_.Next();
      if (!next.has_value()) {
        server_.metrics.protocol_errors.Increment();
        Send(Error("ERR " + next.error().message()));
        closing_ = true;
        return;
      }
      if (!next->has_value()) return;
      server_.metrics.commands.Increment();
      SentinelSession::Reply reply = session_.Handle(**next);
      Send(std::move(reply.bytes));
      closing_ = reply.close;
    }
  }

  void Write() {
    writing_ = true;
    asio::async_write(socket_, asio::buffer(out_.front()),
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                        self->writing_ = false;
                        if (ec || self->closed_) return self->Close();
                        self->out_bytes_ -= self->out_.front().size();
                        self->out_.pop_front();
                        if (!self->out_.empty()) return self->Write();
                        if (self->closing_) self->Close();
                      });
  }

  tcp::socket socket_;
  SentinelServer::Impl& server_;
  RespParser parser_;
  SentinelSession session_;
  asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_read_ = std::chrono::steady_clock::now();
  std::array<char, 8192> buffer_{};
  std::deque<std::string> out_;  // references stay valid while writing the front
  size_t out_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;  // close once the queued replies are written
  bool closed_ = false;
};

}  // namespace

void SentinelServer::Impl::Accept() {
  acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // Out of descriptors or similar: try again shortly instead of spinning.
      if (limits::IsDescriptorExhaustion(ec.value())) {
        reserve.ShedOne(acceptor.native_handle());
        CountEnd(limits::ConnectionEnd::kRefusedNoDescriptors);
      }
      retry_timer.expires_after(std::chrono::milliseconds(100));
      retry_timer.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    if (connections.size() >= config.max_connections) {
      metrics.dropped.Increment();
      CountEnd(limits::ConnectionEnd::kRefusedFull);
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto connection = std::make_shared<Connection>(std::move(socket), *this, next_client_id++);
      connections.insert(connection);
      metrics.connections.Add(1);
      ReportOpen();
      connection->Start();
    }
    Accept();
  });
}

void SentinelServer::Impl::OnTopology(const failover::Topology& topology) {
  for (const Published& event : view.OnTopology(topology)) {
    metrics.Published(event.channel);
    // Send may close (and erase) a connection: iterate over a copy.
    const std::vector<std::shared_ptr<Connection>> targets(connections.begin(), connections.end());
    for (const std::shared_ptr<Connection>& c : targets) {
      std::string message = c->session().Deliver(event);
      if (!message.empty()) c->Send(std::move(message));
    }
  }
}

void SentinelServer::Impl::CloseAll() {
  boost::system::error_code ignored;
  acceptor.close(ignored);
  retry_timer.cancel();
  const std::vector<std::shared_ptr<Connection>> all(connections.begin(), connections.end());
  for (const std::shared_ptr<Connection>& c : all) c->Close();
}

SentinelServer::SentinelServer(SentinelServerConfig config, failover::TopologySource& source,
                               admin::MetricsRegistry* metrics)
    : impl_(std::make_unique<Impl>(std::move(config), source, metrics)) {}

SentinelServer::~SentinelServer() { Stop(); }

Status SentinelServer::Start() {
  BATON_CHECK(!impl_->started) << "SentinelServer::Start called twice";
  impl_->started = true;
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(impl_->config.bind_address, ec);
  if (ec) {
    return Status::InvalidArgument("sentinel.listen: not an IP address: \"" +
                                   impl_->config.bind_address + "\"");
  }
  const tcp::endpoint endpoint(address, impl_->config.port);
  tcp::acceptor& acceptor = impl_->acceptor;
  const std::string where = impl_->config.bind_address + ":" + std::to_string(impl_->config.port);
  if (acceptor.open(endpoint.protocol(), ec); ec)
    return Status::IOError(where + ": " + ec.message());
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec)
    return Status::IOError("bind " + where + ": " + ec.message());
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Status::IOError("listen " + where + ": " + ec.message());
  }
  impl_->port = acceptor.local_endpoint().port();
  Impl* impl = impl_.get();
  impl_->subscription = impl_->source.Subscribe([impl](const failover::Topology& topology) {
    asio::post(impl->ioc, [impl, topology] { impl->OnTopology(topology); });
  });
  impl_->Accept();
  impl_->thread = std::thread([impl] { impl->ioc.run(); });
  return Status::Ok();
}

void SentinelServer::Stop() {
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  if (impl_->subscription >= 0) impl_->source.Unsubscribe(impl_->subscription);
  if (impl_->thread.joinable()) {
    BATON_CHECK(impl_->thread.get_id() != std::this_thread::get_id())
        << "SentinelServer stopped from its own network thread";
    Impl* impl = impl_.get();
    asio::post(impl_->ioc, [impl] { impl->CloseAll(); });
    impl_->thread.join();
  }
}

void SentinelServer::SetStoreContact(bool in_contact) {
  Impl* impl = impl_.get();
  asio::post(impl_->ioc, [impl, in_contact] { impl->view.SetStoreContact(in_contact); });
}

uint16_t SentinelServer::port() const { return impl_->port; }

}  // namespace baton::sentinel
