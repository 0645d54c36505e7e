// AdminServer: the HTTP/1.1 admin API of an agent (plaintext or TLS).
//
// The server owns its own Asio io_context and one network thread; no Boost
// type appears here. Each connection reads one request at a time (keep-alive,
// no pipelining overlap), routes it through a Router, checks the bearer token
// of mutating routes, and hands the handler to the Dispatcher, so the agent
// can run handlers on its own loop thread. A handler replies through its
// Responder once, from any thread, now or later.
//
// Failure behaviour, per connection (the server itself keeps serving):
//   - headers above max_header_bytes: 431, then close;
//   - a body above max_body_bytes: 413, then close (the handler never runs);
//   - malformed HTTP: 400, then close; a truncated request: close;
//   - no whole request within request_timeout: close;
//   - unknown path: 404; known path, other method: 405 with Allow;
//   - a bad or missing bearer token on a mutating route: 401 with a JSON
//     error body and WWW-Authenticate (the handler never runs);
//   - no reply within handler_timeout: 503; a Responder dropped without a
//     reply: 500. A reply that comes later is discarded;
//   - two or more Authorization headers: 400 (the handler never runs).
//
// Limits (limits::ConnectionTable): at most limits.max_connections open
// connections. A connection is unauthenticated until its TLS handshake is
// done and one of its requests carried the right bearer token; at most
// limits.max_unauthenticated of those, a newer one evicting the oldest. The
// TLS handshake and first request must arrive within
// limits.handshake_timeout, each later request within limits.idle_timeout
// of the previous response (request_timeout when that is 0). accept() out
// of descriptors sheds the pending connection with a reserve descriptor and
// retries after a pause, serving the open connections meanwhile. Freed
// memory goes back to the system after a burst of connections closed.
//
// Thread-safety: Handle() and Start() from one thread before serving; Stop()
// and the destructor from any thread except the network thread and a handler
// run inline on it. Responders may be called from any thread, even after
// Stop() (they then do nothing). The Logger must outlive the server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "admin/router.h"
#include "admin/tls_config.h"
#include "core/logger.h"
#include "core/status.h"
#include "core/time.h"
#include "limits/listener_limits.h"
#include "limits/listener_observer.h"

namespace baton::admin {

struct AdminServerConfig {
  // IP address to listen on; "0.0.0.0" or "::" for every interface.
  std::string bind_address = "127.0.0.1";
  // 0 picks a free port; port() reports it after Start().
  uint16_t port = 0;
  // Request line plus headers. Larger requests get 431 and are closed.
  size_t max_header_bytes = 16 * 1024;
  // Request body. Larger bodies get 413 and are closed before being read.
  size_t max_body_bytes = 1024 * 1024;
  // Time a connection has to deliver one whole request, counted from accept
  // (or from the previous response on a kept-alive connection). Short values
  // drop slow clients; long values let stalled clients hold sockets.
  Duration request_timeout = Duration::Seconds(10);
  // Time a handler has to reply before the client gets 503.
  Duration handler_timeout = Duration::Seconds(30);
  // Token for routes marked mutating. Empty: every mutating request gets 401.
  std::string bearer_token{};
  // TLS when tls.cert_file is set; plaintext otherwise.
  TlsConfig tls{};
  // Connection caps and timeouts (see the file comment). Must Validate().
  limits::ListenerLimits limits{};
  // Counts refused, evicted and timed-out connections; may be null; must
  // outlive the server; called on the network thread.
  limits::ListenerObserver* observer = nullptr;
};

// Runs `work` wherever the caller wants handlers to run. It must run `work`
// exactly once, on any thread.
using Dispatcher = std::function<void(std::function<void()> work)>;

class AdminServer {
 public:
  // A null `dispatch` runs handlers inline on the network thread; such
  // handlers must not block.
  AdminServer(AdminServerConfig config, Logger& logger, Dispatcher dispatch = nullptr);
  ~AdminServer();  // Stop()s.
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Adds a route; see Router::Add. REQUIRES: Start() has not been called.
  void Handle(HttpMethod method, std::string path, Handler handler, RouteOptions options = {});

  // Loads the TLS files, binds, listens and starts the network thread.
  // InvalidArgument for a bad address or TLS file, IOError when binding fails.
  // REQUIRES: called at most once.
  Status Start();

  // The bound port. REQUIRES: Start() succeeded.
  uint16_t port() const;

  // Closes the listener and every connection and joins the network thread.
  // Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace baton::admin
