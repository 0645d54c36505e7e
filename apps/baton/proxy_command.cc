// `baton proxy --config FILE`: group proxies in a process of their own
// (docs/route.md, "Standalone proxy"). They follow the groups' topologies
// through the agents' admin API (TopologyWatch) and publish their stats on
// this process's /metrics. Runs until SIGINT/SIGTERM.
#include <iostream>
#include <memory>

#include "admin/admin_server.h"
#include "admin/metrics.h"
#include "commands.h"
#include "failover/topology_feed.h"
#include "net/event_loop.h"
#include "route/group_proxies.h"
#include "route/standalone_config.h"
#include "signal_stopper.h"
#include "spd_logger.h"
#include "topology_watch.h"

namespace baton::cli {
namespace {

int RunProxy(const std::string& config_path) {
  Result<route::StandaloneConfig> config = route::LoadStandaloneConfig(config_path);
  if (!config.has_value()) {
    std::cerr << "baton proxy: " << config.error().message() << "\n";
    return kExitUsage;
  }
  ClientFlags flags;
  for (const std::string& agent : config->agents) {
    flags.endpoints += (flags.endpoints.empty() ? "" : ",") + agent;
  }
  flags.ca = config->ca_file;
  flags.timeout = std::to_string(config->refresh.millis() + 2000) + "ms";
  Result<AdminClient> client = AdminClient::Create(flags);
  if (!client.has_value()) {
    std::cerr << "baton proxy: " << client.error().message() << "\n";
    return kExitUsage;
  }
  SpdLogger logger("proxy", LogLevel::kInfo, config::LogFormat::kText);
  net::EventLoop loop;
  SignalStopper stopper(loop);
  admin::MetricsRegistry registry;
  admin::Counter& refresh_errors = registry.AddCounter(
      "baton_proxy_topology_errors_total", "Failed reads of the topology from the agents");
  failover::TopologyFeed feed;  // loop thread only
  Result<std::unique_ptr<route::GroupProxies>> proxies =
      route::GroupProxies::Start(config->groups, feed, registry, logger, loop);
  if (!proxies.has_value()) {
    logger.Log(LogLevel::kError, "cannot start: " + proxies.error().ToString());
    return kExitFailed;
  }
  std::unique_ptr<admin::AdminServer> admin;
  if (config->admin) {
    admin::AdminServerConfig admin_config;
    admin_config.bind_address = config->admin->host;
    admin_config.port = config->admin->port;
    admin = std::make_unique<admin::AdminServer>(
        admin_config, logger, [&loop](std::function<void()> work) { loop.Post(std::move(work)); });
    admin->Handle(admin::HttpMethod::kGet, "/metrics",
                  [&registry](admin::HttpRequest, admin::Responder reply) {
                    reply(admin::HttpResponse::Text(200, registry.RenderPrometheus()));
                  });
    if (Status s = admin->Start(); !s.ok()) {
      logger.Log(LogLevel::kError, "cannot start the admin port: " + s.ToString());
      return kExitFailed;
    }
  }
  std::vector<std::string> groups;
  for (const route::ProxyConfig& group : config->groups) groups.push_back(group.group);
  TopologyWatch watch(
      std::move(*client), groups, config->refresh,
      [&loop, &feed](const failover::Topology& t) { loop.Post([&feed, t] { feed.Publish(t); }); },
      [&logger, &refresh_errors](const std::string& what) {
        refresh_errors.Increment();
        logger.Log(LogLevel::kWarn, "topology: " + what);
      });
  watch.Start();
  logger.Log(LogLevel::kInfo,
             "proxy serving " + std::to_string(groups.size()) + " group(s), following agents " +
                 flags.endpoints +
                 (admin ? ", metrics on port " + std::to_string(admin->port()) : ""));
  loop.Run();
  logger.Log(LogLevel::kInfo, "stopping");
  watch.Stop();
  if (admin) admin->Stop();
  proxies->reset();
  return kExitOk;
}

}  // namespace

void AddProxyCommand(CLI::App& app, RunFn* run) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "proxy", "Run group proxies that follow the agents' topology (docs/route.md)");
  cmd->add_option("--config", *path, "Proxy configuration file (YAML)")->required();
  cmd->callback([path, run] { *run = [path] { return RunProxy(*path); }; });
}

}  // namespace baton::cli
