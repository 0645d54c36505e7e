#include "sim/failover_params.h"

#include <cstdio>

namespace baton::sim {
namespace {

Duration Between(Rng& rng, Duration lo, Duration hi) {
  return Duration::Nanos(rng.UniformInt(lo.nanos(), hi.nanos()));
}

std::string Ms(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1fms", static_cast<double>(d.nanos()) / 1e6);
  return buf;
}

// A duration measured on a clock that may run (1 - max_drift) x true time.
Duration Slow(const FailoverSimParams& p, Duration local) {
  return Duration::Nanos(
             static_cast<int64_t>(static_cast<double>(local.nanos()) / (1.0 - p.max_drift))) +
         Duration::Micros(1);
}

}  // namespace

FailoverSimParams DrawFailoverParams(Rng& rng, int nodes, bool broken_rule) {
  FailoverSimParams p;
  p.nodes = nodes;
  // Clock rates: often at the edges of the allowed drift, where the lease
  // margin is tested hardest.
  for (int i = 0; i < nodes; ++i) {
    const double r = rng.Chance(broken_rule ? 0.9 : 0.5) ? (rng.Chance(0.5) ? -1.0 : 1.0)
                                                         : 2.0 * rng.UniformDouble() - 1.0;
    p.rate.push_back(1.0 + r * p.max_drift);
  }
  p.net_min = Between(rng, Duration::Micros(200), Duration::Millis(1));
  p.net_max = p.net_min + Between(rng, Duration::Millis(1), Duration::Millis(10));
  p.loss = rng.Chance(0.5) ? 0.0 : 0.1 * rng.UniformDouble();
  p.commit_min = Between(rng, Duration::Millis(1), Duration::Millis(5));
  p.commit_max = p.commit_min + Between(rng, Duration::Millis(1), Duration::Millis(20));
  p.adapter_min = Between(rng, Duration::Millis(1), Duration::Millis(5));
  p.adapter_max = p.adapter_min + Between(rng, Duration::Millis(1), Duration::Millis(40));
  p.election_min = Duration::Millis(150);
  p.election_max = Duration::Millis(400);
  p.write_interval = Between(rng, Duration::Millis(10), Duration::Millis(80));
  for (int i = 0; i < nodes; ++i) {
    p.pull_interval.push_back(Between(rng, Duration::Millis(5), Duration::Millis(100)));
  }
  const int64_t mode = broken_rule && rng.Chance(0.5) ? 0 : rng.UniformInt(0, 2);
  p.replication = mode == 0   ? failover::Replication::kAsync
                  : mode == 1 ? failover::Replication::kSemiSync
                              : failover::Replication::kSync;
  p.sync_acks = static_cast<int>(rng.UniformInt(1, nodes - 2));
  p.episodes = static_cast<int>(rng.UniformInt(1, 2));
  return p;
}

failover::GroupConfig FailoverSimGroup(const FailoverSimParams& p) {
  failover::GroupConfig g;
  g.name = "sim";
  for (int i = 1; i <= p.nodes; ++i) {
    failover::MemberConfig m;
    m.name = "m" + std::to_string(i);
    m.node = "n" + std::to_string(i);
    m.address = "127.0.0.1:" + std::to_string(7000 + i);
    m.standby = p.replication == failover::Replication::kAsync ? failover::StandbyKind::kWarm
                                                               : failover::StandbyKind::kHot;
    g.members.push_back(m);
  }
  g.replication = p.replication;
  g.sync_acks = p.sync_acks;
  g.lease_ttl = Duration::Seconds(3);
  g.drift_margin = Duration::Millis(500);
  g.timeouts.fence = Duration::Seconds(5);
  g.timeouts.promote = Duration::Seconds(2);
  g.timeouts.wait_promotion = Duration::Seconds(3);
  g.timeouts.reconfigure = Duration::Seconds(3);
  g.timeouts.catch_up = Duration::Seconds(3);
  g.timeouts.retry_after = Duration::Seconds(1);
  g.timeouts.command = Duration::Seconds(1);
  g.tilt.period = Duration::Seconds(5);
  return g;
}

Duration RecoveryBound(const FailoverSimParams& p, const failover::GroupConfig& g, bool lease_wait,
                       bool store_election) {
  // After the decision: commits (revoke or release, promotion CAS, lease
  // acquire), messages (record to the candidate, acquire there and back) and
  // adapter commands (fence then promote, each maybe behind one in flight).
  const Duration path = p.commit_max * 3 + p.MaxDelay() * 4 + p.adapter_max * 4;
  Duration wait;
  if (lease_wait) {
    // Expiry on the store leader's clock (a new leader that missed entries
    // restarts the lease at a full ttl), seen at its next timer; the margin,
    // checked at a timer.
    wait = Slow(p, g.lease_ttl + g.drift_margin + p.tick_max * 2);
    if (store_election) wait += p.election_max;
  } else {
    wait = Slow(p, p.tick_max * p.fall);  // health checks until the fall threshold
  }
  // Sync / semi-sync: the coordinator ranks again drift_margin after the fence.
  if (p.replication != failover::Replication::kAsync) wait += Slow(p, g.drift_margin + p.tick_max);
  return wait + path + Slow(p, p.tick_max);  // one timer of slack for any step that waits for it
}

std::string FailoverSimParams::ToString() const {
  std::string s = "nodes=" + std::to_string(nodes) + " rates=";
  for (double r : rate) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%.3f,", r);
    s += buf;
  }
  char loss_text[16];
  std::snprintf(loss_text, sizeof(loss_text), "%.3f", loss);
  s += " net=" + Ms(net_min) + ".." + Ms(net_max) + " loss=" + loss_text +
       " commit=" + Ms(commit_min) + ".." + Ms(commit_max) + " adapter=" + Ms(adapter_min) + ".." +
       Ms(adapter_max) + " writes_every=" + Ms(write_interval) +
       " replication=" + std::string(failover::ReplicationName(replication)) +
       (replication == failover::Replication::kSemiSync ? "/" + std::to_string(sync_acks) : "") +
       " pulls_every=";
  for (Duration d : pull_interval) s += Ms(d) + ",";
  s += " episodes=" + std::to_string(episodes);
  return s;
}

}  // namespace baton::sim
