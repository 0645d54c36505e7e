// RestartPolicy: local supervision of one member, as a pure decision
// (systemd's Restart= with StartLimitBurst, plus exponential backoff).
//
// The agent calls OnStarted(now) when the member's process is running and
// OnFailure(now, reason) when it exits or its liveness check turns
// unhealthy. OnFailure answers when to restart it:
//  - backoff = min(initial_backoff x multiplier^k, max_backoff) where k counts
//    the failures since the last stable run; a run of at least
//    `stable_after` (OnStarted to OnFailure) resets k to 0;
//  - at most `max_restarts` restarts are granted within any `budget_window`;
//    a failure beyond that marks the member crash-looping ("+crash-loop")
//    and no restart is granted until ClearCrashLoop() ("-crash-loop").
// Each granted restart queues a "+restart" event. Time is passed in;
// nothing here reads a clock. Not thread-safe.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "detect/event.h"

namespace baton::detect {

struct RestartConfig {
  // Wait before the first restart after a stable run. Default 1s.
  Duration initial_backoff = Duration::Seconds(1);
  // Cap on the wait. Bounds recovery time once the cause is gone. Default 60s.
  Duration max_backoff = Duration::Seconds(60);
  // Growth of the wait per consecutive failure (>= 1; 1 = constant wait).
  // Default 2.
  double multiplier = 2.0;
  // A run at least this long counts as stable and resets the backoff.
  // Default 60s.
  Duration stable_after = Duration::Seconds(60);
  // Restarts granted within any budget_window before giving up. Default 5.
  int max_restarts = 5;
  // Default 10 minutes.
  Duration budget_window = Duration::Seconds(600);

  // OK, or InvalidArgument naming the field out of range.
  Status Validate() const;
};

struct RestartDecision {
  bool restart = false;  // false: crash-looping, leave the member down
  Instant restart_at;    // when to start it again (now + backoff)
  Duration backoff;
  int attempt = 0;  // 1 for the first restart after a stable run
};

class RestartPolicy {
 public:
  // REQUIRES: config.Validate().ok().
  RestartPolicy(std::string member, const RestartConfig& config);

  // The member is running since `now`.
  void OnStarted(Instant now);

  // The member exited or failed its liveness check at `now`.
  RestartDecision OnFailure(Instant now, std::string_view reason);

  // An operator cleared the crash loop (after fixing the cause): the budget
  // and backoff start afresh. Queues "-crash-loop" if it was crash-looping.
  void ClearCrashLoop(Instant now);

  bool crash_looping() const { return crash_looping_; }
  // Failures since the last stable run.
  int consecutive_failures() const { return consecutive_failures_; }

  std::vector<Event> TakeEvents();

 private:
  Duration BackoffFor(int failures_before) const;

  const std::string member_;
  const RestartConfig config_;
  std::optional<Instant> running_since_;
  int consecutive_failures_ = 0;
  std::deque<Instant> granted_;  // restarts granted within the budget window
  bool crash_looping_ = false;
  std::vector<Event> events_;
};

}  // namespace baton::detect
