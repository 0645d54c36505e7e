#include "agent/agent.h"

#include <algorithm>
#include <fstream>

#include "agent/admin_routes.h"
#include "agent/failover_service_setup.h"
#include "agent/group_routes.h"

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

Result<std::unique_ptr<Agent>> Agent::Create(net::EventLoop& loop, Logger& logger,
                                             const config::AgentConfig& config,
                                             AgentOptions options) {
  std::unique_ptr<Agent> agent(new Agent());

  admin::AdminServerConfig admin_config;
  admin_config.bind_address = config.listen.admin.host;
  admin_config.port = config.listen.admin.port;
  // Watches long-poll for up to a minute.
  admin_config.handler_timeout = Duration::Seconds(75);
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
    agent->health_->OnMemberHealth(
        [failover](const std::string& group, const std::string& member, detect::Health health,
                   Instant at) { failover->OnHealth(group, member, health, at); });
  }
  if (config.sentinel) {  // docs/redis.md
    sentinel::SentinelServerConfig endpoint;
    endpoint.bind_address = config.sentinel->host;
    endpoint.port = config.sentinel->port;
    agent->sentinel_ = std::make_unique<sentinel::SentinelServer>(
        std::move(endpoint), agent->topology(), &agent->metrics_);
    BATON_RETURN_IF_ERROR(agent->sentinel_->Start());
    Duration stale_after = Duration::Seconds(1);  // no groups: nothing to name anyway
    for (const config::GroupSpec& spec : config.groups) {
      stale_after = std::min(stale_after, spec.group.drift_margin);
    }
    agent->WatchStoreContact(loop, logger, stale_after);
  }
  BATON_ASSIGN_OR_RETURN(agent->proxies_,
                         route::GroupProxies::Start(
                             config.groups, agent->topology(), agent->metrics_, logger, loop,
                             [failover = agent->failover_.get(), &loop](const std::string& group,
                                                                        failover::Epoch epoch) {
                               // Recorded by the coordinator, which runs on the store leader only.
                               GroupDriver* driver = failover ? failover->group(group) : nullptr;
                               if (driver)
                                 (void)driver->Request(failover::Routed{epoch}, loop.Now());
                             }));

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
                             agent->heartbeats_.get()};
  InstallAdminRoutes(*agent->admin_, context);
  InstallGroupRoutes(*agent->admin_, context, agent->failover_.get());
  BATON_RETURN_IF_ERROR(agent->admin_->Start());
  return agent;
}

void Agent::WatchStoreContact(net::EventLoop& loop, Logger& logger, Duration stale_after) {
  Instant last_contact = loop.Now();
  bool in_contact = true;
  store_contact_timer_ = loop.RunEvery(Duration::Millis(50), [this, &loop, &logger, stale_after,
                                                              last_contact, in_contact]() mutable {
    const Instant now = loop.Now();
    if (raft_->leader() != 0) last_contact = now;
    const bool contact = now - last_contact < stale_after;
    if (contact == in_contact) return;
    in_contact = contact;
    sentinel_->SetStoreContact(contact);
    logger.Log(contact ? LogLevel::kInfo : LogLevel::kWarn,
               contact ? "sentinel: store leader known again; naming the primary"
                       : "sentinel: no store leader for " + stale_after.ToString() +
                             "; naming no primary until contact returns");
  });
}

Agent::~Agent() {
  store_contact_timer_.Cancel();  // it calls the sentinel endpoint
  if (admin_) admin_->Stop();
  sentinel_.reset();  // unsubscribes from the topology feed
  proxies_.reset();   // so do the proxies
  alive_.reset();
  health_.reset();  // its callback feeds the failover service
  heartbeats_.reset();
  failover_.reset();
  writer_.reset();
  store_.reset();
  raft_.reset();
}

}  // namespace baton::agent
