// SimParams: every knob of one simulated run. DrawParams derives them all
// from the run's Rng (swarm testing: each seed explores a different corner:
// a lossy network without crashes, a clean network with frequent crashes,
// fast or slow disks, drifting clocks...). ToString lists them for --verbose.
#pragma once

#include <string>
#include <vector>

#include "core/rng.h"
#include "core/time.h"
#include "raft/config.h"
#include "sim/network.h"

namespace baton::sim {

enum class PartitionKind {
  kIsolateOne,        // one node cut from all others, both directions
  kIsolateOneOneWay,  // one node's inbound or outbound links cut
  kHalves,            // a random minority cut from the rest, both directions
  kHalvesOneWay,      // the same, one direction only
  kRandomLinks,       // each directed link cut with probability 1/3
};
const char* PartitionKindName(PartitionKind kind);

struct SimParams {
  int nodes = 3;

  // Raft timing: the tick and the core's election / heartbeat in ticks.
  Duration tick = Duration::Millis(10);
  int election_ticks = 10;
  int heartbeat_ticks = 2;
  bool pre_vote = true;
  bool check_quorum = true;
  // Flow control: small values split replication into many rounds.
  size_t max_entries_per_append = 256;
  size_t max_inflight_appends = 64;
  raft::Config::Unsafe unsafe;

  NetworkOptions network;
  // Node i's tick interval is tick * clock_rate[i] (clock-rate drift).
  std::vector<double> clock_rate;
  Duration fsync_min = Duration::Micros(100);
  Duration fsync_max = Duration::Millis(2);

  // Faults during the fault phase. A zero mean interval disables the fault.
  Duration partition_interval_mean;  // healthy time between partitions
  Duration partition_duration_max = Duration::Seconds(1);
  std::vector<PartitionKind> partition_kinds;
  Duration crash_interval_mean;
  double crash_leader_bias = 0;  // probability a crash picks the current leader
  // BUGGIFY: probability that a leader whose Ready appends or commits
  // entries crashes after persisting and applying it, before sending its
  // messages (divergent logs; commits nobody else hears of).
  double crash_leader_before_send = 0;
  Duration downtime_max = Duration::Millis(500);

  // Workload.
  int clients = 3;
  int keys = 2;
  Duration client_think_max = Duration::Millis(20);
  Duration client_timeout = Duration::Millis(500);
  // Each node compacts its log once it has applied this many entries past
  // its last snapshot.
  int snapshot_every_entries = 50;

  Duration fault_phase = Duration::Seconds(3);
  // After the heal: a client operation invoked after it must complete.
  Duration liveness_budget = Duration::Seconds(3);

  raft::Config RaftConfig(raft::NodeId id) const;
  std::string ToString() const;
};

// Draws a run's parameters. `nodes` and the unsafe rules are given (a run
// with a broken rule leans toward the histories that expose it); everything
// else comes from rng.
SimParams DrawParams(Rng& rng, int nodes, const raft::Config::Unsafe& unsafe);

}  // namespace baton::sim
