#include "detect/check_state.h"

#include <utility>

#include "core/check.h"

namespace baton::detect {
namespace {

Duration DrawJitter(Rng& rng, Duration jitter) {
  if (jitter == Duration::Zero()) return Duration::Zero();
  return Duration::Nanos(rng.UniformInt(0, jitter.nanos()));
}

}  // namespace

std::string_view HealthName(Health health) {
  switch (health) {
    case Health::kUnknown:
      return "unknown";
    case Health::kHealthy:
      return "healthy";
    case Health::kUnhealthy:
      return "unhealthy";
  }
  return "invalid";
}

CheckState::CheckState(std::string target, const CheckConfig& config, Rng& rng, Instant now)
    : target_(std::move(target)),
      config_(config),
      rng_(rng),
      now_(now),
      in_start_period_(config.start_period > Duration::Zero()),
      start_period_end_(now + config.start_period) {
  const Status valid = config_.Validate();
  BATON_CHECK(valid.ok()) << "CheckState for " << target_ << ": " << valid.ToString();
  next_due_ = now + DrawJitter(rng_, config_.jitter);
}

TickResult CheckState::Tick(Instant now) {
  MoveClock(now);
  TickResult out;
  out.transition = ExpireIfDue(now);
  if (!in_flight_ && now >= next_due_) out.probe = StartProbe(now);
  return out;
}

Transition CheckState::OnResult(uint64_t probe_id, const ProbeResult& result, Instant now) {
  MoveClock(now);
  BATON_CHECK(probe_id >= 1 && probe_id <= last_probe_id_)
      << "result for probe " << probe_id << " of " << target_ << ", never requested";
  const Transition expired = ExpireIfDue(now);
  if (!in_flight_ || in_flight_->id != probe_id) {
    ++stats_.late_results;
    return expired;
  }
  in_flight_.reset();
  return Record(probe_id, result, now);
}

Instant CheckState::NextWakeup() const { return in_flight_ ? in_flight_->deadline : next_due_; }

std::vector<Event> CheckState::TakeEvents() { return std::exchange(events_, {}); }

void CheckState::MoveClock(Instant now) {
  BATON_CHECK(now >= now_) << "time went backwards for check " << target_;
  now_ = now;
}

Transition CheckState::ExpireIfDue(Instant now) {
  if (!in_flight_ || now < in_flight_->deadline) return Transition::kUnchanged;
  const ProbeRequest expired = *std::exchange(in_flight_, std::nullopt);
  ++stats_.timeouts;
  const ProbeResult timeout{.ok = false,
                            .latency = config_.timeout,
                            .output = "timeout after " + config_.timeout.ToString()};
  return Record(expired.id, timeout, expired.deadline);
}

ProbeRequest CheckState::StartProbe(Instant now) {
  ProbeRequest probe{.id = ++last_probe_id_,
                     .target = target_,
                     .kind = config_.kind,
                     .start = now,
                     .deadline = now + config_.timeout};
  next_due_ = now + config_.interval + DrawJitter(rng_, config_.jitter);
  in_flight_ = probe;
  ++stats_.probes_started;
  return probe;
}

Transition CheckState::Record(uint64_t probe_id, const ProbeResult& result, Instant at) {
  last_result_ = result;
  if (result.ok) {
    ++stats_.successes;
    in_start_period_ = false;
    failures_in_row_ = 0;
    ++successes_in_row_;
  } else {
    ++stats_.failures;
    if (in_start_period(at)) {
      ++stats_.ignored_failures;
      return Transition::kUnchanged;
    }
    in_start_period_ = false;
    successes_in_row_ = 0;
    ++failures_in_row_;
  }

  switch (health_) {
    case Health::kUnknown:
      ChangeHealth(result.ok ? Health::kHealthy : Health::kUnhealthy, probe_id, result, at);
      return Transition::kChanged;
    case Health::kHealthy:
      if (result.ok) return Transition::kUnchanged;
      if (failures_in_row_ < config_.fall) return Transition::kPending;
      ChangeHealth(Health::kUnhealthy, probe_id, result, at);
      return Transition::kChanged;
    case Health::kUnhealthy:
      if (!result.ok) return Transition::kUnchanged;
      if (successes_in_row_ < config_.rise) return Transition::kPending;
      ChangeHealth(Health::kHealthy, probe_id, result, at);
      return Transition::kChanged;
  }
  BATON_CHECK(false) << "invalid health for " << target_;
  return Transition::kUnchanged;
}

void CheckState::ChangeHealth(Health to, uint64_t probe_id, const ProbeResult& result, Instant at) {
  const Health from = std::exchange(health_, to);
  Event event;
  if (to == Health::kUnhealthy) {
    event.name = "+unhealthy";
  } else {
    event.name = from == Health::kUnknown ? "+healthy" : "-unhealthy";
  }
  event.target = target_;
  event.time = at;
  event.fields = {
      {"kind", std::string(CheckKindName(config_.kind))},
      {"from", std::string(HealthName(from))},
      {"probe", std::to_string(probe_id)},
      {"in_row", std::to_string(result.ok ? successes_in_row_ : failures_in_row_)},
      {"latency", result.latency.ToString()},
      {"output", result.output},
  };
  events_.push_back(std::move(event));
}

}  // namespace baton::detect
