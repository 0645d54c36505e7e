#include "agent/agent.h"

#include <algorithm>
#include <fstream>

#include "agent/admin_routes.h"
#include "agent/failover_service_setup.h"
#include "agent/group_routes.h"
#include "limits/descriptor_budget.h"

namespace baton::agent {

Result<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IOError(path + ": cannot read the token file");
  std::string token;
  std::getline(in, token);
  const auto first = token.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return Status::InvalidArgument(path + ": empty token file");
  token = token.substr(first, token.find_last_not_of(" \t\r\n") - first + 1);
  return token;
}

namespace {

// The configured limits and the groups' proxy settings.
struct Limits {
  config::LimitsConfig listeners;
  std::vector<route::ProxyConfig> proxies;
};

// The groups' `proxy:` settings, parsed (errors name the group).
Result<std::vector<route::ProxyConfig>> ProxyConfigs(const config::AgentConfig& config) {
  std::vector<route::ProxyConfig> proxies;
  for (const config::GroupSpec& spec : config.groups) {
    if (spec.proxy.empty()) continue;
    Result<route::ProxyConfig> proxy = route::ParseProxySettings(spec.proxy);
    if (!proxy) {
      return Status::InvalidArgument("group " + spec.group.name + ": " + proxy.error().ToString());
    }
    proxy->group = spec.group.name;
    proxies.push_back(std::move(*proxy));
  }
  return proxies;
}

// The configured limits, lowered so that the listeners (and the proxies,
// at two descriptors per client connection, four with splice) together
// leave `reserved_descriptors` of RLIMIT_NOFILE (raised to its hard limit)
// to the log, snapshots, peer dials, probes and adapters.
Result<Limits> FitLimits(const config::AgentConfig& config, Logger& logger) {
  Limits fitted{config.limits, {}};
  BATON_ASSIGN_OR_RETURN(fitted.proxies, ProxyConfigs(config));
  config::LimitsConfig& limits = fitted.listeners;
  const size_t descriptors = limits::RaiseDescriptorLimit();
  std::vector<limits::ListenerBudget> budget = {{"limits.admin", &limits.admin, 1},
                                                {"limits.peer", &limits.peer, 1}};
  if (config.sentinel) budget.push_back({"limits.sentinel", &limits.sentinel, 1});
  std::vector<limits::ListenerLimits> proxy_limits(fitted.proxies.size());
  for (size_t i = 0; i < fitted.proxies.size(); ++i) {
    proxy_limits[i].max_connections = fitted.proxies[i].max_connections;
    proxy_limits[i].max_unauthenticated = 1;
    budget.push_back({"group " + fitted.proxies[i].group + " proxy", &proxy_limits[i],
                      fitted.proxies[i].splice ? 4u : 2u});
  }
  for (const std::string& change :
       limits::FitToDescriptors(descriptors, limits.reserved_descriptors, budget)) {
    logger.Log(LogLevel::kWarn, "RLIMIT_NOFILE is " + std::to_string(descriptors) + ": " + change +
                                    " to keep " + std::to_string(limits.reserved_descriptors) +
                                    " descriptors free");
  }
  for (size_t i = 0; i < fitted.proxies.size(); ++i) {
    fitted.proxies[i].max_connections = proxy_limits[i].max_connections;
  }
  // The peer cap never goes below what the cluster needs.
  limits.peer.max_connections = std::max(limits.peer.max_connections, config.peers.size());
  limits.peer.max_unauthenticated =
      std::min(limits.peer.max_unauthenticated, limits.peer.max_connections);
  return fitted;
}

}  // namespace

Result<std::unique_ptr<Agent>> Agent::Create(net::EventLoop& loop, Logger& logger,
                                             const config::AgentConfig& config,
                                             AgentOptions options) {
  std::unique_ptr<Agent> agent(new Agent());
  BATON_ASSIGN_OR_RETURN(Limits fitted, FitLimits(config, logger));
  const config::LimitsConfig& limits = fitted.listeners;
  agent->admin_listener_ = std::make_unique<ListenerMetrics>(agent->metrics_, "admin");
  agent->peer_listener_ = std::make_unique<ListenerMetrics>(agent->metrics_, "peer");
  agent->sentinel_listener_ = std::make_unique<ListenerMetrics>(agent->metrics_, "sentinel");

  admin::AdminServerConfig admin_config;
  admin_config.bind_address = config.listen.admin.host;
  admin_config.port = config.listen.admin.port;
  // Watches long-poll for up to a minute.
  admin_config.handler_timeout = Duration::Seconds(75);
  admin_config.limits = limits.admin;
  admin_config.observer = agent->admin_listener_.get();
  if (!config.admin.token_file.empty()) {
    BATON_ASSIGN_OR_RETURN(admin_config.bearer_token, ReadTokenFile(config.admin.token_file));
  }
  if (!config.tls.insecure_plaintext) {
    admin_config.tls.cert_file = config.tls.cert;
    admin_config.tls.key_file = config.tls.key;
  }

  RaftServerOptions raft;
  raft.self = {config.node.id, config.node.name, config.listen.peer.ToString(),
               config.listen.admin.ToString()};
  raft.cluster_name = config.cluster.name;
  for (const config::PeerConfig& peer : config.peers) {
    raft.initial_peers.push_back({peer.id, peer.name, peer.address.ToString(), ""});
  }
  raft.join = options.join;
  raft.data_dir = config.data_dir;
  raft.tick = config.timing.tick;
  raft.election_ticks = static_cast<int>(config.timing.election_ticks());
  raft.heartbeat_ticks = static_cast<int>(config.timing.heartbeat_ticks());
  raft.tls = {config.tls.ca, config.tls.cert, config.tls.key};
  raft.plaintext = config.tls.insecure_plaintext;
  raft.peer_max_connections = limits.peer.max_connections;
  raft.peer_max_unauthenticated = limits.peer.max_unauthenticated;
  raft.peer_handshake_timeout = limits.peer.handshake_timeout;
  raft.peer_observer = agent->peer_listener_.get();
  raft.on_fatal = std::move(options.on_fatal);
  raft.history_revisions = config.store.history_revisions;
  raft.history_bytes = config.store.history_bytes;
  BATON_ASSIGN_OR_RETURN(agent->raft_,
                         RaftServer::Create(loop, logger, agent->metrics_, std::move(raft)));
  agent->store_ = std::make_unique<StoreService>(loop, *agent->raft_);
  agent->heartbeats_ = std::make_unique<PeerHeartbeats>(loop, logger, agent->metrics_,
                                                        *agent->raft_, config.detection);
  HealthServiceOptions health{config.node.name, config.groups, config.detection.health_refresh};
  BATON_ASSIGN_OR_RETURN(agent->health_, HealthService::Create(loop, logger, agent->metrics_,
                                                               *agent->raft_, std::move(health)));
  if (!config.groups.empty()) {
    LeaderWriterOptions writer;
    writer.token = admin_config.bearer_token;
    if (!config.tls.insecure_plaintext) writer.ca_file = config.tls.ca;
    agent->writer_ =
        std::make_unique<LeaderWriter>(loop, *agent->raft_, *agent->store_, std::move(writer));
    BATON_ASSIGN_OR_RETURN(FailoverServiceOptions failover, FailoverOptionsFromConfig(config));
    BATON_ASSIGN_OR_RETURN(
        agent->failover_,
        FailoverService::Create(loop, logger, agent->metrics_, *agent->raft_, *agent->store_,
                                *agent->writer_, std::move(failover)));
  }
  if (agent->failover_) {
    FailoverService* failover = agent->failover_.get();
    agent->heartbeats_->OnSuspicion([failover, &loop](const std::string& peer, bool suspected) {
      failover->OnPeerSuspected(peer, suspected, loop.Now());
    });
    agent->health_->OnMemberHealth(
        [failover](const std::string& group, const std::string& member, detect::Health health,
                   Instant at) { failover->OnHealth(group, member, health, at); });
  }
  agent->routed_topology_ = std::make_unique<failover::TopologyGate>(agent->topology());
  if (config.sentinel) {  // docs/redis.md
    sentinel::SentinelServerConfig endpoint;
    endpoint.bind_address = config.sentinel->host;
    endpoint.port = config.sentinel->port;
    endpoint.max_connections = limits.sentinel.max_connections;
    endpoint.idle_timeout = limits.sentinel.idle_timeout;
    endpoint.observer = agent->sentinel_listener_.get();
    agent->sentinel_ = std::make_unique<sentinel::SentinelServer>(
        std::move(endpoint), agent->topology(), &agent->metrics_);
    BATON_RETURN_IF_ERROR(agent->sentinel_->Start());
  }
  BATON_ASSIGN_OR_RETURN(
      agent->proxies_, route::GroupProxies::Start(
                           fitted.proxies, *agent->routed_topology_, agent->metrics_, logger, loop,
                           [failover = agent->failover_.get(), &loop](const std::string& group,
                                                                      failover::Epoch epoch) {
                             // Recorded by the coordinator, which runs on the store leader only.
                             GroupDriver* driver = failover ? failover->group(group) : nullptr;
                             if (driver) (void)driver->Request(failover::Routed{epoch}, loop.Now());
                           }));
  Duration stale_after = Duration::Seconds(1);  // no groups: nothing to name anyway
  for (const config::GroupSpec& spec : config.groups) {
    stale_after = std::min(stale_after, spec.group.drift_margin);
  }
  agent->WatchStoreContact(loop, logger, stale_after);

  std::weak_ptr<int> alive = agent->alive_;
  agent->admin_ = std::make_unique<admin::AdminServer>(std::move(admin_config), logger,
                                                       [&loop, alive](std::function<void()> work) {
                                                         loop.Post([alive, work = std::move(work)] {
                                                           if (!alive.expired()) work();
                                                         });
                                                       });
  const AdminContext context{loop,
                             *agent->raft_,
                             *agent->store_,
                             agent->metrics_,
                             agent->health_.get(),
                             agent->heartbeats_.get(),
                             config.timing.election_timeout};
  InstallAdminRoutes(*agent->admin_, context);
  InstallGroupRoutes(*agent->admin_, context, agent->failover_.get());
  BATON_RETURN_IF_ERROR(agent->admin_->Start());
  return agent;
}

void Agent::WatchStoreContact(net::EventLoop& loop, Logger& logger, Duration stale_after) {
  struct Contact {
    Instant last;             // the last time a store leader was known
    bool named = true;        // what the endpoint and proxies were last told
    bool confirming = false;  // a linearizable read is on its way
  };
  auto contact = std::make_shared<Contact>();
  contact->last = loop.Now();
  SetNaming(false, logger);
  contact->named = false;
  std::weak_ptr<int> alive = alive_;
  store_contact_timer_ =
      loop.RunEvery(Duration::Millis(50), [this, &loop, &logger, stale_after, contact, alive] {
        const Instant now = loop.Now();
        if (raft_->leader() != 0) contact->last = now;
        if (now - contact->last >= stale_after) {
          if (contact->named) SetNaming(false, logger);
          contact->named = false;
          return;
        }
        if (contact->named || contact->confirming) return;
        contact->confirming = true;
        store_->Range("/baton/contact", false, [this, &loop, &logger, contact, alive](auto result) {
          if (alive.expired()) return;
          contact->confirming = false;
          if (!result.has_value()) return;  // tried again at the next tick
          // Posted: watch events applied up to the read are delivered first.
          loop.Post([this, &logger, contact, alive] {
            if (alive.expired() || contact->named) return;
            contact->named = true;
            SetNaming(true, logger);
          });
        });
      });
}

void Agent::SetNaming(bool named, Logger& logger) {
  if (sentinel_) sentinel_->SetStoreContact(named);
  routed_topology_->SetOpen(named);
  logger.Log(named ? LogLevel::kInfo : LogLevel::kWarn,
             named ? "store caught up: the Sentinel endpoint and proxies name the primary"
                   : "no store leader known: the Sentinel endpoint and proxies name no primary "
                     "until this node has caught up with the store");
}

Agent::~Agent() {
  store_contact_timer_.Cancel();  // it calls the sentinel endpoint and the gate
  if (admin_) admin_->Stop();
  sentinel_.reset();  // unsubscribes from the topology feed
  proxies_.reset();   // so do the proxies
  routed_topology_.reset();
  alive_.reset();
  health_.reset();  // its callback feeds the failover service
  heartbeats_.reset();
  failover_.reset();
  writer_.reset();
  store_.reset();
  raft_.reset();
}

}  // namespace baton::agent
