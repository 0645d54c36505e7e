#include "route/group_proxies.h"

namespace baton::route {

Result<std::unique_ptr<GroupProxies>> GroupProxies::Start(
    const std::vector<config::GroupSpec>& groups, failover::TopologySource& source,
    admin::MetricsRegistry& registry, Logger& logger, net::EventLoop& loop, RoutedFn on_routed) {
  std::vector<ProxyConfig> configs;
  for (const config::GroupSpec& spec : groups) {
    if (spec.proxy.empty()) continue;
    Result<ProxyConfig> config = ParseProxySettings(spec.proxy);
    if (!config) {
      return Status::InvalidArgument("group " + spec.group.name + ": " + config.error().ToString());
    }
    config->group = spec.group.name;
    configs.push_back(std::move(*config));
  }
  return Start(configs, source, registry, logger, loop, std::move(on_routed));
}

Result<std::unique_ptr<GroupProxies>> GroupProxies::Start(const std::vector<ProxyConfig>& configs,
                                                          failover::TopologySource& source,
                                                          admin::MetricsRegistry& registry,
                                                          Logger& logger, net::EventLoop& loop,
                                                          RoutedFn on_routed) {
  std::unique_ptr<GroupProxies> all(new GroupProxies());
  all->source_ = &source;
  for (const ProxyConfig& config : configs) {
    const std::string& group = config.group;
    auto proxy = std::make_unique<Proxy>(config, [&logger, group](const detect::Event& e) {
      logger.Log(LogLevel::kInfo, "proxy " + group + ": " + e.ToString());
    });
    if (Status s = proxy->Start(); !s.ok()) {
      return Status::IOError("group " + group + ": " + s.ToString());
    }
    proxy->Follow(source);
    if (on_routed) {  // subscribed after the proxy, so called after it published
      all->routed_subscriptions_.push_back(source.Subscribe(
          [on_routed, group, last = failover::Epoch{0}](const failover::Topology& t) mutable {
            if (t.group != group || !t.primary_confirmed || t.epoch == last) return;
            last = t.epoch;
            on_routed(group, t.epoch);
          }));
    }
    all->metrics_.push_back(std::make_unique<ProxyMetrics>(registry, group));
    all->proxies_.push_back(std::move(proxy));
  }
  if (!all->proxies_.empty()) {
    GroupProxies* self = all.get();
    self->publish_ = loop.RunEvery(Duration::Seconds(1), [self] {
      for (size_t i = 0; i < self->proxies_.size(); ++i) {
        self->metrics_[i]->Update(self->proxies_[i]->Stats());
      }
    });
  }
  return all;
}

GroupProxies::~GroupProxies() {
  publish_.Cancel();
  for (int id : routed_subscriptions_) source_->Unsubscribe(id);
  for (auto& proxy : proxies_) proxy->Stop();
}

}  // namespace baton::route
