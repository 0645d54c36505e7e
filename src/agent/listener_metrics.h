// ListenerMetrics: a limits::ListenerObserver that publishes one listener's
// connection accounting in the agent's MetricsRegistry:
//   baton_listener_connections{listener}                  open now
//   baton_listener_unauthenticated_connections{listener}  of which unauthenticated
//   baton_listener_connections_ended_total{listener,reason}
//     reason: refused_full, no_descriptors, evicted, handshake_timeout,
//     idle_timeout (all registered at 0 up front).
// Thread-safe (the registry's series are atomics).
#pragma once

#include <array>
#include <string>

#include "admin/metrics.h"
#include "limits/listener_observer.h"

namespace baton::agent {

class ListenerMetrics final : public limits::ListenerObserver {
 public:
  // `listener`: "admin", "peer", "sentinel". The registry outlives this.
  ListenerMetrics(admin::MetricsRegistry& registry, const std::string& listener);

  void OnConnectionEnd(limits::ConnectionEnd end) override;
  void OnOpen(size_t open, size_t unauthenticated) override;

 private:
  static constexpr size_t kEnds = 5;
  admin::Gauge& open_;
  admin::Gauge& unauthenticated_;
  std::array<admin::Counter*, kEnds> ended_{};
};

}  // namespace baton::agent
