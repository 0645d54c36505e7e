// ListenerLimits: what one listening socket (admin API, peer transport,
// Sentinel endpoint, proxy) lets clients hold, so that a flood of idle or
// half-open connections, which needs no credentials, can neither exhaust the
// process's descriptors nor its memory.
//
// A connection is "unauthenticated" until it proves itself: a finished TLS
// handshake plus a request with the right bearer token (admin API), or a
// finished mutual-TLS handshake plus a valid hello (peer transport).
// Listeners without authentication (Sentinel endpoint, proxy) use only
// max_connections and the timeouts. Plain value; thread-compatible.
#pragma once

#include <cstddef>

#include "core/status.h"
#include "core/time.h"

namespace baton::limits {

struct ListenerLimits {
  // Open connections at once. A connection beyond it is closed at accept
  // (counted), after evicting the oldest unauthenticated one if there is one.
  size_t max_connections = 256;
  // Unauthenticated connections at once; when a new one would exceed it, the
  // oldest unauthenticated connection is closed to make room, so a flood
  // cannot keep a real client from reaching authentication. At most
  // max_connections. Listeners without authentication ignore it.
  size_t max_unauthenticated = 64;
  // Time from accept to authentication (TLS handshake and first request or
  // hello). Shorter frees slow or stalled handshakes sooner.
  Duration handshake_timeout = Duration::Seconds(5);
  // An open connection that sends nothing this long is closed. Zero: never
  // (clients that legitimately idle, e.g. Sentinel subscribers).
  Duration idle_timeout = Duration::Seconds(60);

  // InvalidArgument naming the field: max_connections of 1 to 1,000,000,
  // max_unauthenticated of 1 to max_connections, handshake_timeout of 1ms to
  // 5m, idle_timeout of 0 or 1ms to 24h.
  Status Validate() const;
};

}  // namespace baton::limits
