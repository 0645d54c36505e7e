#include "sim/params.h"

#include <cstdio>

namespace baton::sim {

const char* PartitionKindName(PartitionKind kind) {
  switch (kind) {
    case PartitionKind::kIsolateOne:
      return "isolate-one";
    case PartitionKind::kIsolateOneOneWay:
      return "isolate-one-one-way";
    case PartitionKind::kHalves:
      return "halves";
    case PartitionKind::kHalvesOneWay:
      return "halves-one-way";
    case PartitionKind::kRandomLinks:
      return "random-links";
  }
  return "?";
}

raft::Config SimParams::RaftConfig(raft::NodeId id) const {
  raft::Config config;
  config.id = id;
  config.election_ticks = election_ticks;
  config.heartbeat_ticks = heartbeat_ticks;
  config.pre_vote = pre_vote;
  config.check_quorum = check_quorum;
  config.max_entries_per_append = max_entries_per_append;
  config.max_inflight_appends = max_inflight_appends;
  config.unsafe = unsafe;
  return config;
}

namespace {

Duration Millis(Rng& rng, int64_t lo, int64_t hi) {
  return Duration::Micros(rng.UniformInt(lo * 1000, hi * 1000));
}

// Fault knobs are off in some runs and on at various strengths in others.
double Knob(Rng& rng, double max) { return rng.Chance(0.3) ? 0 : rng.UniformDouble() * max; }

}  // namespace

SimParams DrawParams(Rng& rng, int nodes, const raft::Config::Unsafe& unsafe) {
  SimParams p;
  p.nodes = nodes;
  p.unsafe = unsafe;
  // Counting replicas of an earlier term's entry loses it only in Figure 8
  // histories: a leader commits it, then dies before its own term's entry
  // reaches a majority, and a node with a newer conflicting entry wins. Runs
  // with that rule broken lean toward them: one entry per append, frequent
  // leader crashes between persisting and sending.
  const bool figure8 = unsafe.commit_previous_term_by_count;
  p.pre_vote = rng.Chance(0.8);
  p.check_quorum = rng.Chance(0.8);
  if (figure8 || rng.Chance(0.5)) {
    p.max_entries_per_append = static_cast<size_t>(rng.UniformInt(1, figure8 ? 1 : 8));
    p.max_inflight_appends = static_cast<size_t>(rng.UniformInt(1, figure8 ? 2 : 8));
  }

  p.network.latency_min = Duration::Micros(rng.UniformInt(50, 1000));
  p.network.latency_max = p.network.latency_min + Millis(rng, 0, 20);
  p.network.loss = Knob(rng, 0.2);
  p.network.duplicate = Knob(rng, 0.1);
  p.network.reorder = Knob(rng, 0.3);
  p.network.reorder_delay_max = Millis(rng, 1, 50);

  const double drift = rng.UniformDouble() * 0.05;
  for (int i = 0; i < nodes; ++i)
    p.clock_rate.push_back(1.0 + (rng.UniformDouble() * 2 - 1) * drift);

  p.fsync_min = Duration::Micros(rng.UniformInt(10, 500));
  p.fsync_max = p.fsync_min + Millis(rng, 0, 10);

  if (!rng.Chance(0.2)) {
    p.partition_interval_mean = Millis(rng, 100, 1500);
    p.partition_duration_max = Millis(rng, 50, 1500);
    for (int k = 0; k <= static_cast<int>(PartitionKind::kRandomLinks); ++k) {
      if (rng.Chance(0.6)) p.partition_kinds.push_back(static_cast<PartitionKind>(k));
    }
    if (p.partition_kinds.empty()) p.partition_kinds.push_back(PartitionKind::kIsolateOne);
  }
  if (figure8 || !rng.Chance(0.2)) {
    // Some runs crash often with short downtimes.
    const bool heavy = figure8 || rng.Chance(0.3);
    p.crash_interval_mean = heavy ? Millis(rng, 30, 300) : Millis(rng, 100, 2000);
    p.downtime_max = heavy ? Millis(rng, 10, 300) : Millis(rng, 10, 1000);
    p.crash_leader_bias = rng.UniformDouble();
    p.crash_leader_before_send = heavy ? rng.UniformDouble() * 0.5 : 0;
  }

  p.clients = static_cast<int>(rng.UniformInt(1, 4));
  p.keys = static_cast<int>(rng.UniformInt(1, 3));
  p.client_think_max = Millis(rng, 0, 50);
  p.client_timeout = Millis(rng, 200, 1000);
  p.snapshot_every_entries = static_cast<int>(rng.UniformInt(5, 100));
  return p;
}

std::string SimParams::ToString() const {
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "nodes=%d tick=%s election_ticks=%d heartbeat_ticks=%d pre_vote=%d "
                "check_quorum=%d max_entries_per_append=%zu max_inflight_appends=%zu\n"
                "unsafe_commit_previous_term=%d unsafe_vote_without_log_check=%d\n",
                nodes, tick.ToString().c_str(), election_ticks, heartbeat_ticks, pre_vote,
                check_quorum, max_entries_per_append, max_inflight_appends,
                unsafe.commit_previous_term_by_count, unsafe.vote_without_log_check);
  out += buf;
  out += "network: " + network.ToString() + "\n";
  out += "clock_rate:";
  for (double rate : clock_rate) {
    std::snprintf(buf, sizeof(buf), " %.4f", rate);
    out += buf;
  }
  out += "\nfsync=[" + fsync_min.ToString() + "," + fsync_max.ToString() + "]\n";
  out += "partitions: ";
  if (partition_interval_mean == Duration::Zero()) {
    out += "off";
  } else {
    out += "every ~" + partition_interval_mean.ToString() + ", up to " +
           partition_duration_max.ToString() + ", kinds";
    for (PartitionKind kind : partition_kinds) out += std::string(" ") + PartitionKindName(kind);
  }
  out += "\ncrashes: ";
  if (crash_interval_mean == Duration::Zero()) {
    out += "off";
  } else {
    std::snprintf(buf, sizeof(buf), ", leader bias %.2f, leader crash before send %.3f",
                  crash_leader_bias, crash_leader_before_send);
    out += "every ~" + crash_interval_mean.ToString() + ", down up to " + downtime_max.ToString() +
           buf;
  }
  std::snprintf(buf, sizeof(buf),
                "\nworkload: clients=%d keys=%d think<=%s timeout=%s snapshot_every=%d entries\n"
                "phases: faults=%s liveness_budget=%s",
                clients, keys, client_think_max.ToString().c_str(),
                client_timeout.ToString().c_str(), snapshot_every_entries,
                fault_phase.ToString().c_str(), liveness_budget.ToString().c_str());
  out += buf;
  return out;
}

}  // namespace baton::sim
