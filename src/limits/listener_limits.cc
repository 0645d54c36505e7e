#include "limits/listener_limits.h"

#include <string>

namespace baton::limits {
namespace {

constexpr size_t kMaxConnections = 1000000;
constexpr Duration kMaxHandshakeTimeout = Duration::Seconds(300);
constexpr Duration kMaxIdleTimeout = Duration::Seconds(24 * 3600);

}  // namespace

Status ListenerLimits::Validate() const {
  if (max_connections < 1 || max_connections > kMaxConnections) {
    return Status::InvalidArgument("max_connections must be 1 to " +
                                   std::to_string(kMaxConnections) + ", got " +
                                   std::to_string(max_connections));
  }
  if (max_unauthenticated < 1 || max_unauthenticated > max_connections) {
    return Status::InvalidArgument("max_unauthenticated must be 1 to max_connections (" +
                                   std::to_string(max_connections) + "), got " +
                                   std::to_string(max_unauthenticated));
  }
  if (handshake_timeout < Duration::Millis(1) || handshake_timeout > kMaxHandshakeTimeout) {
    return Status::InvalidArgument("handshake_timeout must be 1ms to 5m, got " +
                                   handshake_timeout.ToString());
  }
  if (idle_timeout < Duration::Zero() ||
      (idle_timeout > Duration::Zero() && idle_timeout < Duration::Millis(1)) ||
      idle_timeout > kMaxIdleTimeout) {
    return Status::InvalidArgument("idle_timeout must be 0 or 1ms to 24h, got " +
                                   idle_timeout.ToString());
  }
  return Status::Ok();
}

}  // namespace baton::limits
