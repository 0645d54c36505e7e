#include "probe/probe_scheduler.h"

#include <algorithm>
#include <utility>

#include "core/check.h"

namespace baton::probe {

ProbeScheduler::ProbeScheduler(net::EventLoop& loop, net::WorkerPool& pool, Rng& rng,
                               ReportFn on_report)
    : loop_(loop),
      pool_(pool),
      rng_(rng),
      on_report_(std::move(on_report)),
      alive_(std::make_shared<ProbeScheduler*>(this)) {}

ProbeScheduler::~ProbeScheduler() { timer_.Cancel(); }

void ProbeScheduler::Add(const std::string& name, const detect::CheckConfig& config,
                         ProbeSpec spec) {
  BATON_CHECK(!checks_.contains(name)) << "check " << name << " added twice";
  Check& check = checks_[name];
  check.prober = std::make_unique<Prober>(pool_, std::move(spec));
  check.state = std::make_unique<detect::CheckState>(name, config, rng_, loop_.Now());
  check.generation = next_generation_++;
  OnWake();
}

void ProbeScheduler::Remove(const std::string& name) {
  checks_.erase(name);
  Rearm();
}

void ProbeScheduler::Reset(const std::string& name) {
  auto it = checks_.find(name);
  BATON_CHECK(it != checks_.end()) << "Reset of unknown check " << name;
  Check& check = it->second;
  const detect::CheckConfig config = check.state->config();
  check.state = std::make_unique<detect::CheckState>(name, config, rng_, loop_.Now());
  check.generation = next_generation_++;
  check.last_outcome.reset();
  OnWake();
}

const detect::CheckState* ProbeScheduler::Find(const std::string& name) const {
  auto it = checks_.find(name);
  return it == checks_.end() ? nullptr : it->second.state.get();
}

std::optional<ProbeOutcome> ProbeScheduler::LastOutcome(const std::string& name) const {
  auto it = checks_.find(name);
  return it == checks_.end() ? std::nullopt : it->second.last_outcome;
}

void ProbeScheduler::OnWake() {
  const Instant now = loop_.Now();
  // A report may add or remove checks; walk a snapshot of the names.
  std::vector<std::string> names;
  for (const auto& [name, check] : checks_) names.push_back(name);
  for (const std::string& name : names) {
    auto it = checks_.find(name);
    if (it == checks_.end()) continue;
    const uint64_t generation = it->second.generation;
    const uint64_t timeouts_before = it->second.state->stats().timeouts;
    detect::TickResult tick = it->second.state->Tick(now);
    if (it->second.state->stats().timeouts != timeouts_before) {
      Report(name, it->second, tick.transition, std::nullopt);
      it = checks_.find(name);  // the report may have removed or reset it
      if (it == checks_.end() || it->second.generation != generation) continue;
    }
    if (tick.probe) StartProbe(name, it->second, *tick.probe);
  }
  Rearm();
}

void ProbeScheduler::StartProbe(const std::string& name, Check& check,
                                const detect::ProbeRequest& request) {
  std::weak_ptr<ProbeScheduler*> alive = alive_;
  check.prober->Probe(request.deadline - request.start, [alive, name, generation = check.generation,
                                                         id = request.id](ProbeOutcome outcome) {
    if (auto self = alive.lock()) {
      (*self)->OnOutcome(name, generation, id, std::move(outcome));
    }
  });
}

void ProbeScheduler::OnOutcome(const std::string& name, uint64_t generation, uint64_t probe_id,
                               ProbeOutcome outcome) {
  auto it = checks_.find(name);
  if (it == checks_.end() || it->second.generation != generation) return;
  Check& check = it->second;
  const uint64_t late_before = check.state->stats().late_results;
  const detect::Transition transition =
      check.state->OnResult(probe_id, outcome.result, loop_.Now());
  if (check.state->stats().late_results == late_before) {
    check.last_outcome = outcome;
    Report(name, check, transition, std::move(outcome));
  }
  Rearm();
}

void ProbeScheduler::Report(const std::string& name, Check& check, detect::Transition transition,
                            std::optional<ProbeOutcome> outcome) {
  CheckReport report{.check = name,
                     .kind = check.state->config().kind,
                     .transition = transition,
                     .health = check.state->health(),
                     .events = check.state->TakeEvents(),
                     .outcome = std::move(outcome)};
  on_report_(report);
}

void ProbeScheduler::Rearm() {
  timer_.Cancel();
  if (checks_.empty()) return;
  Instant wake = checks_.begin()->second.state->NextWakeup();
  for (const auto& [name, check] : checks_) wake = std::min(wake, check.state->NextWakeup());
  const Duration delay = std::max(wake - loop_.Now(), Duration::Zero());
  timer_ = loop_.RunAfter(delay, [this] { OnWake(); });
}

}  // namespace baton::probe
