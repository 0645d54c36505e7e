#include "route/proxy_stats.h"

namespace baton::route {
namespace {

void Advance(admin::Counter& counter, uint64_t now, uint64_t before) {
  if (now > before) counter.Increment(static_cast<double>(now - before));
}

}  // namespace

ProxyMetrics::ProxyMetrics(admin::MetricsRegistry& r, const std::string& group)
    : active_(r.AddGauge("baton_proxy_connections_active", "Client connections open now.",
                         {{"group", group}})),
      total_(r.AddCounter("baton_proxy_connections_total", "Client connections accepted.",
                          {{"group", group}})),
      refused_(r.AddCounter("baton_proxy_connections_refused_total",
                            "Client connections closed at accept: over max_connections or "
                            "out of descriptors.",
                            {{"group", group}})),
      bytes_in_(r.AddCounter("baton_proxy_bytes_total", "Bytes forwarded.",
                             {{"group", group}, {"direction", "client_to_server"}})),
      bytes_out_(r.AddCounter("baton_proxy_bytes_total", "Bytes forwarded.",
                              {{"group", group}, {"direction", "server_to_client"}})),
      connect_errors_(r.AddCounter("baton_proxy_connect_errors_total",
                                   "Failed or timed-out connections to members.",
                                   {{"group", group}})),
      cutover_closed_(r.AddCounter("baton_proxy_cutover_closed_total",
                                   "Client connections closed because routing moved away.",
                                   {{"group", group}})),
      wait_timeouts_(r.AddCounter("baton_proxy_wait_timeouts_total",
                                  "Connections closed after waiting wait_for_primary.",
                                  {{"group", group}})),
      routing_changes_(r.AddCounter("baton_proxy_routing_changes_total",
                                    "Routing table changes followed.", {{"group", group}})),
      ejections_(r.AddCounter("baton_proxy_ejections_total", "Outlier ejections of pool members.",
                              {{"group", group}})),
      buffered_(r.AddGauge("baton_proxy_buffered_bytes", "Bytes held in proxy buffers now.",
                           {{"group", group}})) {}

void ProxyMetrics::Update(const ProxyStats& s) {
  active_.Set(static_cast<double>(s.connections_active));
  buffered_.Set(static_cast<double>(s.buffered_bytes));
  Advance(total_, s.connections_total, last_.connections_total);
  Advance(refused_, s.connections_refused, last_.connections_refused);
  Advance(bytes_in_, s.bytes_client_to_server, last_.bytes_client_to_server);
  Advance(bytes_out_, s.bytes_server_to_client, last_.bytes_server_to_client);
  Advance(connect_errors_, s.connect_errors, last_.connect_errors);
  Advance(cutover_closed_, s.cutover_closed, last_.cutover_closed);
  Advance(wait_timeouts_, s.wait_timeouts, last_.wait_timeouts);
  Advance(routing_changes_, s.routing_changes, last_.routing_changes);
  Advance(ejections_, s.ejections, last_.ejections);
  last_ = s;
}

}  // namespace baton::route
