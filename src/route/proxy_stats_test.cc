#include "route/proxy_stats.h"

#include <gtest/gtest.h>

namespace baton::route {
namespace {

TEST(ProxyMetricsTest, CountersMoveByWhatChangedAndLevelsAreSet) {
  admin::MetricsRegistry registry;
  ProxyMetrics metrics(registry, "cache");
  ProxyStats s;
  s.connections_active = 3;
  s.connections_total = 10;
  s.bytes_client_to_server = 100;
  s.routing_changes = 1;
  metrics.Update(s);
  s.connections_active = 1;
  s.connections_total = 12;
  s.connections_refused = 4;
  s.bytes_client_to_server = 150;
  metrics.Update(s);
  const std::string text = registry.RenderPrometheus();
  EXPECT_NE(text.find("baton_proxy_connections_active{group=\"cache\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("baton_proxy_connections_total{group=\"cache\"} 12"), std::string::npos);
  EXPECT_NE(
      text.find("baton_proxy_bytes_total{group=\"cache\",direction=\"client_to_server\"} 150"),
      std::string::npos);
  EXPECT_NE(text.find("baton_proxy_routing_changes_total{group=\"cache\"} 1"), std::string::npos);
  EXPECT_NE(text.find("baton_proxy_connections_refused_total{group=\"cache\"} 4"),
            std::string::npos);
}

}  // namespace
}  // namespace baton::route
