#include "agent/listener_metrics.h"

#include "core/check.h"

namespace baton::agent {

ListenerMetrics::ListenerMetrics(admin::MetricsRegistry& r, const std::string& listener)
    : open_(r.AddGauge("baton_listener_connections", "Connections open on the listener now.",
                       {{"listener", listener}})),
      unauthenticated_(r.AddGauge("baton_listener_unauthenticated_connections",
                                  "Open connections not yet authenticated.",
                                  {{"listener", listener}})) {
  for (size_t i = 0; i < kEnds; ++i) {
    const auto end = static_cast<limits::ConnectionEnd>(i);
    ended_[i] = &r.AddCounter(
        "baton_listener_connections_ended_total",
        "Connections the listener's limits refused or closed, by reason.",
        {{"listener", listener}, {"reason", std::string(limits::ConnectionEndName(end))}});
  }
}

void ListenerMetrics::OnConnectionEnd(limits::ConnectionEnd end) {
  const auto i = static_cast<size_t>(end);
  BATON_CHECK(i < kEnds) << "unknown connection end " << i;
  ended_[i]->Increment();
}

void ListenerMetrics::OnOpen(size_t open, size_t unauthenticated) {
  open_.Set(static_cast<double>(open));
  unauthenticated_.Set(static_cast<double>(unauthenticated));
}

}  // namespace baton::agent
