// ProxyConfig: what one group's proxy listens on and how it picks members,
// from the group's `proxy:` settings (docs/route.md, docs/configuration.md).
// ParseProxySettings validates every key and names the key and its line in
// errors. Plain values; thread-compatible.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "adapters/adapter.h"
#include "config/host_port.h"
#include "core/result.h"
#include "core/time.h"

namespace baton::route {

// How a read-only (or active-active) listener spreads new connections.
enum class Balance {
  kRoundRobin,        // each worker thread cycles through the pool
  kLeastConnections,  // the member with the fewest open connections (all threads)
};

// Envoy-style passive health: `consecutive_failures` connection failures in
// a row eject a pool member for ejection_time * (times ejected so far),
// capped at max_ejection_time. Never applied to the primary.
struct OutlierConfig {
  int consecutive_failures = 5;
  Duration ejection_time = Duration::Seconds(30);
  Duration max_ejection_time = Duration::Seconds(300);
};

struct ProxyConfig {
  std::string group;  // the failover group whose Topology the proxy follows
  // Leads to the confirmed primary (active-passive) or spreads over the
  // serving set (active-active). At least one listener must be set.
  std::optional<config::HostPort> read_write;
  // Spreads over healthy replicas (active-passive) or the serving set
  // (active-active).
  std::optional<config::HostPort> read_only;
  Balance balance = Balance::kRoundRobin;
  // Read-only connections go to the primary while no replica is usable.
  bool fallback_to_primary = true;
  // How long a new connection is held while its listener has nowhere to go
  // (no confirmed primary, empty pool), before it is closed.
  Duration wait_for_primary = Duration::Seconds(5);
  Duration connect_timeout = Duration::Seconds(1);
  // Bytes buffered per direction per connection; a side whose peer has this
  // much unsent is not read (back-pressure).
  size_t buffer_bytes = 16384;
  // Event-loop threads; 0 means one per core.
  int threads = 0;
  // Client connections open at once (all listeners and threads); one beyond
  // it is closed at accept. Each costs two descriptors (three or more with
  // splice), so the agent may lower it to fit RLIMIT_NOFILE. There is no
  // idle timeout: pooled client connections legitimately idle.
  size_t max_connections = 4096;
  // Forward with splice() through a pipe instead of recv/send (docs/route.md
  // has the measurements: it loses on small request/replies).
  bool splice = false;
  OutlierConfig outlier;
};

// One `proxy:` key as written in the config, with its line for errors.
using ProxySettings = std::map<std::string, adapters::AdapterSetting>;

// Keys: read_write, read_only (host:port), balance (round-robin |
// least-connections), fallback_to_primary (true | false), wait_for_primary,
// connect_timeout, eject_time, max_eject_time (durations), eject_after
// (failures, >= 1), buffer_bytes (1024..16777216), threads (0..256),
// max_connections (1..1000000), forward (copy | splice). The group is left empty for the caller to
// fill. Errors: InvalidArgument "proxy.<key> (line N): <what is wrong>", also for unknown keys and
// for a config with no listener.
Result<ProxyConfig> ParseProxySettings(const ProxySettings& settings);

}  // namespace baton::route
