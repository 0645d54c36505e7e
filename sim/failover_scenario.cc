#include "sim/failover_scenario.h"

#include <cstdio>
#include <functional>

#include "core/rng.h"
#include "sim/cluster.h"
#include "sim/params.h"

namespace baton::sim {
namespace {

constexpr Duration kStep = Duration::Micros(100);
constexpr Duration kPhaseLimit = Duration::Seconds(5);

SimParams ScenarioParams(int nodes) {
  SimParams p;
  p.nodes = nodes;
  p.tick = Duration::Millis(10);
  p.election_ticks = 10;  // 100-200 ms randomized
  p.heartbeat_ticks = 2;  // 20 ms
  p.network.latency_min = Duration::Micros(200);
  p.network.latency_max = Duration::Millis(2);
  p.clock_rate.assign(nodes, 1.0);
  p.fsync_min = Duration::Micros(100);
  p.fsync_max = Duration::Micros(1000);
  p.clients = 1;
  p.keys = 1;
  p.client_think_max = Duration::Millis(30);
  p.client_timeout = Duration::Millis(500);
  p.snapshot_every_entries = 1000;
  return p;
}

// Advances in small steps until `done` holds; false after kPhaseLimit.
bool RunUntil(Cluster& cluster, const std::function<bool()>& done) {
  const Instant limit = cluster.now() + kPhaseLimit;
  while (cluster.now() < limit && !cluster.violation()) {
    cluster.RunUntil(cluster.now() + kStep);
    if (done()) return true;
  }
  return false;
}

class Timeline {
 public:
  explicit Timeline(std::vector<std::string>* lines) : lines_(lines) {}
  void Add(Instant at, const std::string& text) {
    if (lines_ == nullptr) return;
    char stamp[32];
    std::snprintf(stamp, sizeof(stamp), "%9.1f ms  ", static_cast<double>(at.nanos()) / 1e6);
    lines_->push_back(stamp + text);
  }

 private:
  std::vector<std::string>* lines_;
};

std::string Ms(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f ms", static_cast<double>(d.nanos()) / 1e6);
  return buf;
}

}  // namespace

std::optional<Duration> FailoverTimeline::failover() const {
  if (!new_commit) return std::nullopt;
  return *new_commit - crashed;
}

FailoverTimeline RunFailoverScenario(uint64_t seed, int nodes, std::vector<std::string>* lines) {
  Rng rng(seed);
  const SimParams params = ScenarioParams(nodes);
  Cluster cluster(params, rng, /*record_trace=*/false);
  cluster.set_writes_only(true);
  Timeline timeline(lines);
  FailoverTimeline t;
  auto fail = [&](const std::string& what) {
    t.violation = cluster.violation().value_or(what);
    return t;
  };

  if (!RunUntil(cluster, [&] { return cluster.Leader().has_value(); })) return fail("no leader");
  t.old_leader = *cluster.Leader();
  t.old_term = cluster.node(t.old_leader).term();
  t.elected = cluster.now();
  timeline.Add(t.elected, "+elected-leader node " + std::to_string(t.old_leader) + " term " +
                              std::to_string(t.old_term));

  cluster.StartClients();
  // Each write is listed until the new leader's first writes; later ones
  // are only counted, to keep the timeline short.
  size_t seen = 0;
  int listed_after_crash = 0;
  int counted = 0;
  auto report_writes = [&] {
    for (; seen < cluster.history().size(); ++seen) {
      const HistoryOp& op = cluster.history()[seen];
      if (op.indeterminate) continue;
      if (t.new_commit && ++listed_after_crash > 2) {
        ++counted;
        continue;
      }
      timeline.Add(op.complete, "write " + op.key + "=" + op.value + " committed (" +
                                    Ms(op.complete - op.invoke) + " after submit)");
    }
  };
  if (!RunUntil(cluster, [&] {
        report_writes();
        return cluster.history().size() >= 5;
      })) {
    return fail("writes did not commit");
  }
  t.writes_before_crash = static_cast<int>(cluster.history().size());

  t.crashed = cluster.now();
  cluster.Crash(t.old_leader);
  timeline.Add(t.crashed, "leader node " + std::to_string(t.old_leader) + " crashed");

  raft::Index first_new_index = 0;
  if (!RunUntil(cluster, [&] {
        report_writes();
        auto leader = cluster.Leader();
        if (!leader || *leader == t.old_leader) return false;
        t.new_leader = *leader;
        t.new_term = cluster.node(*leader).term();
        first_new_index = cluster.node(*leader).last_index();
        return true;
      })) {
    return fail("no new leader");
  }
  t.reelected = cluster.now();
  timeline.Add(*t.reelected, "+elected-leader node " + std::to_string(t.new_leader) + " term " +
                                 std::to_string(t.new_term) + " (" + Ms(*t.reelected - t.crashed) +
                                 " after the crash)");
  if (!RunUntil(cluster, [&] {
        report_writes();
        return cluster.node(t.new_leader).commit_index() >= first_new_index;
      })) {
    return fail("new leader did not commit");
  }
  t.new_commit = cluster.now();
  timeline.Add(*t.new_commit, "new leader node " + std::to_string(t.new_leader) +
                                  " committed index " + std::to_string(first_new_index) +
                                  ", its first entry (" + Ms(*t.failover()) + " after the crash)");

  cluster.RunUntil(t.crashed + Duration::Millis(400));
  report_writes();
  t.restarted = cluster.now();
  cluster.Restart(t.old_leader);
  timeline.Add(*t.restarted, "old leader node " + std::to_string(t.old_leader) + " restarted");
  if (!RunUntil(cluster, [&] {
        report_writes();
        return cluster.Leader() &&
               cluster.applied(t.old_leader) >= cluster.node(*cluster.Leader()).commit_index();
      })) {
    return fail("old leader did not catch up");
  }
  t.caught_up = cluster.now();
  timeline.Add(*t.caught_up, std::to_string(counted) + " more writes committed meanwhile");
  timeline.Add(*t.caught_up, "node " + std::to_string(t.old_leader) + " caught up: applied index " +
                                 std::to_string(cluster.applied(t.old_leader)) + " as follower");
  cluster.StopClients();
  if (cluster.violation()) t.violation = cluster.violation();
  return t;
}

}  // namespace baton::sim
