// Shared fixtures for the failover tests: a three-member group and time.
#pragma once

#include <string>

#include "failover/group_config.h"

namespace baton::failover::testing {

inline Instant At(int64_t ms) { return Instant::FromNanos(0) + Duration::Millis(ms); }

// Group "cache": members a, b, c on nodes n1, n2, n3 (a is the first primary).
inline GroupConfig ThreeMembers(Replication replication = Replication::kAsync) {
  GroupConfig c;
  c.name = "cache";
  c.replication = replication;
  c.members = {{"a", "n1", "10.0.0.1:6379", 100, StandbyKind::kHot},
               {"b", "n2", "10.0.0.2:6379", 100, StandbyKind::kHot},
               {"c", "n3", "10.0.0.3:6379", 100, StandbyKind::kHot}};
  return c;
}

}  // namespace baton::failover::testing
