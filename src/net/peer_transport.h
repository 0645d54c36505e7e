// PeerTransport: authenticated, framed, persistent connections between the
// agents of one cluster. It carries opaque payloads (the agent puts encoded
// Raft messages in them) and knows nothing of what they mean.
//
// Connections. For every known peer the transport keeps one outbound
// connection, dialled and redialled with exponential backoff and jitter, and
// sends on it only; it receives on the connections its peers dial in. So a
// pair of nodes talks over two TCP connections, one per direction, and each
// side's sends never wait for the other side to dial.
//
// Authentication. Each connection starts with mutual TLS (1.2 or later): both
// sides present a certificate signed by the cluster CA and verify the other's.
// Then each side sends a hello frame {cluster, node id, node name}; the
// receiver checks the cluster name, that the id is a known peer, that the name
// is the one expected for that id, and that the peer certificate is issued to
// that name (SAN DNS, or CN when the certificate has no DNS SAN). A failure
// closes the connection and is counted and logged. `plaintext` skips TLS (and
// the certificate check) and logs a warning; it is for tests and development.
//
// Delivery is at most once, in order per connection: frames queued for a peer
// (bounded; a Send over the bound is dropped and counted) are lost if the
// connection breaks while they are in flight. Raft retries, so this is enough.
// A malformed frame (bad magic, version, type, CRC, oversized length,
// truncation) closes that one connection, is counted and logged, and never
// affects other connections. Outbound connections send pings every
// `ping_interval` (their round trip is reported); a connection that hears
// nothing for `idle_timeout` is closed.
//
// Limits on the listener (limits::ConnectionTable): at most
// `max_inbound_connections` accepted connections, of which at most
// `max_unauthenticated` may still be in their TLS handshake or hello (a newer
// one evicts the oldest); each has `handshake_timeout` to authenticate.
// A frame's payload is read and allocated as its bytes arrive, never from its
// claimed length. accept() failing for want of descriptors sheds the pending
// connection with a reserve descriptor and pauses, without touching the
// established connections. The optional observer counts what the limits did.
//
// Thread-safety: none. Create, every method and the destructor run on the
// EventLoop's thread (or before the loop first runs), and the receive callback
// is called there. The EventLoop and the Logger must outlive the transport and
// the loop must not be destroyed before it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/logger.h"
#include "core/result.h"
#include "core/status.h"
#include "core/time.h"
#include "limits/listener_observer.h"
#include "net/certs.h"
#include "net/event_loop.h"
#include "net/frame.h"

namespace baton::net {

struct PeerAddress {
  NodeId id = 0;
  std::string name;     // its certificate's name and the name its hello announces
  std::string address;  // "host:port" (IPv6 as "[::1]:7000")
};

struct TransportOptions {
  std::string cluster_name;  // hellos from another cluster are refused
  NodeId self_id = 0;        // must be non-zero
  std::string self_name;     // our certificate's name
  // Where to accept peers, "host:port"; port 0 picks a free port (listen_port()).
  std::string listen_address = "127.0.0.1:0";
  CertFiles tls;           // CA, own certificate and key, PEM; unused in plaintext mode
  bool plaintext = false;  // no TLS, no authentication: tests and development only
  // Largest payload accepted or sent; a bigger incoming length closes the connection.
  uint32_t max_frame_bytes = 64u << 20;
  // Frames queued per peer before Send drops; more absorbs longer outages but
  // delivers staler messages after a reconnect.
  size_t max_queue_frames = 1024;
  // Redial delay: starts at reconnect_min, doubles per failure up to
  // reconnect_max, plus up to 50% random jitter; resets after a success.
  Duration reconnect_min = Duration::Millis(50);
  Duration reconnect_max = Duration::Seconds(2);
  // Time allowed for connect + TLS handshake + hello exchange.
  Duration handshake_timeout = Duration::Seconds(5);
  // Outbound connections ping this often; a connection that hears nothing for
  // idle_timeout is closed. Must be idle_timeout > 2 * ping_interval.
  Duration ping_interval = Duration::Seconds(1);
  Duration idle_timeout = Duration::Seconds(5);
  uint64_t seed = 1;  // for the redial jitter
  // Accepted connections at once, and how many of them may be unauthenticated.
  // A cluster of N nodes needs N - 1 authenticated ones, plus reconnects.
  size_t max_inbound_connections = 64;
  size_t max_unauthenticated = 16;
  // Counts refused, evicted and timed-out connections; may be null; must
  // outlive the transport.
  limits::ListenerObserver* listener_observer = nullptr;

  Status Validate() const;
};

struct PeerMetrics {
  uint64_t bytes_sent = 0;      // frame bytes written on the outbound connection
  uint64_t bytes_received = 0;  // frame bytes read from this peer's inbound connections
  uint64_t frames_sent = 0;     // data frames written
  uint64_t frames_received = 0;
  uint64_t frames_dropped = 0;  // Sends refused: queue full or payload too large
  uint64_t connection_attempts = 0;
  bool connected = false;  // the outbound connection is up (hello exchanged)
  std::optional<Duration> last_rtt;
  size_t queued_frames = 0;
};

struct TransportMetrics {
  uint64_t connections_accepted = 0;
  uint64_t handshake_failures = 0;  // TLS handshakes that failed, either direction
  uint64_t hello_rejections = 0;    // wrong cluster, unknown id, name or certificate mismatch
  uint64_t malformed_frames = 0;    // connections closed for a bad frame
  uint64_t sends_to_unknown_peer = 0;
  uint64_t connections_refused = 0;  // over a limit, or accept() out of descriptors
  uint64_t connections_evicted = 0;  // the oldest unauthenticated, for a newer one
};

class PeerTransport {
 public:
  using ReceiveFn = std::function<void(NodeId from, std::string payload)>;

  // Loads the TLS files, binds the listener and starts dialling `peers`.
  // Fails with InvalidArgument for bad options, IOError for unreadable TLS
  // files or a listen address that cannot be bound.
  // REQUIRES: no peer has options.self_id.
  static Result<std::unique_ptr<PeerTransport>> Create(EventLoop& loop, Logger& logger,
                                                       TransportOptions options,
                                                       std::vector<PeerAddress> peers,
                                                       ReceiveFn on_receive);
  // Closes every connection; no callback runs afterwards.
  ~PeerTransport();
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  // The bound listening port.
  uint16_t listen_port() const;

  using LostFn = std::function<void(NodeId peer)>;
  // `on_lost` runs (on the loop thread) when a peer closes or resets the
  // connection it dialled to us, e.g. because its process died (the kernel
  // closes a killed process's sockets at once). Not when we close it, nor on
  // an idle timeout or a malformed frame. A hint, not proof the peer is down.
  void SetConnectionLostHandler(LostFn on_lost);

  // Adds a peer, or changes a known peer's name or address (its outbound
  // connection is then redialled; queued frames are kept).
  // REQUIRES: peer.id != self_id and peer.id != 0.
  void SetPeer(const PeerAddress& peer);
  // Forgets a peer: closes its connections and drops its queue.
  void RemovePeer(NodeId id);

  // Queues `payload` for `to`. Returns false, and counts, when it is dropped:
  // unknown peer, payload over max_frame_bytes, or queue full.
  bool Send(NodeId to, std::string payload);

  std::optional<PeerMetrics> peer_metrics(NodeId id) const;
  TransportMetrics metrics() const;

 private:
  struct Impl;
  explicit PeerTransport(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace baton::net
