// Prober: runs the probe of one ProbeSpec without blocking the EventLoop.
//
// Probe(timeout, done) hands the blocking work (connect, request, exec,
// hiredis, libpq) to the WorkerPool; the work returns by `timeout` (name
// resolution excepted: getaddrinfo cannot be interrupted) and `done` runs on
// the loop thread with the outcome. The outcome's latency is measured by the
// worker from the start of the work to its end. A probe never crashes on an
// operating error; it fails with the step in its output ("resolve: ...",
// "connect: ...: Connection refused", "exec: no such file: ...").
//
// Each probe holds one pool thread for up to its timeout: size the pool for
// the probes that may be in flight at once, or queued probes will reach their
// CheckState deadline before they start.
//
// RunProbe() is the same work, synchronously on the calling thread, for
// command-line tools and tests.
//
// Thread-safety: a Prober is used on the loop thread only. Destroying it
// drops the completions of its probes still in flight (their work finishes
// on the pool, their `done` never runs). REQUIRES: the pool outlives it.
#pragma once

#include <functional>
#include <memory>

#include "core/time.h"
#include "net/worker_pool.h"
#include "probe/probe_spec.h"

namespace baton::probe {

// Runs one probe on the calling thread; blocks for up to `timeout`.
// REQUIRES: Validate(spec).ok(), timeout > 0.
ProbeOutcome RunProbe(const ProbeSpec& spec, Duration timeout);

class Prober {
 public:
  // REQUIRES: Validate(spec).ok().
  Prober(net::WorkerPool& pool, ProbeSpec spec);
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // Starts one probe bounded by `timeout` (> 0); `done` runs on the loop
  // thread with its outcome, unless this Prober is destroyed first. Several
  // probes may be in flight at once.
  void Probe(Duration timeout, std::function<void(ProbeOutcome)> done);

  const ProbeSpec& spec() const { return spec_; }

 private:
  net::WorkerPool& pool_;
  const ProbeSpec spec_;
  // Completions hold a weak reference: expired once this Prober is gone.
  std::shared_ptr<const Prober*> alive_;
};

}  // namespace baton::probe
