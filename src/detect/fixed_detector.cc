#include "detect/fixed_detector.h"

#include <cstdint>
#include <string>

#include "core/check.h"

namespace baton::detect {

Status FixedDetectorConfig::Validate() const {
  if (interval <= Duration::Zero()) {
    return Status::InvalidArgument("fixed detector interval must be > 0, got " +
                                   interval.ToString());
  }
  if (!(missed > 0)) {
    return Status::InvalidArgument("fixed detector missed must be > 0, got " +
                                   std::to_string(missed));
  }
  return Status::Ok();
}

FixedDetector::FixedDetector(const FixedDetectorConfig& config)
    : config_(config),
      silence_limit_(Duration::Nanos(
          static_cast<int64_t>(static_cast<double>(config.interval.nanos()) * config.missed))) {
  const Status valid = config_.Validate();
  BATON_CHECK(valid.ok()) << valid.ToString();
}

void FixedDetector::Heartbeat(Instant arrival) {
  BATON_CHECK(!last_arrival_ || arrival >= *last_arrival_) << "heartbeat arrivals went backwards";
  last_arrival_ = arrival;
}

double FixedDetector::Suspicion(Instant now) const {
  if (!last_arrival_ || now <= *last_arrival_) return 0;
  return static_cast<double>((now - *last_arrival_).nanos()) /
         static_cast<double>(config_.interval.nanos());
}

bool FixedDetector::Suspected(Instant now) const { return last_arrival_ && now >= SuspectAt(); }

Instant FixedDetector::SuspectAt() const {
  if (!last_arrival_) return Instant::FromNanos(INT64_MAX);
  return *last_arrival_ + silence_limit_;
}

}  // namespace baton::detect
