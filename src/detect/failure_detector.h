// FailureDetector: judges whether a peer that should send heartbeats has
// crashed, from the arrival times of its heartbeats alone. Pure: arrivals and
// the current time are passed in; nothing here reads a clock.
//
// Before the first heartbeat a detector never suspects (suspicion 0); a
// caller that must suspect a peer it has never heard from records a virtual
// first heartbeat when it starts watching (PeerMonitor does). Arrival and
// query times must not go backwards relative to the last arrival.
// Not thread-safe.
#pragma once

#include <memory>

#include "core/time.h"

namespace baton::detect {

class FailureDetector {
 public:
  virtual ~FailureDetector() = default;

  // A heartbeat arrived at `arrival`. REQUIRES: arrival >= the last arrival.
  virtual void Heartbeat(Instant arrival) = 0;

  // How strongly the peer is suspected at `now` (>= 0, grows with silence).
  // The scale is the detector's own: missed intervals for FixedDetector,
  // phi for PhiAccrualDetector.
  virtual double Suspicion(Instant now) const = 0;

  // Whether Suspicion(now) has reached the detector's threshold.
  virtual bool Suspected(Instant now) const = 0;

  // The first instant at which Suspected() turns true if no further
  // heartbeat arrives; Instant::FromNanos(INT64_MAX) before the first
  // heartbeat. Lets a driver arm one timer instead of polling.
  virtual Instant SuspectAt() const = 0;
};

using FailureDetectorPtr = std::unique_ptr<FailureDetector>;

}  // namespace baton::detect
