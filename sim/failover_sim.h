// RunFailoverSeed: one run of whole failover groups from one seed
// (`baton-sim failover`). Each node runs an agent (MemberAgent with its
// PrimaryLeaseHolders, and the Coordinator while it leads the store), one
// member of a SimService and a watchdog. The store is one real
// store::StateMachine hosted by the leader node and reached over a simulated
// network (per-link FIFO, delay, loss as retransmission delay, partitions);
// commits take a random latency. Every node's store replica has its own
// LeaseKeeper that follows the applied log on that node's clock (keep-alives
// are committed LeaseRefresh entries); the leader changes when its node
// crashes, pauses or is cut off, and the new leader's keeper keeps the
// deadlines it followed (one that missed entries restarts every lease at a
// full ttl) while a new Coordinator is fed the current records.
//
// The seed draws every parameter (clock rates within the drift margin,
// latencies, loss, replication mode, write rate) and a sequence of fault
// episodes: member crash and restart, node crash and restart, the primary's
// node cut from the other nodes (clients still reach it), agent pauses
// (SIGSTOP: the agent stops, its member and watchdog keep running), store
// leader changes. Invariants are checked after every event (sim/
// failover_service.h plus: the group epoch in the store never goes back), and
// after each fault that takes the primary away a member must take writes
// again within RecoveryBound (docs/failover.md "Time to recover").
// The same seed and options give the same trace, byte for byte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace baton::sim {

struct FailoverSimOptions {
  int nodes = 3;  // one agent and one member per node
  // Broken rules (GroupConfig::Unsafe, plus the sim's own watchdog).
  bool unsafe_promote_before_lease_margin = false;
  bool unsafe_no_self_fence = false;  // no self-fence by the holder nor by the watchdog
  bool unsafe_no_watchdog = false;    // a paused agent's member is never fenced
  // With probability 1/2 per episode a second node fails while the first
  // fault lasts (liveness is then checked only once both healed).
  bool overlapping_faults = false;
  bool record_trace = false;
};

struct FailoverSimResult {
  uint64_t seed = 0;
  std::string params;
  std::optional<std::string> violation;  // the first one found
  int episodes = 0;
  int failovers = 0;    // promotions after the first election
  uint64_t writes = 0;  // client writes taken
  uint64_t acknowledged = 0;
  double worst_recovery_ms = 0;  // slowest replacement of a failed primary
  std::vector<std::string> trace;
  uint64_t trace_hash = 0;
};

FailoverSimResult RunFailoverSeed(uint64_t seed, const FailoverSimOptions& options);

}  // namespace baton::sim
