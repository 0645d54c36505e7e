#include "route/outlier_detector.h"

#include <algorithm>

namespace baton::route {

std::optional<detect::Event> OutlierDetector::RecordFailure(const std::string& member,
                                                            Instant now) {
  HostState& host = hosts_[member];
  if (host.ejected_until) return std::nullopt;  // already out; failures of old attempts
  if (++host.consecutive_failures < config_.consecutive_failures) return std::nullopt;
  ++host.times_ejected;
  const Duration backoff =
      std::min(config_.ejection_time * host.times_ejected, config_.max_ejection_time);
  host.ejected_until = now + backoff;
  host.consecutive_failures = 0;
  return detect::Event{"+ejected",
                       member,
                       now,
                       {{"failures", std::to_string(config_.consecutive_failures)},
                        {"for", std::to_string(backoff.millis()) + "ms"},
                        {"times", std::to_string(host.times_ejected)}}};
}

void OutlierDetector::RecordSuccess(const std::string& member) {
  auto it = hosts_.find(member);
  if (it != hosts_.end()) it->second.consecutive_failures = 0;
}

bool OutlierDetector::IsEjected(const std::string& member, Instant now,
                                std::optional<detect::Event>* returned) {
  auto it = hosts_.find(member);
  if (it == hosts_.end() || !it->second.ejected_until) return false;
  if (now < *it->second.ejected_until) return true;
  it->second.ejected_until.reset();
  *returned = detect::Event{"-ejected", member, now, {}};
  return false;
}

}  // namespace baton::route
