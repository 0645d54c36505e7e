// GroupProxies: the proxies of an agent (one per group whose config has a
// `proxy:` mapping) or of `baton proxy`, each following the agent's TopologySource. Events go to
// the logger (from the proxies' threads; the logger must be thread-safe) and
// stats to the registry every second. Create and destroy on the loop thread
// (the source's thread).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "admin/metrics.h"
#include "config/group_spec.h"
#include "core/logger.h"
#include "core/result.h"
#include "failover/topology.h"
#include "net/event_loop.h"
#include "route/proxy.h"

namespace baton::route {

class GroupProxies {
 public:
  // Called on the source's thread when a proxy has published the routes to
  // the confirmed primary of a new epoch (its loops apply them before their
  // next event): the failover timeline's `routed` step.
  using RoutedFn = std::function<void(const std::string& group, failover::Epoch epoch)>;

  // Error: a group's proxy settings are invalid ("group cache: proxy.balance
  // (line 12): ...") or a listener cannot be bound.
  static Result<std::unique_ptr<GroupProxies>> Start(const std::vector<config::GroupSpec>& groups,
                                                     failover::TopologySource& source,
                                                     admin::MetricsRegistry& registry,
                                                     Logger& logger, net::EventLoop& loop,
                                                     RoutedFn on_routed = nullptr);
  // The same from settings already parsed (`baton proxy`). Error: a listener
  // cannot be bound.
  static Result<std::unique_ptr<GroupProxies>> Start(const std::vector<ProxyConfig>& configs,
                                                     failover::TopologySource& source,
                                                     admin::MetricsRegistry& registry,
                                                     Logger& logger, net::EventLoop& loop,
                                                     RoutedFn on_routed = nullptr);
  ~GroupProxies();  // stops every proxy, closing its connections

 private:
  GroupProxies() = default;
  std::vector<std::unique_ptr<Proxy>> proxies_;
  failover::TopologySource* source_ = nullptr;
  std::vector<int> routed_subscriptions_;
  std::vector<std::unique_ptr<ProxyMetrics>> metrics_;
  net::TimerHandle publish_;
};

}  // namespace baton::route
