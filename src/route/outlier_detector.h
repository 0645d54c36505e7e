// OutlierDetector: passive health of pool members (Envoy's outlier
// detection, consecutive-failure kind). The proxy reports each connection
// attempt's outcome; a member with `consecutive_failures` failures in a row
// is ejected for ejection_time * (number of its ejections), capped at
// max_ejection_time. The primary is never reported here: only the failover
// controller decides about it.
//
// Pure: time comes in as `now`. Every ejection and return is a detect::Event
// ("+ejected" / "-ejected") in the returned value. Thread-compatible.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/time.h"
#include "detect/event.h"
#include "route/proxy_config.h"

namespace baton::route {

class OutlierDetector {
 public:
  explicit OutlierDetector(OutlierConfig config) : config_(config) {}

  // A connection to `member` failed; returns the "+ejected" event if this
  // failure ejected it.
  std::optional<detect::Event> RecordFailure(const std::string& member, Instant now);
  // A connection to `member` was established: its failure run ends.
  void RecordSuccess(const std::string& member);
  // True while `member` is ejected. When its back-off has passed, returns
  // false and sets *returned to the "-ejected" event (once).
  bool IsEjected(const std::string& member, Instant now, std::optional<detect::Event>* returned);

 private:
  struct HostState {
    int consecutive_failures = 0;
    int times_ejected = 0;
    std::optional<Instant> ejected_until;
  };
  const OutlierConfig config_;
  std::map<std::string, HostState> hosts_;
};

}  // namespace baton::route
