// FailoverSimParams: every knob of one `baton-sim failover` run, drawn from
// the seed (swarm testing: one seed drifts clocks to the edge of the margin,
// another loses messages, another runs sync replication with slow pulls),
// and the group configuration the agents run. RecoveryBound is the "Time to
// recover" formula of docs/failover.md with these knobs' worst cases.
#pragma once

#include <string>
#include <vector>

#include "core/rng.h"
#include "core/time.h"
#include "failover/group_config.h"

namespace baton::sim {

struct FailoverSimParams {
  int nodes = 3;
  // The agent's timer (agent, health check, coordinator) fires after a
  // period drawn in [tick_min, tick_max] on the node's clock; tick_max is
  // the drift_margin / 2 the lease holder requires (primary_lease_holder.h).
  Duration tick_min = Duration::Millis(50);
  Duration tick_max = Duration::Millis(250);
  // The watchdog fences up to this long after its armed deadline (timer
  // resolution, kill latency); drift_margin / 2.
  Duration watchdog_late_max = Duration::Millis(250);
  int fall = 2;               // failed health checks (one per tick) before unhealthy
  double max_drift = 0.08;    // |rate - 1| of every clock
  std::vector<double> rate;   // node i's clock runs at rate[i] x true time
  Duration net_min, net_max;  // one-way delay
  double loss = 0;            // each loss costs one retransmission
  Duration retransmit = Duration::Millis(40);
  int max_retransmits = 3;
  Duration commit_min, commit_max;      // store commit latency
  Duration adapter_min, adapter_max;    // one adapter command
  Duration election_min, election_max;  // store leader election
  Duration write_interval;              // between client writes
  std::vector<Duration> pull_interval;  // per member: between replication pulls
  failover::Replication replication = failover::Replication::kAsync;
  int sync_acks = 1;
  int episodes = 1;

  // Worst one-way message delay (retransmissions included).
  Duration MaxDelay() const { return net_max + retransmit * max_retransmits; }
  std::string ToString() const;
};

// `broken_rule`: the run tests a broken rule; lean toward what exposes it
// (clocks at the edges of the drift, async replication, which adds no wait).
FailoverSimParams DrawFailoverParams(Rng& rng, int nodes, bool broken_rule);

// The group the simulated agents run: members m1..mN on nodes n1..nN, the
// lease_ttl 3s / drift_margin 500ms of docs/configuration.md's example, and
// step timeouts scaled to them.
failover::GroupConfig FailoverSimGroup(const FailoverSimParams& p);

// How long after a fault that takes the primary away (crash of its member
// or node, cut-off, agent pause) some member takes writes again, at worst.
// `lease_wait`: the primary's lease must expire (node-level faults), else it
// is released on detection. `store_election`: the store leader was on the
// failed node.
Duration RecoveryBound(const FailoverSimParams& p, const failover::GroupConfig& g, bool lease_wait,
                       bool store_election);

}  // namespace baton::sim
