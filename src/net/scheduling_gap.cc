#include "net/scheduling_gap.h"

#include "core/check.h"

namespace baton::net {

GapDetector::GapDetector(Duration period, Duration tolerance)
    : period_(period), tolerance_(tolerance) {
  BATON_CHECK(period > Duration::Zero()) << "gap detector period must be positive";
  BATON_CHECK(tolerance >= Duration::Zero()) << "gap detector tolerance must not be negative";
}

std::optional<SchedulingGap> GapDetector::Observe(Instant now) {
  std::optional<SchedulingGap> gap;
  if (last_.has_value()) {
    const Duration actual = now - *last_;
    if (actual > period_ + tolerance_) gap = SchedulingGap{period_, actual};
  }
  last_ = now;
  return gap;
}

}  // namespace baton::net
