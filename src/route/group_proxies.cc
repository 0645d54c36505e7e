#include "route/group_proxies.h"

namespace baton::route {

Result<std::unique_ptr<GroupProxies>> GroupProxies::Start(
    const std::vector<config::GroupSpec>& groups, failover::TopologySource& source,
    admin::MetricsRegistry& registry, Logger& logger, net::EventLoop& loop) {
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
  return Start(configs, source, registry, logger, loop);
}

Result<std::unique_ptr<GroupProxies>> GroupProxies::Start(const std::vector<ProxyConfig>& configs,
                                                          failover::TopologySource& source,
                                                          admin::MetricsRegistry& registry,
                                                          Logger& logger, net::EventLoop& loop) {
  std::unique_ptr<GroupProxies> all(new GroupProxies());
  for (const ProxyConfig& config : configs) {
    const std::string& group = config.group;
    auto proxy = std::make_unique<Proxy>(config, [&logger, group](const detect::Event& e) {
      logger.Log(LogLevel::kInfo, "proxy " + group + ": " + e.ToString());
    });
    if (Status s = proxy->Start(); !s.ok()) {
      return Status::IOError("group " + group + ": " + s.ToString());
    }
    proxy->Follow(source);
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
  for (auto& proxy : proxies_) proxy->Stop();
}

}  // namespace baton::route
