// SentinelServer: baton's Sentinel-compatible RESP endpoint, so Redis
// clients that find their primary through Sentinel (redis-py's Sentinel,
// Jedis, Lettuce, redis-cli) find it through baton unchanged. It follows a
// failover::TopologySource (the store, never its own guess) and publishes
// +switch-master and the other Sentinel events to SUBSCRIBE/PSUBSCRIBE
// clients the moment a topology shows a new confirmed primary. docs/redis.md
// lists the commands.
//
// The server owns its Asio io_context and one network thread; no Boost type
// appears here. Topology updates are posted to that thread.
// Failure behaviour, per connection (the server keeps serving the others):
//   - malformed RESP or a command beyond RespLimits: "-ERR Protocol error:
//     ..." then close;
//   - a client that does not read its messages: closed once more than
//     max_output_bytes wait to be sent;
//   - connections beyond max_connections: closed at accept (there is no
//     authentication, so no separate unauthenticated cap);
//   - with idle_timeout > 0, a connection that sends nothing that long and
//     holds no subscription is closed (subscribers legitimately stay quiet);
//   - accept() out of descriptors: the pending connection is shed with a
//     reserve descriptor, then accepting pauses; open connections are served.
// Thread-safety: Start() once; Stop() and the destructor from any thread but
// the network thread. The source must outlive the server, and stop calling
// a listener once Unsubscribe returned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "core/time.h"
#include "failover/topology.h"
#include "limits/listener_observer.h"
#include "sentinel/resp.h"

namespace baton::admin {
class MetricsRegistry;
}

namespace baton::sentinel {

struct SentinelServerConfig {
  std::string bind_address = "127.0.0.1";  // an IP address
  uint16_t port = 0;                       // 0 picks a free port; see port()
  size_t max_connections = 1024;
  size_t max_output_bytes = 1024 * 1024;  // unsent bytes per connection before it is closed
  RespLimits limits{};
  // A connection without subscriptions that sends nothing this long is
  // closed. Zero: never (Redis's `timeout 0`).
  Duration idle_timeout = Duration::Zero();
  // Counts refused and timed-out connections; may be null; must outlive the
  // server; called on the network thread.
  limits::ListenerObserver* observer = nullptr;
};

class SentinelServer {
 public:
  // `metrics` (optional; must outlive the server) gets sentinel_connections,
  // sentinel_commands_total, sentinel_protocol_errors_total,
  // sentinel_connections_dropped_total and
  // sentinel_events_published_total{event}.
  SentinelServer(SentinelServerConfig config, failover::TopologySource& source,
                 admin::MetricsRegistry* metrics = nullptr);
  ~SentinelServer();  // Stop()s.
  SentinelServer(const SentinelServer&) = delete;
  SentinelServer& operator=(const SentinelServer&) = delete;

  // Binds, subscribes to the source and starts the network thread.
  // InvalidArgument for a bad address, IOError when binding fails.
  // REQUIRES: called at most once.
  Status Start();
  // Unsubscribes, closes every connection and joins the thread. Idempotent.
  void Stop();
  // Whether this agent is in contact with the store's majority
  // (SentinelView::SetStoreContact: without it no primary is named).
  // Thread-safe; applied on the network thread.
  void SetStoreContact(bool in_contact);
  // The bound port (after Start()).
  uint16_t port() const;

  struct Impl;  // sentinel_server.cc only (its connections use it)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace baton::sentinel
