// FixedDetector: suspects a peer once `missed` heartbeat intervals have
// passed since its last heartbeat (Sentinel's down-after-milliseconds,
// expressed in intervals). Suspicion is the silence in intervals. Simple and
// predictable; it cannot tell a long pause from a crash. See
// failure_detector.h for the interface contract.
#pragma once

#include <optional>

#include "core/status.h"
#include "detect/failure_detector.h"

namespace baton::detect {

struct FixedDetectorConfig {
  // The peer's heartbeat period. Default 100ms.
  Duration interval = Duration::Millis(100);
  // Intervals of silence before suspicion (fractions allowed). Lower detects
  // faster but turns every pause longer than (missed x interval) into a false
  // suspicion. Default 3.5: with 100ms heartbeats, survives 200ms pauses and
  // detects a crash within 364ms at p99 (docs/benchmarks.md).
  double missed = 3.5;

  // OK, or InvalidArgument: interval > 0, missed > 0.
  Status Validate() const;
};

class FixedDetector final : public FailureDetector {
 public:
  // REQUIRES: config.Validate().ok().
  explicit FixedDetector(const FixedDetectorConfig& config);

  void Heartbeat(Instant arrival) override;
  double Suspicion(Instant now) const override;
  bool Suspected(Instant now) const override;
  Instant SuspectAt() const override;

 private:
  const FixedDetectorConfig config_;
  const Duration silence_limit_;
  std::optional<Instant> last_arrival_;
};

}  // namespace baton::detect
