// ProbeScheduler: drives a set of health checks on the agent's EventLoop.
//
// Each check is a detect::CheckState (the judgement: rise/fall, timeouts,
// jitter, start period) plus a Prober (the I/O). The scheduler keeps one
// loop timer armed at the earliest CheckState::NextWakeup(); when it fires
// it ticks every check, starts the probes they ask for, and feeds each
// outcome back with OnResult when it arrives. After every result or probe
// timeout it calls `on_report` with the check's transition, health, events
// ("+healthy", "+unhealthy", "-unhealthy") and the probe's outcome (role,
// position, exec output...), so the agent can act by check kind: restart on
// liveness, routing on readiness, promotion gating on deep checks.
//
// A check that times out in CheckState is reported without an outcome; the
// worker's late outcome is then dropped (CheckState counts it).
//
// Thread-safety: loop thread only, including construction and destruction.
// REQUIRES: the loop, the pool and the rng outlive the scheduler.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "detect/check_config.h"
#include "detect/check_state.h"
#include "detect/event.h"
#include "net/event_loop.h"
#include "net/worker_pool.h"
#include "probe/probe_spec.h"
#include "probe/prober.h"

namespace baton::probe {

struct CheckReport {
  std::string check;  // the name given to Add
  detect::CheckKind kind = detect::CheckKind::kReadiness;
  detect::Transition transition = detect::Transition::kUnchanged;
  detect::Health health = detect::Health::kUnknown;
  std::vector<detect::Event> events;    // queued by this result, oldest first
  std::optional<ProbeOutcome> outcome;  // nullopt: the probe timed out
};

class ProbeScheduler {
 public:
  using ReportFn = std::function<void(const CheckReport&)>;

  ProbeScheduler(net::EventLoop& loop, net::WorkerPool& pool, Rng& rng, ReportFn on_report);
  ~ProbeScheduler();
  ProbeScheduler(const ProbeScheduler&) = delete;
  ProbeScheduler& operator=(const ProbeScheduler&) = delete;

  // Starts check `name` now (its start period begins, its first probe is due
  // within `config.jitter`). REQUIRES: config.Validate().ok(),
  // Validate(spec).ok(), and no check of that name.
  void Add(const std::string& name, const detect::CheckConfig& config, ProbeSpec spec);
  // Stops check `name`; its probe in flight is dropped. No-op if unknown.
  void Remove(const std::string& name);
  // Starts check `name` afresh (health unknown, start period again), e.g.
  // after its target restarted. The probe in flight is dropped.
  // REQUIRES: the check exists.
  void Reset(const std::string& name);

  // The check's state, or nullptr if unknown. Valid until the next call that
  // changes the set of checks or resets this one.
  const detect::CheckState* Find(const std::string& name) const;
  // The latest probe outcome of check `name`, if any.
  std::optional<ProbeOutcome> LastOutcome(const std::string& name) const;

 private:
  struct Check {
    std::unique_ptr<Prober> prober;
    std::unique_ptr<detect::CheckState> state;
    uint64_t generation = 0;  // bumped on Reset: older completions are dropped
    std::optional<ProbeOutcome> last_outcome;
  };

  void OnWake();
  void StartProbe(const std::string& name, Check& check, const detect::ProbeRequest& request);
  void OnOutcome(const std::string& name, uint64_t generation, uint64_t probe_id,
                 ProbeOutcome outcome);
  void Report(const std::string& name, Check& check, detect::Transition transition,
              std::optional<ProbeOutcome> outcome);
  void Rearm();

  net::EventLoop& loop_;
  net::WorkerPool& pool_;
  Rng& rng_;
  ReportFn on_report_;
  std::map<std::string, Check> checks_;
  uint64_t next_generation_ = 1;
  net::TimerHandle timer_;
  std::shared_ptr<ProbeScheduler*> alive_;
};

}  // namespace baton::probe
