#include "admin/admin_server.h"

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "admin/auth.h"
#include "core/check.h"
#include "limits/connection_table.h"
#include "limits/descriptor_budget.h"

namespace baton::admin {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// How long a closing connection may take to flush and say goodbye.
constexpr auto kCloseGrace = std::chrono::seconds(1);
// Pause before accepting again after accept() fails (e.g. out of descriptors).
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

std::chrono::nanoseconds ToChrono(Duration d) { return std::chrono::nanoseconds(d.nanos()); }

// Lets Responders on any thread post to the network thread while, and only
// while, the io_context exists.
class ReplyGate {
 public:
  explicit ReplyGate(asio::io_context& ioc) : ioc_(&ioc) {}

  void Post(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    if (ioc_ != nullptr) asio::post(*ioc_, std::move(fn));
  }
  void Close() {
    std::lock_guard lock(mu_);
    ioc_ = nullptr;
  }

 private:
  std::mutex mu_;
  asio::io_context* ioc_;  // guarded by mu_; null once closed
};

// The state behind one request's Responder: delivers exactly one reply, and a
// 500 if every copy of the Responder is dropped without one.
class PendingReply {
 public:
  using Deliver = std::function<void(HttpResponse)>;
  PendingReply(std::shared_ptr<ReplyGate> gate, Deliver deliver)
      : gate_(std::move(gate)), deliver_(std::move(deliver)) {}
  ~PendingReply() {
    if (!replied_.load()) {
      Reply(HttpResponse::JsonError(500, "the handler dropped the request without a reply"));
    }
  }

  void Reply(HttpResponse response) {
    BATON_CHECK(!replied_.exchange(true)) << "a handler replied twice to one request";
    gate_->Post([deliver = deliver_, response = std::move(response)]() mutable {
      deliver(std::move(response));
    });
  }

 private:
  std::shared_ptr<ReplyGate> gate_;
  Deliver deliver_;
  std::atomic<bool> replied_{false};
};

// A connection the limits may close to make room for a newer one.
class Evictable {
 public:
  virtual ~Evictable() = default;
  virtual void Evict() = 0;
};

// The listener's connection accounting (network thread only). Shared by the
// server and every session, since sessions may be destroyed with the
// io_context after the server context is gone.
struct Limiter {
  Limiter(const limits::ListenerLimits& limits, limits::ListenerObserver* observer)
      : table(limits, observer) {}

  void Release(limits::ConnectionId id) {
    table.Release(id);
    sessions.erase(id);
    if (trim.OnOpen(table.open())) limits::ReleaseFreedMemory();
  }

  limits::ConnectionTable table;
  std::map<limits::ConnectionId, std::weak_ptr<Evictable>> sessions;
  limits::TrimPolicy trim;
};

// What every connection needs from the server; outlives the connections.
struct ServerContext {
  const AdminServerConfig& config;
  const Router& router;
  Logger& logger;
  const Dispatcher& dispatch;
  std::shared_ptr<ReplyGate> gate;

  void Log(LogLevel level, const std::string& message) const {
    if (logger.Enabled(level)) logger.Log(level, "admin: " + message);
  }
};

HttpRequest ToRequest(http::request<http::string_body>& msg, ParsedTarget target) {
  HttpRequest req;
  req.method = HttpMethodFromName(std::string_view(msg.method_string()));
  req.path = std::move(target.path);
  req.query = std::move(target.query);
  for (const auto& field : msg) {
    std::string name = LowercaseAscii(field.name_string());
    req.headers[std::move(name)] = std::string(field.value());
  }
  req.body = std::move(msg.body());
  return req;
}

// One accepted connection. Lives as long as one of its async operations (or
// its handler-deadline timer) holds it.
template <class Stream>
class Session : public Evictable, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(const ServerContext& ctx, Stream stream, std::shared_ptr<Limiter> limiter,
          limits::ConnectionId id)
      : ctx_(ctx),
        stream_(std::move(stream)),
        reply_timer_(stream_.get_executor()),
        limiter_(std::move(limiter)),
        id_(id),
        first_deadline_(std::chrono::steady_clock::now() +
                        ToChrono(ctx_.config.limits.handshake_timeout)) {}
  ~Session() override { limiter_->Release(id_); }

  void Start() {
    if constexpr (kTls) {
      Lowest().expires_at(first_deadline_);
      stream_.async_handshake(
          ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
            if (ec) {
              self->CountTimeout(ec);
              self->ctx_.Log(LogLevel::kDebug, "TLS handshake failed: " + ec.message());
              return;
            }
            self->ReadRequest();
          });
    } else {
      ReadRequest();
    }
  }

  // Closes the connection at once: the limits gave its place to a newer one.
  void Evict() override {
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().socket().close(ignored);
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  // Counts a connection the deadline closed, if it is still ours to count.
  void CountTimeout(beast::error_code ec) {
    if (ec != beast::error::timeout || !limiter_->table.IsOpen(id_)) return;
    limiter_->table.CountEnd(requests_ == 0 ? limits::ConnectionEnd::kHandshakeTimeout
                                            : limits::ConnectionEnd::kIdleTimeout);
  }

  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(ctx_.config.max_header_bytes));
    parser_->body_limit(ctx_.config.max_body_bytes);
    if (requests_ == 0) {
      Lowest().expires_at(first_deadline_);
    } else {
      const Duration idle = ctx_.config.limits.idle_timeout;
      Lowest().expires_after(
          ToChrono(idle > Duration::Zero() ? idle : ctx_.config.request_timeout));
    }
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    CountTimeout(ec);
    if (!ec) ++requests_;
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) return;
    if (ec == http::error::body_limit) {
      return Write(HttpResponse::JsonError(413, "request body too large"), /*close=*/true);
    }
    if (ec == http::error::header_limit) {
      return Write(HttpResponse::JsonError(431, "request headers too large"), /*close=*/true);
    }
    if (ec == beast::error::timeout) {
      return ctx_.Log(LogLevel::kDebug, "dropped a connection that sent no whole request in time");
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category()) {
      ctx_.Log(LogLevel::kDebug, "malformed request: " + ec.message());
      return Write(HttpResponse::JsonError(400, "malformed HTTP request"), /*close=*/true);
    }
    if (ec) return ctx_.Log(LogLevel::kDebug, "read failed: " + ec.message());

    Lowest().expires_never();
    http::request<http::string_body>& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    if (msg.count(http::field::authorization) > 1) {
      return Write(HttpResponse::JsonError(400, "more than one Authorization header"),
                   /*close=*/true);
    }
    Result<ParsedTarget> target = ParseTarget(std::string_view(msg.target()));
    if (!target.has_value()) {
      return Write(HttpResponse::JsonError(400, target.error().message()), /*close=*/false);
    }
    HttpRequest request = ToRequest(msg, std::move(target).value());
    if (BearerTokenMatches(request.Header("authorization"), ctx_.config.bearer_token)) {
      limiter_->table.Authenticate(id_);
    }
    const RouteMatch match = ctx_.router.Find(request.method, request.path);
    if (match.route == nullptr && match.allow.empty()) {
      return Write(HttpResponse::JsonError(404, "no route for " + request.path), false);
    }
    if (match.route == nullptr) {
      HttpResponse response = HttpResponse::JsonError(
          405, std::string(HttpMethodName(request.method)) + " not allowed on " + request.path);
      response.headers["Allow"] = match.allow;
      return Write(std::move(response), /*close=*/false);
    }
    if (match.route->options.mutating &&
        !BearerTokenMatches(request.Header("authorization"), ctx_.config.bearer_token)) {
      HttpResponse response = HttpResponse::JsonError(401, "missing or wrong bearer token");
      response.headers["WWW-Authenticate"] = "Bearer";
      return Write(std::move(response), /*close=*/false);
    }
    limiter_->table.SetBusy(id_, true);  // not evicted while its answer is on the way
    RunHandler(match.route->handler, std::move(request));
  }

  void RunHandler(const Handler& handler, HttpRequest request) {
    const uint64_t seq = ++seq_;
    awaiting_seq_ = seq;
    reply_timer_.expires_after(ToChrono(ctx_.config.handler_timeout));
    reply_timer_.async_wait([self = this->shared_from_this(), seq](beast::error_code ec) {
      if (ec || self->awaiting_seq_ != seq) return;
      self->ctx_.Log(LogLevel::kWarn, "a handler did not reply in time");
      self->OnReply(seq, HttpResponse::JsonError(503, "the handler did not reply in time"));
    });
    auto pending = std::make_shared<PendingReply>(
        ctx_.gate, [weak = this->weak_from_this(), seq](HttpResponse response) {
          if (auto self = weak.lock()) self->OnReply(seq, std::move(response));
        });
    std::function<void()> work = [handler, request = std::move(request),
                                  pending = std::move(pending)]() mutable {
      handler(std::move(request),
              [pending](HttpResponse response) { pending->Reply(std::move(response)); });
    };
    if (ctx_.dispatch) {
      ctx_.dispatch(std::move(work));
    } else {
      work();
    }
  }

  void OnReply(uint64_t seq, HttpResponse response) {
    if (awaiting_seq_ != seq) return;  // late: the client already got a 503
    awaiting_seq_ = 0;
    reply_timer_.cancel();
    Write(std::move(response), /*close=*/false);
  }

  void Write(HttpResponse response, bool close) {
    auto msg = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), 11);
    msg->set(http::field::server, "baton");
    msg->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) msg->set(name, value);
    msg->body() = std::move(response.body);
    msg->keep_alive(keep_alive_ && !close);
    msg->prepare_payload();
    Lowest().expires_after(ToChrono(ctx_.config.request_timeout));
    http::async_write(stream_, *msg,
                      [self = this->shared_from_this(), msg](beast::error_code ec, size_t) {
                        self->limiter_->table.SetBusy(self->id_, false);
                        if (ec) return;
                        if (msg->keep_alive()) return self->ReadRequest();
                        self->Close();
                      });
  }

  // Says goodbye without resetting the connection under a response the
  // client has not read yet: TLS close_notify, or half-close and drain.
  void Close() {
    Lowest().expires_after(kCloseGrace);
    if constexpr (kTls) {
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ignored;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      Drain();
    }
  }

  void Drain() {
    Lowest().async_read_some(asio::buffer(drain_buffer_),
                             [self = this->shared_from_this()](beast::error_code ec, size_t) {
                               if (!ec) self->Drain();
                             });
  }

  const ServerContext& ctx_;
  Stream stream_;
  asio::steady_timer reply_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = false;
  uint64_t seq_ = 0;           // requests handed to handlers so far
  uint64_t awaiting_seq_ = 0;  // the request whose reply is awaited; 0 for none
  std::array<char, 4096> drain_buffer_;
  const std::shared_ptr<Limiter> limiter_;
  const limits::ConnectionId id_;
  const std::chrono::steady_clock::time_point first_deadline_;  // handshake + first request
  uint64_t requests_ = 0;                                       // whole requests read
};

Status LoadServerTls(const TlsConfig& tls, ssl::context& ctx) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  beast::error_code ec;
  ctx.use_certificate_chain_file(tls.cert_file, ec);
  if (ec) return Status::InvalidArgument("TLS certificate " + tls.cert_file + ": " + ec.message());
  ctx.use_private_key_file(tls.key_file, ssl::context::pem, ec);
  if (ec) return Status::InvalidArgument("TLS key " + tls.key_file + ": " + ec.message());
  if (!tls.ca_file.empty()) {
    ctx.load_verify_file(tls.ca_file, ec);
    if (ec) return Status::InvalidArgument("TLS CA " + tls.ca_file + ": " + ec.message());
    ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  // Idle connections give their TLS read and write buffers back.
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  return Status::Ok();
}

}  // namespace

class AdminServer::Impl {
 public:
  Impl(AdminServerConfig config, Logger& logger, Dispatcher dispatch)
      : config_(std::move(config)), logger_(logger), dispatch_(std::move(dispatch)) {}
  ~Impl() { Stop(); }

  Router& router() {
    BATON_CHECK(!started_) << "routes must be added before Start()";
    return router_;
  }

  Status Start() {
    BATON_CHECK(!started_) << "AdminServer started twice";
    started_ = true;
    if (Status s = config_.limits.Validate(); !s.ok()) return s.WithContext("admin limits");
    auto running = std::make_unique<Running>();
    running->limiter = std::make_shared<Limiter>(config_.limits, config_.observer);
    if (!config_.tls.cert_file.empty()) {
      BATON_RETURN_IF_ERROR(LoadServerTls(config_.tls, running->ssl_ctx));
    }
    beast::error_code ec;
    const asio::ip::address address = asio::ip::make_address(config_.bind_address, ec);
    if (ec) return Status::InvalidArgument("bind address " + config_.bind_address);
    const tcp::endpoint endpoint(address, config_.port);
    const std::string where = config_.bind_address + ":" + std::to_string(config_.port);
    tcp::acceptor& acceptor = running->acceptor;
    if (acceptor.open(endpoint.protocol(), ec); ec) {
      return Status::IOError("open " + where + ": " + ec.message());
    }
    if (acceptor.set_option(tcp::acceptor::reuse_address(true), ec); ec) {
      return Status::IOError("reuse_address " + where + ": " + ec.message());
    }
    if (acceptor.bind(endpoint, ec); ec) {
      return Status::IOError("bind " + where + ": " + ec.message());
    }
    if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return Status::IOError("listen " + where + ": " + ec.message());
    }
    port_ = acceptor.local_endpoint().port();
    running->gate = std::make_shared<ReplyGate>(running->ioc);
    running->ctx.emplace(ServerContext{config_, router_, logger_, dispatch_, running->gate});
    running_ = std::move(running);
    Accept();
    running_->thread = std::thread([ioc = &running_->ioc] { ioc->run(); });
    running_->ctx->Log(LogLevel::kInfo, "listening on " + config_.bind_address + ":" +
                                            std::to_string(port_) +
                                            (config_.tls.cert_file.empty() ? "" : " (TLS)"));
    return Status::Ok();
  }

  uint16_t port() const {
    BATON_CHECK(running_ != nullptr || port_ != 0) << "port() before a successful Start()";
    return port_;
  }

  void Stop() {
    if (running_ == nullptr) return;
    BATON_CHECK(running_->thread.get_id() != std::this_thread::get_id())
        << "AdminServer stopped from its own network thread";
    running_->gate->Close();
    running_->ioc.stop();
    running_->thread.join();
    running_.reset();  // closes the listener and, with the io_context, every connection
  }

 private:
  // Everything that exists only while serving, destroyed in reverse order.
  struct Running {
    ssl::context ssl_ctx{ssl::context::tls_server};
    asio::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    asio::steady_timer retry_timer{ioc};
    std::shared_ptr<ReplyGate> gate;
    std::optional<ServerContext> ctx;
    std::shared_ptr<Limiter> limiter;
    limits::DescriptorReserve reserve;
    std::thread thread;
  };

  void Accept() {
    Running& r = *running_;
    r.acceptor.async_accept([this, &r](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        if (limits::IsDescriptorExhaustion(ec.value())) {
          r.reserve.ShedOne(r.acceptor.native_handle());
          r.limiter->table.CountEnd(limits::ConnectionEnd::kRefusedNoDescriptors);
        }
        r.ctx->Log(LogLevel::kWarn, "accept failed: " + ec.message());
        r.retry_timer.expires_after(kAcceptRetry);
        r.retry_timer.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec) Accept();
        });
        return;
      }
      const limits::Admission a = r.limiter->table.Admit();
      if (a.evict.has_value()) {
        auto it = r.limiter->sessions.find(*a.evict);
        if (it != r.limiter->sessions.end()) {
          if (auto old = it->second.lock()) old->Evict();
          r.limiter->sessions.erase(it);
        }
      }
      if (!a.accepted) {
        r.ctx->Log(LogLevel::kDebug,
                   "refused a connection: " + std::to_string(r.limiter->table.open()) + " open");
        Accept();
        return;  // `socket` closes here
      }
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (config_.tls.cert_file.empty()) {
        Serve(std::make_shared<Session<PlainStream>>(*r.ctx, PlainStream(std::move(socket)),
                                                     r.limiter, a.id),
              a.id);
      } else {
        Serve(std::make_shared<Session<TlsStream>>(
                  *r.ctx, TlsStream(PlainStream(std::move(socket)), r.ssl_ctx), r.limiter, a.id),
              a.id);
      }
      Accept();
    });
  }

  template <class S>
  void Serve(std::shared_ptr<S> session, limits::ConnectionId id) {
    running_->limiter->sessions[id] = session;
    session->Start();
  }

  const AdminServerConfig config_;
  Logger& logger_;
  const Dispatcher dispatch_;
  Router router_;
  bool started_ = false;
  uint16_t port_ = 0;
  std::unique_ptr<Running> running_;
};

AdminServer::AdminServer(AdminServerConfig config, Logger& logger, Dispatcher dispatch)
    : impl_(std::make_unique<Impl>(std::move(config), logger, std::move(dispatch))) {}

AdminServer::~AdminServer() = default;

void AdminServer::Handle(HttpMethod method, std::string path, Handler handler,
                         RouteOptions options) {
  impl_->router().Add(method, std::move(path), std::move(handler), options);
}

Status AdminServer::Start() { return impl_->Start(); }

uint16_t AdminServer::port() const { return impl_->port(); }

void AdminServer::Stop() { impl_->Stop(); }

}  // namespace baton::admin
