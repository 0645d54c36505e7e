#include "agent/failover_service_remote.h"

#include <algorithm>
#include <variant>

namespace baton::agent {
namespace {

bool Reachable(const config::CheckSpec& check) {
  return check.config.kind == detect::CheckKind::kReadiness && check.password_file.empty() &&
         !std::holds_alternative<probe::ExecSpec>(check.probe);
}

}  // namespace

std::vector<RemoteCheck> RemoteChecksFromConfig(const config::AgentConfig& config) {
  std::vector<RemoteCheck> checks;
  for (const config::GroupSpec& group : config.groups) {
    for (const failover::MemberConfig& m : group.group.members) {
      if (m.node == config.node.name) continue;
      const config::MemberSpec* spec = group.FindMember(m.name);
      if (!spec) continue;
      RemoteCheck check;
      check.group = group.group.name;
      check.member = m.name;
      auto reachable = std::find_if(spec->checks.begin(), spec->checks.end(), Reachable);
      if (reachable != spec->checks.end()) {
        check.config = reachable->config;
        check.spec = reachable->probe;
      } else if (spec->adapter.kind == "redis") {
        std::optional<config::HostPort> address = config::ParseHostPort(m.address);
        if (!address) continue;
        if (!spec->checks.empty()) check.config = spec->checks.front().config;
        check.config.kind = detect::CheckKind::kReadiness;
        check.spec = probe::TcpSpec{address->host, address->port};
      } else {
        continue;
      }
      checks.push_back(std::move(check));
    }
  }
  return checks;
}

RemoteObserver::RemoteObserver(net::EventLoop& loop, std::vector<RemoteCheck> checks,
                               HealthFn on_health)
    : loop_(loop),
      on_health_(std::move(on_health)),
      rng_(static_cast<uint64_t>(loop.Now().nanos())),
      // A hung target delays only its own probe (up to 8 at once).
      pool_(loop, std::clamp(static_cast<int>(checks.size()), 1, 8)),
      checks_(std::move(checks)) {
  scheduler_ = std::make_unique<probe::ProbeScheduler>(
      loop_, pool_, rng_, [this](const probe::CheckReport& report) {
        const RemoteCheck& check = checks_.at(std::stoul(report.check));
        if (report.health != detect::Health::kUnknown) {
          on_health_(check.group, check.member, report.health, loop_.Now());
        }
      });
  for (size_t i = 0; i < checks_.size(); ++i) {
    scheduler_->Add(std::to_string(i), checks_[i].config, checks_[i].spec);
  }
}

RemoteObserver::~RemoteObserver() { scheduler_.reset(); }

}  // namespace baton::agent
