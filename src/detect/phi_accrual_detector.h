// PhiAccrualDetector: the phi accrual failure detector (Hayashibara et al.,
// 2004, as in Akka and Cassandra). It keeps a bounded sliding window of the
// peer's heartbeat inter-arrival intervals, models them as a normal
// distribution, and reports
//     phi(now) = -log10(1 - F(now - last_arrival))
// where F is the normal CDF with the window's mean (plus an acceptable pause)
// and standard deviation (at least a minimum). phi = 1 means a 10% chance
// that a live peer would be this silent, phi = 3 means 0.1%, and so on; the
// peer is suspected once phi >= threshold. Because the distribution is
// learned, the detector adapts to the network and to the peer's habits.
// 1 - F is computed from erfc and its asymptotic expansion, so phi stays
// finite, exact and monotone for very long silences.
//
// The first heartbeat seeds the window with two samples,
// first_heartbeat_estimate +/- a quarter of it (Akka's bootstrap), so the
// detector can judge the second heartbeat. See failure_detector.h for the
// interface contract. Not thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "core/status.h"
#include "detect/failure_detector.h"

namespace baton::detect {

struct PhiAccrualConfig {
  // phi at which the peer is suspected. Each +1 multiplies by 10 the
  // confidence required, adding about one stddev of silence at small phi and
  // less at large phi. Default 8 (Akka and Cassandra use 8).
  double threshold = 8;

  // Inter-arrival samples kept. Larger remembers rare pauses longer (fewer
  // false suspicions after one) but adapts more slowly. Default 1000.
  size_t window = 1000;

  // Floor for the standard deviation. Very regular heartbeats give a tiny
  // stddev, which makes phi jump from 0 to huge within a few milliseconds;
  // the floor keeps small delays from being suspicious. Default 20ms.
  Duration min_stddev = Duration::Millis(20);

  // Added to the mean: a silence this much longer than usual is still
  // considered normal (GC and scheduling pauses). Raises detection time by
  // about this much; the main knob against false suspicions. Default 150ms.
  // With the other defaults and 100ms heartbeats: no false suspicion on
  // 200ms pauses, crash detected within 377ms at p99 (docs/benchmarks.md).
  Duration acceptable_pause = Duration::Millis(150);

  // The expected heartbeat interval, used to seed the window on the first
  // heartbeat. Default 100ms.
  Duration first_heartbeat_estimate = Duration::Millis(100);

  // OK, or InvalidArgument naming the field out of range: threshold > 0,
  // window >= 2, min_stddev > 0, acceptable_pause >= 0, estimate > 0.
  Status Validate() const;
};

class PhiAccrualDetector final : public FailureDetector {
 public:
  // REQUIRES: config.Validate().ok().
  explicit PhiAccrualDetector(const PhiAccrualConfig& config);

  void Heartbeat(Instant arrival) override;
  // phi at `now`; 0 before the first heartbeat.
  double Suspicion(Instant now) const override;
  bool Suspected(Instant now) const override;
  Instant SuspectAt() const override;

  // The window's statistics, for status pages and tests (before the minimum
  // stddev and the acceptable pause are applied).
  size_t sample_count() const { return count_; }
  Duration mean() const;
  Duration stddev() const;

 private:
  void AddSample(double interval_ms);
  double MeanMs() const;
  double StddevMs() const;
  double PhiAfter(double elapsed_ms) const;

  const PhiAccrualConfig config_;
  std::optional<Instant> last_arrival_;
  std::vector<double> samples_ms_;  // ring buffer of capacity config_.window
  size_t next_ = 0;                 // slot the next sample goes to
  size_t count_ = 0;                // samples held, <= config_.window
  size_t adds_since_resum_ = 0;     // the running sums are recomputed every window adds
  double sum_ = 0;
  double sum_squares_ = 0;
};

// -log10(1 - F(z)) for the standard normal CDF F; exact for any finite z.
double PhiOfStandardScore(double z);

}  // namespace baton::detect
