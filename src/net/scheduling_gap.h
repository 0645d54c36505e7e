// GapDetector: notices when a periodic callback ran much later than planned.
//
// The driver calls Observe(now) each time its periodic timer fires. When the
// time since the previous observation exceeds `period + tolerance`, the loop
// was starved (a stop-the-world pause, a suspended VM, a blocking call on the
// loop thread) and Observe returns the gap; the cores react by entering TILT.
// Pure and clock-free: time comes in as a parameter. Not thread-safe.
#pragma once

#include <optional>

#include "core/time.h"

namespace baton::net {

struct SchedulingGap {
  Duration expected;  // the timer's period
  Duration actual;    // the time that really passed between two firings
};

class GapDetector {
 public:
  // REQUIRES: period > 0, tolerance >= 0.
  GapDetector(Duration period, Duration tolerance);

  // Records a firing at `now`. Returns the gap when the time since the
  // previous firing exceeds period + tolerance; the first call only records.
  std::optional<SchedulingGap> Observe(Instant now);

 private:
  const Duration period_;
  const Duration tolerance_;
  std::optional<Instant> last_;
};

}  // namespace baton::net
