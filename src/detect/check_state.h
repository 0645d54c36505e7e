// CheckState: the health of one check of one target, as a pure state machine
// (envoy's per-host health check session, without timers or sockets).
//
// The driver calls Tick(now) whenever time moves (at least at NextWakeup());
// Tick returns a ProbeRequest when a probe is due. The driver runs the probe
// (an exec hook, a Redis PING, a SQL query) and hands the outcome back with
// OnResult(probe_id, result, now). Nothing here reads a clock or does I/O;
// jitter comes from the injected Rng.
//
// Judgement (see docs/detection.md):
//  - The first counted result decides the initial health (kUnknown before).
//  - Then `fall` consecutive failures turn a healthy target unhealthy and
//    `rise` consecutive successes turn an unhealthy one healthy; a success
//    resets the failure run and a failure resets the success run.
//  - A probe with no result strictly before start + timeout is a failure at
//    that deadline; a result arriving later is ignored and counted.
//  - Until start_period has passed since construction, failures are not
//    counted; the first success ends the start period.
// Health changes are queued as Events ("+healthy" for a first success,
// "+unhealthy" on entering unhealthy, "-unhealthy" on leaving it).
//
// A restarted target gets a new CheckState. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"
#include "core/time.h"
#include "detect/check_config.h"
#include "detect/event.h"

namespace baton::detect {

enum class Health { kUnknown, kHealthy, kUnhealthy };
std::string_view HealthName(Health health);

// What one result did to the health (envoy's HealthTransition).
enum class Transition {
  kUnchanged,  // health is what it was and nothing is building up
  kChanged,    // health flipped (or was decided for the first time)
  kPending,    // a run toward flipping grew but has not reached rise/fall
};

// A probe the driver must start now. Ids start at 1 and increase.
struct ProbeRequest {
  uint64_t id = 0;
  std::string target;
  CheckKind kind = CheckKind::kReadiness;
  Instant start;     // the `now` of the Tick that asked for it
  Instant deadline;  // start + timeout: a result must arrive strictly before it
};

struct ProbeResult {
  bool ok = false;
  Duration latency;    // as measured by the prober
  std::string output;  // the probe's output, or its error text
};

// Counters for metrics; they only grow.
struct CheckStats {
  uint64_t probes_started = 0;
  uint64_t successes = 0;
  uint64_t failures = 0;          // includes timeouts and ignored failures
  uint64_t timeouts = 0;          // probes with no result by their deadline
  uint64_t late_results = 0;      // results for probes already timed out
  uint64_t ignored_failures = 0;  // failures during the start period
};

struct TickResult {
  std::optional<ProbeRequest> probe;               // start this probe now
  Transition transition = Transition::kUnchanged;  // from a probe that timed out
};

class CheckState {
 public:
  // Starts the check at `now`: the start period begins and the first probe is
  // due at now + U[0, jitter]. REQUIRES: config.Validate().ok(). `rng` must
  // outlive this object.
  CheckState(std::string target, const CheckConfig& config, Rng& rng, Instant now);

  CheckState(const CheckState&) = delete;
  CheckState& operator=(const CheckState&) = delete;

  // Moves time to `now` (REQUIRES: not before any earlier `now`). Fails the
  // in-flight probe if its deadline has passed, then asks for a new probe if
  // one is due and none is in flight.
  TickResult Tick(Instant now);

  // The outcome of probe `probe_id` (REQUIRES: an id this object returned),
  // received at `now`. Returns what it did to the health; a result for a
  // probe that has already timed out is ignored (kUnchanged, counted).
  Transition OnResult(uint64_t probe_id, const ProbeResult& result, Instant now);

  // The latest instant by which the driver must call Tick again: the
  // in-flight probe's deadline, else the next probe's due time.
  Instant NextWakeup() const;

  // Events queued since the last call, oldest first.
  std::vector<Event> TakeEvents();

  const std::string& target() const { return target_; }
  const CheckConfig& config() const { return config_; }
  Health health() const { return health_; }
  // The last result counted or ignored (a timeout appears as a failed result
  // with latency = timeout); nullopt before the first one.
  const std::optional<ProbeResult>& last_result() const { return last_result_; }
  Duration last_latency() const { return last_result_ ? last_result_->latency : Duration(); }
  int successes_in_row() const { return successes_in_row_; }
  int failures_in_row() const { return failures_in_row_; }
  bool in_start_period(Instant now) const { return in_start_period_ && now < start_period_end_; }
  const CheckStats& stats() const { return stats_; }

 private:
  void MoveClock(Instant now);
  Transition ExpireIfDue(Instant now);
  ProbeRequest StartProbe(Instant now);
  Transition Record(uint64_t probe_id, const ProbeResult& result, Instant at);
  void ChangeHealth(Health to, uint64_t probe_id, const ProbeResult& result, Instant at);

  const std::string target_;
  const CheckConfig config_;
  Rng& rng_;

  Instant now_;
  Instant next_due_;
  std::optional<ProbeRequest> in_flight_;
  uint64_t last_probe_id_ = 0;
  bool in_start_period_;
  Instant start_period_end_;

  Health health_ = Health::kUnknown;
  int successes_in_row_ = 0;
  int failures_in_row_ = 0;
  std::optional<ProbeResult> last_result_;
  CheckStats stats_;
  std::vector<Event> events_;
};

}  // namespace baton::detect
