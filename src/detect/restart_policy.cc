#include "detect/restart_policy.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include "core/check.h"

namespace baton::detect {

Status RestartConfig::Validate() const {
  if (initial_backoff < Duration::Zero()) {
    return Status::InvalidArgument("restart initial_backoff must be >= 0, got " +
                                   initial_backoff.ToString());
  }
  if (max_backoff < initial_backoff) {
    return Status::InvalidArgument("restart max_backoff (" + max_backoff.ToString() +
                                   ") must be >= initial_backoff (" + initial_backoff.ToString() +
                                   ")");
  }
  if (!(multiplier >= 1.0)) {
    return Status::InvalidArgument("restart multiplier must be >= 1, got " +
                                   std::to_string(multiplier));
  }
  if (stable_after <= Duration::Zero()) {
    return Status::InvalidArgument("restart stable_after must be > 0, got " +
                                   stable_after.ToString());
  }
  if (max_restarts < 1) {
    return Status::InvalidArgument("restart max_restarts must be >= 1, got " +
                                   std::to_string(max_restarts));
  }
  if (budget_window <= Duration::Zero()) {
    return Status::InvalidArgument("restart budget_window must be > 0, got " +
                                   budget_window.ToString());
  }
  return Status::Ok();
}

RestartPolicy::RestartPolicy(std::string member, const RestartConfig& config)
    : member_(std::move(member)), config_(config) {
  const Status valid = config_.Validate();
  BATON_CHECK(valid.ok()) << "RestartPolicy for " << member_ << ": " << valid.ToString();
}

void RestartPolicy::OnStarted(Instant now) { running_since_ = now; }

RestartDecision RestartPolicy::OnFailure(Instant now, std::string_view reason) {
  if (running_since_ && now - *running_since_ >= config_.stable_after) consecutive_failures_ = 0;
  running_since_.reset();
  if (crash_looping_) return RestartDecision{};

  while (!granted_.empty() && now - granted_.front() >= config_.budget_window) {
    granted_.pop_front();
  }
  if (static_cast<int>(granted_.size()) >= config_.max_restarts) {
    crash_looping_ = true;
    events_.push_back(Event{.name = "+crash-loop",
                            .target = member_,
                            .time = now,
                            .fields = {{"restarts", std::to_string(granted_.size())},
                                       {"window", config_.budget_window.ToString()},
                                       {"reason", std::string(reason)}}});
    return RestartDecision{};
  }

  const Duration backoff = BackoffFor(consecutive_failures_);
  ++consecutive_failures_;
  granted_.push_back(now);
  events_.push_back(Event{.name = "+restart",
                          .target = member_,
                          .time = now,
                          .fields = {{"attempt", std::to_string(consecutive_failures_)},
                                     {"backoff", backoff.ToString()},
                                     {"reason", std::string(reason)}}});
  return RestartDecision{.restart = true,
                         .restart_at = now + backoff,
                         .backoff = backoff,
                         .attempt = consecutive_failures_};
}

void RestartPolicy::ClearCrashLoop(Instant now) {
  granted_.clear();
  consecutive_failures_ = 0;
  if (!std::exchange(crash_looping_, false)) return;
  events_.push_back(Event{.name = "-crash-loop", .target = member_, .time = now, .fields = {}});
}

std::vector<Event> RestartPolicy::TakeEvents() { return std::exchange(events_, {}); }

Duration RestartPolicy::BackoffFor(int failures_before) const {
  const double max_ns = static_cast<double>(config_.max_backoff.nanos());
  const double ns = static_cast<double>(config_.initial_backoff.nanos()) *
                    std::pow(config_.multiplier, failures_before);
  return ns >= max_ns ? config_.max_backoff : Duration::Nanos(static_cast<int64_t>(ns));
}

}  // namespace baton::detect
