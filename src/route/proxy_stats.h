// ProxyStats: what a proxy has done, summed over its threads, and
// ProxyMetrics, which publishes it through the agent's MetricsRegistry.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "admin/metrics.h"

namespace baton::route {

// A snapshot. Counters only go up; *_active and buffered_bytes are levels.
struct ProxyStats {
  uint64_t connections_active = 0;   // client connections open now (waiting ones too)
  uint64_t connections_total = 0;    // client connections accepted
  uint64_t connections_refused = 0;  // closed at accept: max_connections, or out of descriptors
  uint64_t bytes_client_to_server = 0;
  uint64_t bytes_server_to_client = 0;
  uint64_t connect_errors = 0;                 // failed or timed-out connections to a member
  uint64_t cutover_closed = 0;                 // connections closed because routing moved away
  uint64_t wait_timeouts = 0;                  // connections closed after wait_for_primary
  uint64_t routing_changes = 0;                // routing tables that differed from the previous one
  uint64_t ejections = 0;                      // outlier ejections
  uint64_t buffered_bytes = 0;                 // bytes held in the proxy's buffers now
  std::vector<uint64_t> connections_per_loop;  // client connections each event loop owns now
};

// Registers baton_proxy_* series labelled group=<group>. Update() may be
// called from any thread, e.g. before each scrape; it moves counters by
// what changed since the previous call. Thread-safe as the registry is,
// provided Update() is not called concurrently with itself.
class ProxyMetrics {
 public:
  ProxyMetrics(admin::MetricsRegistry& registry, const std::string& group);
  void Update(const ProxyStats& stats);

 private:
  admin::Gauge& active_;
  admin::Counter& total_;
  admin::Counter& refused_;
  admin::Counter& bytes_in_;
  admin::Counter& bytes_out_;
  admin::Counter& connect_errors_;
  admin::Counter& cutover_closed_;
  admin::Counter& wait_timeouts_;
  admin::Counter& routing_changes_;
  admin::Counter& ejections_;
  admin::Gauge& buffered_;
  ProxyStats last_;
};

}  // namespace baton::route
