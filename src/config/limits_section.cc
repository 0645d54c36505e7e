#include "config/limits_section.h"

#include <string>

namespace baton::config {
namespace {

// Binds one listener's keys; `with_auth` adds max_unauthenticated and
// handshake_timeout, `with_idle` idle_timeout.
void BindListener(MapReader& m, limits::ListenerLimits* l, bool with_auth, bool with_idle) {
  uint64_t max_connections = l->max_connections;
  m.Optional("max_connections", &max_connections);
  l->max_connections = static_cast<size_t>(max_connections);
  if (with_auth) {
    uint64_t max_unauthenticated = l->max_unauthenticated;
    m.Optional("max_unauthenticated", &max_unauthenticated);
    l->max_unauthenticated = static_cast<size_t>(max_unauthenticated);
    m.Optional("handshake_timeout", &l->handshake_timeout);
  } else {
    l->max_unauthenticated = l->max_connections;
  }
  if (with_idle) m.Optional("idle_timeout", &l->idle_timeout);
}

std::optional<Violation> CheckListener(const std::string& at, const limits::ListenerLimits& l) {
  const Status s = l.Validate();
  if (s.ok()) return std::nullopt;
  const std::string& message = s.message();
  const size_t space = message.find(' ');
  return Violation{at + "." + message.substr(0, space), message.substr(space + 1)};
}

}  // namespace

void BindLimits(MapReader& m, LimitsConfig* limits) {
  m.Section("admin", Presence::kOptional, [limits](MapReader& s) {
    BindListener(s, &limits->admin, /*with_auth=*/true, /*with_idle=*/true);
  });
  m.Section("peer", Presence::kOptional, [limits](MapReader& s) {
    BindListener(s, &limits->peer, /*with_auth=*/true, /*with_idle=*/false);
  });
  m.Section("sentinel", Presence::kOptional, [limits](MapReader& s) {
    BindListener(s, &limits->sentinel, /*with_auth=*/false, /*with_idle=*/true);
  });
  m.Optional("reserved_descriptors", &limits->reserved_descriptors);
}

std::optional<Violation> CheckLimits(const LimitsConfig& limits, size_t peers) {
  if (auto v = CheckListener("limits.admin", limits.admin)) return v;
  if (auto v = CheckListener("limits.peer", limits.peer)) return v;
  if (auto v = CheckListener("limits.sentinel", limits.sentinel)) return v;
  if (limits.peer.max_connections < peers) {
    return Violation{"limits.peer.max_connections",
                     "must be at least the number of peers (" + std::to_string(peers) + "), got " +
                         std::to_string(limits.peer.max_connections)};
  }
  if (limits.reserved_descriptors < 16 || limits.reserved_descriptors > 65536) {
    return Violation{"limits.reserved_descriptors",
                     "must be 16 to 65536, got " + std::to_string(limits.reserved_descriptors)};
  }
  return std::nullopt;
}

}  // namespace baton::config
