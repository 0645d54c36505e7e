// The leader-failover scenario behind `baton-sim demo` and the failover
// benchmark: a healthy cluster (heartbeat 20 ms, election timeout 100-200 ms,
// tick 10 ms, light network latency, no loss) elects a leader and commits
// client writes; then the leader crashes, a new leader is elected and commits,
// and the old leader restarts and catches up. Everything runs in virtual time
// from one seed, observed at 0.1 ms resolution.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "raft/types.h"

namespace baton::sim {

struct FailoverTimeline {
  raft::NodeId old_leader = raft::kNoNode;
  raft::NodeId new_leader = raft::kNoNode;
  raft::Term old_term = 0;
  raft::Term new_term = 0;
  int writes_before_crash = 0;
  Instant elected;                    // first leader
  Instant crashed;                    // old leader killed
  std::optional<Instant> reelected;   // new leader known
  std::optional<Instant> new_commit;  // new leader committed its first entry
  std::optional<Instant> restarted;   // old leader back
  std::optional<Instant> caught_up;   // old leader applied the new leader's commit
  std::optional<std::string> violation;

  // Crash to the first entry committed by the new leader.
  std::optional<Duration> failover() const;
};

// Runs the scenario. When `lines` is given, appends the readable timeline.
FailoverTimeline RunFailoverScenario(uint64_t seed, int nodes, std::vector<std::string>* lines);

}  // namespace baton::sim
