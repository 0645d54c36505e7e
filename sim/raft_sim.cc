#include "sim/raft_sim.h"

#include <algorithm>
#include <cmath>

#include "core/rng.h"
#include "sim/cluster.h"
#include "sim/params.h"

namespace baton::sim {
namespace {

constexpr Instant kNever = Instant::FromNanos(INT64_MAX);

Duration Exponential(Rng& rng, Duration mean) {
  const double u = 1.0 - rng.UniformDouble();  // (0, 1]
  return Duration::Nanos(static_cast<int64_t>(-std::log(u) * static_cast<double>(mean.nanos())));
}

Duration UpTo(Rng& rng, Duration max) { return Duration::Nanos(rng.UniformInt(1, max.nanos())); }

// Cuts links according to `kind`; returns a description for the trace.
std::string Partition(Rng& rng, PartitionKind kind, int nodes, SimNetwork& net) {
  std::vector<raft::NodeId> minority;
  if (kind == PartitionKind::kIsolateOne || kind == PartitionKind::kIsolateOneOneWay) {
    minority.push_back(static_cast<raft::NodeId>(rng.UniformInt(1, nodes)));
  } else if (kind == PartitionKind::kHalves || kind == PartitionKind::kHalvesOneWay) {
    const int size = static_cast<int>(rng.UniformInt(1, nodes / 2));
    std::vector<raft::NodeId> all;
    for (int i = 1; i <= nodes; ++i) all.push_back(i);
    for (int i = 0; i < size; ++i) {
      const size_t pick = static_cast<size_t>(rng.UniformInt(i, nodes - 1));
      std::swap(all[i], all[pick]);
      minority.push_back(all[i]);
    }
  }
  std::string text = std::string("partition ") + PartitionKindName(kind);
  if (kind == PartitionKind::kRandomLinks) {
    for (raft::NodeId a = 1; a <= static_cast<raft::NodeId>(nodes); ++a) {
      for (raft::NodeId b = 1; b <= static_cast<raft::NodeId>(nodes); ++b) {
        if (a != b && rng.Chance(1.0 / 3)) {
          net.Cut(a, b);
          text += ' ';  // piecewise: g++ 12 -O3 warns falsely on " " + std::to_string()
          text += std::to_string(a) + "->" + std::to_string(b);
        }
      }
    }
    return text;
  }
  const bool one_way =
      kind == PartitionKind::kIsolateOneOneWay || kind == PartitionKind::kHalvesOneWay;
  const bool inbound = rng.Chance(0.5);
  text += one_way ? (inbound ? " (inbound)" : " (outbound)") : "";
  for (raft::NodeId a : minority) {
    text += ' ';
    text += std::to_string(a);
    for (raft::NodeId b = 1; b <= static_cast<raft::NodeId>(nodes); ++b) {
      if (std::find(minority.begin(), minority.end(), b) != minority.end()) continue;
      if (!one_way || inbound) net.Cut(b, a);
      if (!one_way || !inbound) net.Cut(a, b);
    }
  }
  return text;
}

// The fault phase: random partitions, crashes and restarts.
void RunFaultPhase(const SimParams& p, Rng& rng, Cluster& cluster) {
  const Instant end = cluster.now() + p.fault_phase;
  const bool partitions = p.partition_interval_mean > Duration::Zero();
  const bool crashes = p.crash_interval_mean > Duration::Zero();
  Instant next_partition =
      partitions ? cluster.now() + Exponential(rng, p.partition_interval_mean) : kNever;
  Instant heal_at = kNever;
  Instant next_crash = crashes ? cluster.now() + Exponential(rng, p.crash_interval_mean) : kNever;
  while (cluster.now() < end && !cluster.violation()) {
    cluster.RunUntil(std::min({end, next_partition, heal_at, next_crash}));
    const Instant now = cluster.now();
    if (heal_at <= now) {
      cluster.network().HealAll();
      cluster.Note("partition healed");
      heal_at = kNever;
      next_partition = now + Exponential(rng, p.partition_interval_mean);
    }
    if (next_partition <= now) {
      const auto kind = p.partition_kinds[rng.UniformInt(0, p.partition_kinds.size() - 1)];
      cluster.Note(Partition(rng, kind, p.nodes, cluster.network()));
      next_partition = kNever;
      heal_at = now + UpTo(rng, p.partition_duration_max);
    }
    if (next_crash <= now) {
      auto id = static_cast<raft::NodeId>(rng.UniformInt(1, p.nodes));
      if (rng.Chance(p.crash_leader_bias) && cluster.Leader()) id = *cluster.Leader();
      cluster.Crash(id, UpTo(rng, p.downtime_max));
      next_crash = now + Exponential(rng, p.crash_interval_mean);
    }
  }
}

// The liveness phase: everything healed, a fresh operation must complete.
void RunLivenessPhase(const SimParams& p, Cluster& cluster) {
  cluster.network().HealAll();
  NetworkOptions calm = p.network;
  calm.loss = 0;
  calm.duplicate = 0;
  cluster.network().set_options(calm);
  cluster.DisableBuggify();
  for (int id = 1; id <= p.nodes; ++id) cluster.Restart(id);
  const Instant healed = cluster.now();
  cluster.Note("liveness phase: network healed, all nodes up");
  const Instant deadline = healed + p.liveness_budget;
  while (cluster.now() < deadline && !cluster.violation()) {
    cluster.RunUntil(std::min(deadline, cluster.now() + p.tick));
    if (cluster.last_completed_invoke().value_or(Instant()) >= healed && cluster.Leader()) return;
  }
}

}  // namespace

RaftSimResult RunRaftSeed(uint64_t seed, const RaftSimOptions& options) {
  Rng rng(seed);
  const SimParams params = DrawParams(rng, options.nodes, options.unsafe);
  RaftSimResult result;
  result.seed = seed;
  result.params = params.ToString();

  Cluster cluster(params, rng, options.record_trace);
  cluster.StartClients();
  RunFaultPhase(params, rng, cluster);
  if (!cluster.violation()) {
    const Instant healed = cluster.now();
    RunLivenessPhase(params, cluster);
    if (!cluster.violation() &&
        (cluster.last_completed_invoke().value_or(Instant()) < healed || !cluster.Leader())) {
      result.violation = "liveness: no leader and completed operation within " +
                         params.liveness_budget.ToString() + " after the heal";
    }
  }
  cluster.StopClients();
  if (cluster.violation()) result.violation = cluster.violation();

  const History& history = cluster.history();
  result.operations = history.size();
  result.indeterminate = std::count_if(history.begin(), history.end(),
                                       [](const HistoryOp& op) { return op.indeterminate; });
  result.committed = cluster.checker().committed();
  if (!result.violation) {
    const LinearizabilityResult lin = CheckLinearizable(history);
    result.linearizability = lin.verdict;
    if (lin.verdict == LinearizabilityVerdict::kViolation) {
      result.violation = "linearizability: " + lin.detail;
    }
  }
  result.trace = cluster.trace();
  result.trace_hash = cluster.trace_hash();
  return result;
}

}  // namespace baton::sim
