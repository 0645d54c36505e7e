#include "agent/failover_service.h"

#include <algorithm>

namespace baton::agent {
namespace {

const std::vector<double> kSecondsBuckets = {0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120};

int Voters(RaftServer& raft) {
  const ServerStatus status = raft.Describe();
  return static_cast<int>(std::count_if(status.members.begin(), status.members.end(),
                                        [](const MemberStatus& m) { return !m.learner; }));
}

}  // namespace

FailoverService::FailoverService(net::EventLoop& loop, Logger& logger,
                                 admin::MetricsRegistry& metrics, int worker_threads,
                                 int local_members)
    : loop_(loop),
      logger_(logger),
      metrics_(metrics),
      pool_(loop, worker_threads),
      watchdog_pool_(loop, 1),
      notify_pool_(loop, 1),
      gone_pool_(loop, std::max(1, local_members)) {}

Result<std::unique_ptr<FailoverService>> FailoverService::Create(
    net::EventLoop& loop, Logger& logger, admin::MetricsRegistry& metrics, RaftServer& raft,
    store::Store& local, store::Store& writer, FailoverServiceOptions options) {
  Duration tick = options.tick;
  for (const GroupSetup& g : options.groups) {
    BATON_RETURN_IF_ERROR(g.config.Validate());
    for (const failover::MemberConfig& m : g.config.members) {
      if (m.node == options.node && !g.adapters.contains(m.name)) {
        return Status::InvalidArgument("group " + g.config.name + ": member " + m.name +
                                       " runs on this node but has no adapter");
      }
    }
    if (g.config.fencing_hook && !g.fence_hook) {
      return Status::InvalidArgument("group " + g.config.name + ": fencing hook missing");
    }
    tick = std::min(tick, g.config.drift_margin / 2);
  }
  int local_members = 0;
  for (const GroupSetup& g : options.groups) local_members += static_cast<int>(g.adapters.size());
  std::unique_ptr<FailoverService> service(new FailoverService(
      loop, logger, metrics, std::max(1, options.worker_threads), local_members));
  service->node_ = options.node;
  FailoverService* self = service.get();
  const bool wants_watchdog =
      std::any_of(options.groups.begin(), options.groups.end(),
                  [](const GroupSetup& g) { return !g.watchdog_fence.empty(); });
  if (wants_watchdog && !options.watchdog_argv.empty()) {
    BATON_ASSIGN_OR_RETURN(self->watchdog_, adapters::WatchdogClient::Start(options.watchdog_argv,
                                                                            options.watchdog_log));
    logger.Log(LogLevel::kInfo,
               "failover: watchdog started (pid " + std::to_string(self->watchdog_->pid()) + ")");
  }
  for (GroupSetup& g : options.groups) {
    const std::string name = g.config.name;
    GroupDriverContext context{
        loop,
        logger,
        self->pool_,
        local,
        writer,
        options.node,
        [&raft] { return raft.leading(); },
        [&raft] { return Voters(raft); },
        [self](const failover::Timeline& t) { self->OnTimeline(t); },
        [self](const failover::ServingChange& s) { self->OnServingChange(s); },
        [self, name] { self->OnGroupChange(name); },
        options.observe_interval,
        self->watchdog_.get(),
        &self->watchdog_pool_,
        &self->gone_pool_,
        &self->notify_pool_};
    self->groups_[name] = std::make_unique<GroupDriver>(std::move(context), std::move(g));
  }
  for (auto& [name, driver] : self->groups_) {
    self->OnGroupChange(name);
    driver->Start();
  }
  if (!options.remote_checks.empty()) {
    self->remote_ = std::make_unique<RemoteObserver>(
        loop, std::move(options.remote_checks),
        [self](const std::string& group, const std::string& member, detect::Health health,
               Instant at) { self->OnHealth(group, member, health, at); });
  }
  self->tick_timer_ = loop.RunEvery(tick, [self] { self->Tick(); });
  self->gap_timer_ = loop.WatchSchedulingGaps(tick, tick, [self](const net::SchedulingGap& gap) {
    for (auto& [name, driver] : self->groups_)
      driver->OnSchedulingGap(gap.actual, self->loop_.Now());
  });
  return service;
}

FailoverService::~FailoverService() {
  remote_.reset();
  tick_timer_.Cancel();
  gap_timer_.Cancel();
  groups_.clear();
}

void FailoverService::Tick() {
  const Instant now = loop_.Now();
  for (auto& [name, driver] : groups_) driver->Tick(now);
}

void FailoverService::OnHealth(const std::string& group, const std::string& member,
                               detect::Health health, Instant now) {
  if (GroupDriver* g = this->group(group)) g->OnHealth(member, health, now);
}

void FailoverService::OnPeerSuspected(const std::string& node, bool suspected, Instant now) {
  for (auto& [name, g] : groups_) g->OnPeerSuspected(node, suspected, now);
}

GroupDriver* FailoverService::group(const std::string& name) {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second.get();
}

std::vector<std::string> FailoverService::group_names() const {
  std::vector<std::string> names;
  for (const auto& [name, driver] : groups_) names.push_back(name);
  return names;
}

void FailoverService::OnGroupChange(const std::string& name) {
  const failover::Topology topology = groups_.at(name)->Topology();
  if (topology.mode == failover::GroupMode::kActiveActive) {
    const admin::MetricLabels group = {{"group", name}};
    metrics_.AddGauge("baton_serving_members", "Members in the active-active serving set.", group)
        .Set(static_cast<double>(topology.serving.size()));
    metrics_.AddGauge("baton_serving_epoch", "Epoch of the active-active serving set.", group)
        .Set(static_cast<double>(topology.epoch));
  }
  feed_.Publish(topology);
}

void FailoverService::OnServingChange(const failover::ServingChange& s) {
  auto count = [&](const char* change, size_t n) {
    metrics_
        .AddCounter("baton_serving_changes_total",
                    "Members that joined or left an active-active serving set.",
                    {{"group", s.group}, {"change", change}})
        .Increment(static_cast<double>(n));
  };
  count("join", s.joined.size());
  count("leave", s.left.size());
}

void FailoverService::OnTimeline(const failover::Timeline& t) {
  const admin::MetricLabels group = {{"group", t.group}};
  if (t.detected && t.confirmed) {
    metrics_
        .AddHistogram("baton_failover_detect_seconds",
                      "Time from the first evidence of a failure to the decision to act.",
                      kSecondsBuckets, group)
        .Observe((*t.confirmed - *t.detected).seconds());
  }
  if (std::optional<Duration> recover = t.TimeToRecover()) {
    metrics_
        .AddHistogram("baton_failover_recover_seconds",
                      "Time from the first evidence of a failure to the new primary serving.",
                      kSecondsBuckets, group)
        .Observe(recover->seconds());
  }
  if (t.outcome == "+switch-primary") {
    metrics_
        .AddCounter("baton_failovers_total", "Completed failovers and switchovers by cause.",
                    {{"group", t.group}, {"cause", t.cause}})
        .Increment();
  }
}

}  // namespace baton::agent
