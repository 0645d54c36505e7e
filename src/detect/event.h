// Event: a decision of a detect core, as structured data. Every health change,
// suspicion change and restart decision is reported as one Event so that the
// agent can log it, keep it in the store's history and count it in metrics.
// Names follow Sentinel's "+name" (entered a state) / "-name" (left it):
// "+unhealthy", "-unhealthy", "+suspect", "-suspect", "+crash-loop".
// Plain value type; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"

namespace baton::detect {

struct Event {
  std::string name;    // "+unhealthy", "-suspect", ...
  std::string target;  // the check target, peer or member the event is about
  Instant time;        // when the decision was made (the `now` passed in)
  std::vector<std::pair<std::string, std::string>> fields;  // key=value detail, in order

  // The value of field `key`, or an empty string when the event has none.
  std::string Field(std::string_view key) const;
  // "<name> <target> k1=v1 k2=v2": one log line, without the time.
  std::string ToString() const;
};

}  // namespace baton::detect
