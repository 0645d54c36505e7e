// The `limits:` section: caps and timeouts of the agent's listeners
// (docs/configuration.md, "limits"). The proxy's cap is the group proxy key
// `max_connections` (src/route), not here.
#pragma once

#include <cstdint>
#include <optional>

#include "config/violation.h"
#include "config/yaml_reader.h"
#include "core/time.h"
#include "limits/listener_limits.h"

namespace baton::config {

struct LimitsConfig {
  // The admin API: a flood of idle connections needs no token, so the
  // unauthenticated pool is small and evicts its oldest.
  limits::ListenerLimits admin{.max_connections = 256,
                               .max_unauthenticated = 64,
                               .handshake_timeout = Duration::Seconds(5),
                               .idle_timeout = Duration::Seconds(10)};
  // The peer transport: N - 1 authenticated peers plus reconnects. Its idle
  // timeout is fixed by the transport's pings (5s), not configurable.
  limits::ListenerLimits peer{.max_connections = 64,
                              .max_unauthenticated = 16,
                              .handshake_timeout = Duration::Seconds(5),
                              .idle_timeout = Duration::Seconds(5)};
  // The Sentinel endpoint (no authentication: only max_connections and
  // idle_timeout, 0 = never, apply).
  limits::ListenerLimits sentinel{.max_connections = 1024,
                                  .max_unauthenticated = 1024,
                                  .handshake_timeout = Duration::Seconds(5),
                                  .idle_timeout = Duration::Zero()};
  // Descriptors kept free of every listener for the log, snapshots, peer
  // dials, probes and adapters; the agent lowers the caps to fit
  // RLIMIT_NOFILE minus this.
  uint64_t reserved_descriptors = 128;
};

void BindLimits(MapReader& m, LimitsConfig* limits);

// Each listener's ListenerLimits::Validate, plus: limits.peer.max_connections
// >= the number of peers; reserved_descriptors 16 to 65536.
std::optional<Violation> CheckLimits(const LimitsConfig& limits, size_t peers);

}  // namespace baton::config
