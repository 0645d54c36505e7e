// ListenerObserver: how a listener reports what its limits did, so the agent
// can count it in Prometheus metrics without the listener knowing the
// registry. Implementations must be thread-safe: listeners call from their
// own network threads.
#pragma once

#include <cstddef>
#include <string_view>

namespace baton::limits {

enum class ConnectionEnd {
  kRefusedFull,             // over max_connections at accept: closed at once
  kRefusedNoDescriptors,    // accept failed for want of descriptors (EMFILE/ENFILE)
  kEvictedUnauthenticated,  // the oldest unauthenticated one, to admit a newer one
  kHandshakeTimeout,        // not authenticated within handshake_timeout
  kIdleTimeout,             // silent for idle_timeout
};

// "refused_full", "no_descriptors", "evicted", "handshake_timeout", "idle_timeout".
std::string_view ConnectionEndName(ConnectionEnd end);

class ListenerObserver {
 public:
  virtual ~ListenerObserver() = default;
  // Counts one connection that ended (or never started) for `end`.
  virtual void OnConnectionEnd(ConnectionEnd end) = 0;
  // The listener's open and unauthenticated connections now.
  virtual void OnOpen(size_t open, size_t unauthenticated) = 0;
};

}  // namespace baton::limits
