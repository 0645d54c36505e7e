#include "agent/health_service.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "agent/http_json.h"

namespace baton::agent {
namespace {

using nlohmann::json;

// Recent events kept for /v1/status.
constexpr size_t kEventHistory = 64;
// Bytes of a check's output kept in the store record.
constexpr size_t kOutputLimit = 256;

int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double HealthValue(detect::Health health) {
  switch (health) {
    case detect::Health::kHealthy:
      return 1;
    case detect::Health::kUnhealthy:
      return 0;
    case detect::Health::kUnknown:
      break;
  }
  return -1;
}

// The file's content without its trailing newline.
Result<std::string> ReadPassword(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path + ": cannot read the password file");
  std::ostringstream text;
  text << in.rdbuf();
  std::string password = text.str();
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  return password;
}

Status FillPassword(const config::CheckSpec& check, probe::ProbeSpec* spec) {
  if (check.password_file.empty()) return Status::Ok();
  BATON_ASSIGN_OR_RETURN(std::string password, ReadPassword(check.password_file));
  if (auto* redis = std::get_if<probe::RedisSpec>(spec)) redis->password = password;
  if (auto* pg = std::get_if<probe::PostgresSpec>(spec)) pg->password = password;
  return Status::Ok();
}

json CheckJson(const CheckView& c) {
  json j = {{"name", c.name},
            {"kind", detect::CheckKindName(c.kind)},
            {"state", detect::HealthName(c.health)},
            {"ok", nullptr},
            {"output", ""},
            {"latency_ms", nullptr},
            {"at_ms", nullptr}};
  if (c.last) {
    j["ok"] = c.last->ok;
    j["output"] = c.last->output.substr(0, kOutputLimit);
    j["latency_ms"] = static_cast<double>(c.last->latency.micros()) / 1000.0;
    j["at_ms"] = c.at_ms;
  }
  return j;
}

}  // namespace

Result<std::unique_ptr<HealthService>> HealthService::Create(net::EventLoop& loop, Logger& logger,
                                                             admin::MetricsRegistry& metrics,
                                                             RaftServer& raft,
                                                             HealthServiceOptions options) {
  if (options.worker_threads == 0) {
    int checks = 0;
    for (const config::GroupSpec& group : options.groups) {
      for (const failover::MemberConfig& member : group.group.members) {
        const config::MemberSpec* spec = group.FindMember(member.name);
        if (member.node == options.node && spec) checks += static_cast<int>(spec->checks.size());
      }
    }
    options.worker_threads = std::clamp(checks, 2, 8);
  }
  std::unique_ptr<HealthService> service(
      new HealthService(loop, logger, metrics, raft, std::move(options)));
  for (const config::GroupSpec& group : service->options_.groups) {
    for (const failover::MemberConfig& member : group.group.members) {
      if (member.node != service->options_.node) continue;
      const config::MemberSpec* spec = group.FindMember(member.name);
      if (spec == nullptr) continue;
      BATON_RETURN_IF_ERROR(service->AddMember(group.group, member, *spec));
    }
  }
  HealthService* self = service.get();
  service->refresh_timer_ = loop.RunEvery(service->options_.refresh, [self] {
    for (const auto& member : self->members_) self->Publish(*member);
  });
  for (const auto& member : service->members_) service->Reassess(*member);
  return service;
}

HealthService::HealthService(net::EventLoop& loop, Logger& logger, admin::MetricsRegistry& metrics,
                             RaftServer& raft, HealthServiceOptions options)
    : loop_(loop),
      logger_(logger),
      metrics_(metrics),
      raft_(raft),
      options_(std::move(options)),
      rng_(static_cast<uint64_t>(WallMillis())),
      pool_(loop, options_.worker_threads),
      scheduler_(std::make_unique<probe::ProbeScheduler>(
          loop, pool_, rng_, [this](const probe::CheckReport& report) { OnReport(report); })) {}

HealthService::~HealthService() {
  refresh_timer_.Cancel();
  scheduler_.reset();
  members_.clear();  // supervisors kill their processes
}

Status HealthService::AddMember(const failover::GroupConfig& group,
                                const failover::MemberConfig& config,
                                const config::MemberSpec& spec) {
  auto member = std::make_unique<Member>();
  member->group = group.name;
  member->name = config.name;
  member->cold = config.standby == failover::StandbyKind::kCold;
  member->since_ms = WallMillis();
  const admin::MetricLabels member_labels = {{"group", group.name}, {"member", config.name}};
  for (const config::CheckSpec& check : spec.checks) {
    probe::ProbeSpec probe = check.probe;
    BATON_RETURN_IF_ERROR(FillPassword(check, &probe));
    Check c;
    c.name = check.name;
    c.key = group.name + "/" + config.name + "/" + check.name;
    c.kind = check.config.kind;
    admin::MetricLabels labels = member_labels;
    labels.emplace_back("check", check.name);
    c.state_gauge = &metrics_.AddGauge("baton_check_state",
                                       "Check health: 1 healthy, 0 unhealthy, -1 unknown", labels);
    c.state_gauge->Set(-1);
    c.latency_gauge = &metrics_.AddGauge("baton_check_latency_seconds",
                                         "Latency of the check's last probe", labels);
    by_check_[c.key] = {member.get(), member->checks.size()};
    member->checks.push_back(std::move(c));
    scheduler_->Add(member->checks.back().key, check.config, std::move(probe));
  }
  if (spec.supervise) {
    Member* m = member.get();
    member->supervisor = std::make_unique<supervise::Supervisor>(
        loop_, *spec.supervise, [this, m](const detect::Event& e) { OnSupervisorEvent(*m, e); });
  }
  Member* m = member.get();
  members_.push_back(std::move(member));
  if (m->supervisor && !m->cold) {
    // A spawn error is reported as "+start-failed" and handled by the policy.
    (void)m->supervisor->Start();
  }
  return Status::Ok();
}

void HealthService::OnMemberHealth(HealthFn fn) {
  on_health_ = std::move(fn);
  if (!on_health_) return;
  for (const auto& member : members_) {
    if (member->health != detect::Health::kUnknown) {
      on_health_(member->group, member->name, member->health, loop_.Now());
    }
  }
}

void HealthService::OnReport(const probe::CheckReport& report) {
  auto it = by_check_.find(report.check);
  if (it == by_check_.end()) return;
  Member& member = *it->second.first;
  Check& check = member.checks[it->second.second];
  check.at_ms = WallMillis();
  for (const detect::Event& event : report.events) Record(event);
  check.state_gauge->Set(HealthValue(report.health));
  if (const detect::CheckState* state = scheduler_->Find(check.key)) {
    check.latency_gauge->Set(state->last_latency().seconds());
  }
  if (report.kind == detect::CheckKind::kLiveness &&
      report.transition == detect::Transition::kChanged &&
      report.health == detect::Health::kUnhealthy && member.supervisor) {
    const detect::CheckState* state = scheduler_->Find(check.key);
    member.supervisor->OnLivenessFailed(
        "liveness check " + check.name + " failed" +
        (state && state->last_result() ? ": " + state->last_result()->output : ""));
  }
  if (report.transition == detect::Transition::kChanged) Reassess(member);
}

void HealthService::OnSupervisorEvent(Member& member, const detect::Event& event) {
  Record(event);
  if (event.name == "+started" && member.supervisor->starts() > 1) {
    // A new process: its checks start afresh, with their start period.
    for (const Check& check : member.checks) scheduler_->Reset(check.key);
  }
  Reassess(member);
}

void HealthService::Record(const detect::Event& event) {
  static const std::set<std::string_view> kWarnings = {
      "+unhealthy", "+member-unhealthy", "+exited", "+start-failed", "+restart", "+crash-loop"};
  logger_.Log(kWarnings.contains(event.name) ? LogLevel::kWarn : LogLevel::kInfo, event.ToString());
  events_.push_back(event);
  while (events_.size() > kEventHistory) events_.pop_front();
}

detect::Health HealthService::Judge(const Member& member) const {
  bool all_healthy = true;
  if (member.supervisor) {
    const supervise::ProcessState state = member.supervisor->state();
    if (!member.supervisor->healthy()) return detect::Health::kUnhealthy;
    if (state != supervise::ProcessState::kRunning) {
      const bool never_started = member.cold && member.supervisor->starts() == 0;
      return never_started ? detect::Health::kUnknown : detect::Health::kUnhealthy;
    }
  }
  for (const Check& check : member.checks) {
    const detect::CheckState* state = scheduler_->Find(check.key);
    const detect::Health health = state ? state->health() : detect::Health::kUnknown;
    if (health == detect::Health::kUnhealthy) return detect::Health::kUnhealthy;
    all_healthy = all_healthy && health == detect::Health::kHealthy;
  }
  if (member.checks.empty() && !member.supervisor) return detect::Health::kUnknown;
  return all_healthy ? detect::Health::kHealthy : detect::Health::kUnknown;
}

void HealthService::Reassess(Member& member) {
  const detect::Health health = Judge(member);
  if (health != member.health) {
    member.health = health;
    member.since_ms = WallMillis();
    metrics_
        .AddGauge("baton_member_health", "Member health: 1 healthy, 0 unhealthy, -1 unknown",
                  {{"group", member.group}, {"member", member.name}})
        .Set(HealthValue(health));
    Record({health == detect::Health::kUnhealthy ? "+member-unhealthy" : "+member-health",
            member.group + "/" + member.name,
            loop_.Now(),
            {{"health", std::string(detect::HealthName(health))}}});
    if (on_health_) on_health_(member.group, member.name, health, loop_.Now());
  }
  Publish(member);
}

MemberView HealthService::View(const Member& member) const {
  MemberView view;
  view.group = member.group;
  view.member = member.name;
  view.health = member.health;
  view.since_ms = member.since_ms;
  for (const Check& check : member.checks) {
    CheckView c;
    c.name = check.name;
    c.kind = check.kind;
    c.at_ms = check.at_ms;
    if (const detect::CheckState* state = scheduler_->Find(check.key)) {
      c.health = state->health();
      c.last = state->last_result();
    }
    view.checks.push_back(std::move(c));
  }
  if (member.supervisor) {
    view.supervised = true;
    view.process = member.supervisor->state();
    view.pid = member.supervisor->pid();
    view.starts = member.supervisor->starts();
  }
  return view;
}

std::vector<MemberView> HealthService::Members() const {
  std::vector<MemberView> views;
  for (const auto& member : members_) views.push_back(View(*member));
  return views;
}

supervise::Supervisor* HealthService::FindSupervisor(const std::string& group,
                                                     const std::string& member) {
  for (const auto& m : members_) {
    if (m->group == group && m->name == member) return m->supervisor.get();
  }
  return nullptr;
}

void HealthService::Publish(const Member& member) {
  const MemberView view = View(member);
  json checks = json::array();
  for (const CheckView& c : view.checks) checks.push_back(CheckJson(c));
  json process = nullptr;
  if (view.supervised) {
    process = {{"state", supervise::ProcessStateName(view.process)},
               {"pid", view.pid},
               {"starts", view.starts}};
  }
  const json record = {{"node", options_.node},     {"group", view.group},
                       {"member", view.member},     {"health", detect::HealthName(view.health)},
                       {"since_ms", view.since_ms}, {"updated_ms", WallMillis()},
                       {"process", process},        {"checks", checks}};
  const std::string key = "/baton/health/" + options_.node + "/" + view.group + "/" + view.member;
  raft_.PublishHealth(key, Dump(record));
}

}  // namespace baton::agent
