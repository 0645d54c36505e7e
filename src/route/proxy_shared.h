// What a proxy's event-loop threads share: the config, the current routing
// table (resolved), passive health and per-member connection counts.
// Internal to src/route.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "detect/event.h"
#include "limits/descriptor_budget.h"
#include "route/outlier_detector.h"
#include "route/proxy_config.h"
#include "route/routing_table.h"
#include "route/socket_util.h"

namespace baton::route::internal {

using EventSink = std::function<void(const detect::Event&)>;

struct Target {
  Backend backend;
  Endpoint endpoint;
  std::atomic<int64_t>* active = nullptr;  // open connections to it, all threads
};

// A RoutingTable with its addresses resolved; immutable once published.
struct ResolvedTable {
  failover::Epoch epoch = 0;
  bool active_active = false;
  std::optional<Target> primary;
  std::vector<Target> pool;
};

// One event loop's counters: written by its thread only (relaxed), summed by
// Proxy::Stats(). Cache-line aligned so threads do not share lines.
struct alignas(64) WorkerCounters {
  std::atomic<uint64_t> connections_active{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> bytes[2] = {0, 0};  // [0] client->server, [1] server->client
  std::atomic<uint64_t> connect_errors{0};
  std::atomic<uint64_t> cutover_closed{0};
  std::atomic<uint64_t> wait_timeouts{0};
  std::atomic<uint64_t> buffered_bytes{0};
};

// Single-writer update without a locked instruction.
inline void Bump(std::atomic<uint64_t>& counter, int64_t delta) {
  counter.store(counter.load(std::memory_order_relaxed) + static_cast<uint64_t>(delta),
                std::memory_order_relaxed);
}

Instant SteadyNow();

class Shared {
 public:
  Shared(ProxyConfig config, EventSink sink);

  const ProxyConfig config;

  // Resolves and publishes `table`; returns false if it equals the current one.
  bool Publish(const RoutingTable& table);
  std::shared_ptr<const ResolvedTable> table() const;
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // Passive health of pool members (never the primary).
  void RecordFailure(const std::string& member);
  void RecordSuccess(const std::string& member);
  // Drops ejected members from `candidates`.
  std::vector<const Target*> Usable(const std::vector<const Target*>& candidates);

  void Emit(const detect::Event& event) const;
  uint64_t ejections() const { return ejections_.load(std::memory_order_relaxed); }

  // Client connections open now over every loop: reserved at accept,
  // returned when they close.
  std::atomic<int64_t> open_connections{0};
  std::atomic<uint64_t> refused_connections{0};  // over max_connections, or out of descriptors
  limits::DescriptorReserve descriptor_reserve;

 private:
  const EventSink sink_;
  mutable std::mutex mu_;
  RoutingTable last_;                                                  // guarded by mu_
  std::shared_ptr<const ResolvedTable> table_;                         // guarded by mu_
  OutlierDetector outlier_;                                            // guarded by mu_
  std::map<std::string, std::unique_ptr<std::atomic<int64_t>>> load_;  // guarded by mu_
  std::atomic<uint64_t> version_{0};
  std::atomic<uint64_t> ejections_{0};
};

}  // namespace baton::route::internal
