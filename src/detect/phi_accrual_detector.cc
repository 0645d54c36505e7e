#include "detect/phi_accrual_detector.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>

#include "core/check.h"

namespace baton::detect {
namespace {

double ToMs(Duration d) { return static_cast<double>(d.nanos()) / 1e6; }

// Above this argument erfc(x) underflows a double; use its expansion.
constexpr double kErfcAsymptoticFrom = 26.0;

// ln(erfc(x)) for any x.
double LogErfc(double x) {
  if (x < kErfcAsymptoticFrom) return std::log(std::erfc(x));
  // erfc(x) = exp(-x^2) / (x sqrt(pi)) * (1 - 1/(2x^2) + 3/(4x^4) - ...)
  const double inv_x2 = 1.0 / (x * x);
  return -x * x - std::log(x) - 0.5 * std::log(std::numbers::pi) +
         std::log1p(-0.5 * inv_x2 + 0.75 * inv_x2 * inv_x2);
}

}  // namespace

double PhiOfStandardScore(double z) {
  // 1 - F(z) = erfc(z / sqrt(2)) / 2, never computed as a difference.
  const double ln_tail = LogErfc(z / std::numbers::sqrt2) - std::numbers::ln2;
  return std::max(0.0, -ln_tail / std::numbers::ln10);
}

Status PhiAccrualConfig::Validate() const {
  if (!(threshold > 0)) {
    return Status::InvalidArgument("phi threshold must be > 0, got " + std::to_string(threshold));
  }
  if (window < 2) {
    return Status::InvalidArgument("phi window must hold >= 2 samples, got " +
                                   std::to_string(window));
  }
  if (min_stddev <= Duration::Zero()) {
    return Status::InvalidArgument("phi min_stddev must be > 0, got " + min_stddev.ToString());
  }
  if (acceptable_pause < Duration::Zero()) {
    return Status::InvalidArgument("phi acceptable_pause must be >= 0, got " +
                                   acceptable_pause.ToString());
  }
  if (first_heartbeat_estimate <= Duration::Zero()) {
    return Status::InvalidArgument("phi first_heartbeat_estimate must be > 0, got " +
                                   first_heartbeat_estimate.ToString());
  }
  return Status::Ok();
}

PhiAccrualDetector::PhiAccrualDetector(const PhiAccrualConfig& config)
    : config_(config), samples_ms_(config.window, 0.0) {
  const Status valid = config_.Validate();
  BATON_CHECK(valid.ok()) << valid.ToString();
}

void PhiAccrualDetector::Heartbeat(Instant arrival) {
  if (!last_arrival_) {
    const double estimate = ToMs(config_.first_heartbeat_estimate);
    AddSample(estimate - estimate / 4);
    AddSample(estimate + estimate / 4);
  } else {
    BATON_CHECK(arrival >= *last_arrival_) << "heartbeat arrivals went backwards";
    AddSample(ToMs(arrival - *last_arrival_));
  }
  last_arrival_ = arrival;
}

double PhiAccrualDetector::Suspicion(Instant now) const {
  if (!last_arrival_) return 0;
  return PhiAfter(ToMs(now - *last_arrival_));
}

bool PhiAccrualDetector::Suspected(Instant now) const {
  return last_arrival_ && Suspicion(now) >= config_.threshold;
}

Instant PhiAccrualDetector::SuspectAt() const {
  if (!last_arrival_) return Instant::FromNanos(INT64_MAX);
  // phi grows monotonically with the silence: find the first nanosecond of
  // silence at which it reaches the threshold, by doubling then bisection.
  auto reached = [this](int64_t silence_ns) {
    return PhiAfter(static_cast<double>(silence_ns) / 1e6) >= config_.threshold;
  };
  if (reached(0)) return *last_arrival_;
  int64_t below = 0;
  int64_t at_or_above = 1'000'000;                         // 1ms
  for (int i = 0; i < 40 && !reached(at_or_above); ++i) {  // up to 2^40 ms
    below = at_or_above;
    at_or_above *= 2;
  }
  BATON_CHECK(reached(at_or_above)) << "phi never reaches " << config_.threshold;
  while (at_or_above - below > 1) {
    const int64_t mid = below + (at_or_above - below) / 2;
    (reached(mid) ? at_or_above : below) = mid;
  }
  return *last_arrival_ + Duration::Nanos(at_or_above);
}

Duration PhiAccrualDetector::mean() const {
  return Duration::Nanos(static_cast<int64_t>(std::llround(MeanMs() * 1e6)));
}

Duration PhiAccrualDetector::stddev() const {
  return Duration::Nanos(static_cast<int64_t>(std::llround(StddevMs() * 1e6)));
}

void PhiAccrualDetector::AddSample(double interval_ms) {
  if (count_ == config_.window) {
    const double evicted = samples_ms_[next_];
    sum_ -= evicted;
    sum_squares_ -= evicted * evicted;
  } else {
    ++count_;
  }
  samples_ms_[next_] = interval_ms;
  next_ = (next_ + 1) % config_.window;
  sum_ += interval_ms;
  sum_squares_ += interval_ms * interval_ms;
  // Adding and removing leaves rounding residue; start the sums afresh once
  // per window so it never accumulates.
  if (++adds_since_resum_ == config_.window) {
    adds_since_resum_ = 0;
    sum_ = 0;
    sum_squares_ = 0;
    for (size_t i = 0; i < count_; ++i) {
      sum_ += samples_ms_[i];
      sum_squares_ += samples_ms_[i] * samples_ms_[i];
    }
  }
}

double PhiAccrualDetector::MeanMs() const {
  return count_ == 0 ? 0 : sum_ / static_cast<double>(count_);
}

double PhiAccrualDetector::StddevMs() const {
  if (count_ == 0) return 0;
  const double mean = MeanMs();
  const double variance = sum_squares_ / static_cast<double>(count_) - mean * mean;
  return variance > 0 ? std::sqrt(variance) : 0;
}

double PhiAccrualDetector::PhiAfter(double elapsed_ms) const {
  const double mean = MeanMs() + ToMs(config_.acceptable_pause);
  const double stddev = std::max(StddevMs(), ToMs(config_.min_stddev));
  return PhiOfStandardScore((elapsed_ms - mean) / stddev);
}

}  // namespace baton::detect
