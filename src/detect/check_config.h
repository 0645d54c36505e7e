// CheckConfig: how one health check of one target is run and judged. An
// immutable value; Validate() must return OK before a CheckState is built
// from it. docs/detection.md explains every field and its trade-off.
#pragma once

#include <string_view>

#include "core/status.h"
#include "core/time.h"

namespace baton::detect {

// What a check's verdict is used for. The check state machine treats every
// kind alike; the agent acts on the verdict by kind.
enum class CheckKind {
  kLiveness,   // is the process alive? unhealthy => restart it (RestartPolicy)
  kReadiness,  // may it serve clients? unhealthy => take it out of routing
  kDeep,       // is its data usable (replication running, lag bounded)? gates promotion
};

std::string_view CheckKindName(CheckKind kind);

struct CheckConfig {
  CheckKind kind = CheckKind::kReadiness;

  // Time from one probe's start to the next probe's start (before jitter).
  // Shorter detects faster but loads the target more. Default 1s.
  Duration interval = Duration::Seconds(1);

  // A probe without a result this long after its start counts as a failure
  // at that instant; a later result is ignored. Must be < interval, so at
  // most one probe is ever in flight. Default 500ms.
  Duration timeout = Duration::Millis(500);

  // Consecutive successes that turn an unhealthy target healthy. Higher
  // avoids flapping back too early but delays recovery. Default 2.
  int rise = 2;

  // Consecutive failures that turn a healthy target unhealthy. Higher
  // tolerates transient errors but delays detection by (fall-1) intervals.
  // Default 3.
  int fall = 3;

  // Each next probe is due `interval + U[0, jitter]` after the current one
  // (the first one after U[0, jitter]); spreads the probes of many targets
  // so they do not fire in lockstep. 0 disables. Must be <= interval.
  // Default 100ms.
  Duration jitter = Duration::Millis(100);

  // Grace time after the check starts (or is Reset) during which failures
  // are ignored, for targets that take long to start; the first success ends
  // it early. 0 disables. Default 0.
  Duration start_period = Duration::Zero();

  // OK, or InvalidArgument naming the first field that is out of range.
  Status Validate() const;
};

}  // namespace baton::detect
