// Simulated Raft leader failover: over many seeded trials of the failover
// scenario (sim/failover_scenario.h: heartbeat 20 ms, election timeout
// 100-200 ms, tick 10 ms, network latency 0.2-2 ms), the virtual time from the
// leader's crash to the new leader committing its first entry.
//
//   raft_failover_sim_bench [--trials N] [--nodes 3|5]
//
// Prints trials, p50, p90, p99, max, and p99 divided by the maximum election
// timeout (200 ms). Exits non-zero if a trial fails or that ratio is >= 2.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "sim/failover_scenario.h"

int main(int argc, char** argv) {
  int trials = 1000;
  int nodes = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--trials") == 0) trials = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--nodes") == 0) nodes = std::atoi(argv[i + 1]);
  }
  std::vector<double> ms;
  for (int seed = 1; seed <= trials; ++seed) {
    const baton::sim::FailoverTimeline t = baton::sim::RunFailoverScenario(seed, nodes, nullptr);
    if (t.violation || !t.failover()) {
      std::printf("trial %d failed: %s\n", seed, t.violation.value_or("no new commit").c_str());
      return 1;
    }
    ms.push_back(static_cast<double>(t.failover()->nanos()) / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[static_cast<size_t>(p * (ms.size() - 1))]; };
  const double kMaxElectionTimeoutMs = 200;
  const double ratio = pct(0.99) / kMaxElectionTimeoutMs;
  std::printf(
      "simulated leader failover, %d nodes: crash -> first commit by the new leader "
      "(virtual ms)\n",
      nodes);
  std::printf("| trials | p50 | p90 | p99 | max | p99 / max election timeout |\n");
  std::printf("|---|---|---|---|---|---|\n");
  std::printf("| %d | %.1f | %.1f | %.1f | %.1f | %.2f |\n", trials, pct(0.5), pct(0.9), pct(0.99),
              ms.back(), ratio);
  return ratio < 2 ? 0 : 1;
}
