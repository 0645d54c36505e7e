// baton-sim: the deterministic simulator's command line.
//
//   baton-sim raft --seeds N --nodes 3|5 [--seed S] [--verbose]
//                  [--unsafe-commit-previous-term] [--unsafe-vote-without-log-check]
//   baton-sim demo --nodes 3 [--seed S]
//   baton-sim failover --seeds N [--seed S] [--nodes 3|5] [--verbose]
//                  [--unsafe-promote-before-lease-margin] [--unsafe-no-self-fence]
//                  [--unsafe-no-watchdog] [--overlapping-faults]
//
// `raft` runs N seeds from S (default 1) and prints a FAIL line and the
// replay command for each failing seed; the last line is always
// "raft-sim: <N> seeds, <V> violations" and the exit status is 1 when V > 0.
// `demo` prints the timeline of one simulated leader failover. `failover`
// runs whole failover groups (sim/failover_sim.h) the same way; its last line
// is "failover-sim: <N> seeds, <V> violations".
//
// --expect-violations K (with an --unsafe-... rule): the broken-rule proof.
// The exit status is then 0 only when at least K seeds were caught, so ctest
// judges by exit status alone and one lucky seed does not pass; a crash
// (abort, sanitizer) fails either way.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/failover_scenario.h"
#include "sim/failover_sim.h"
#include "sim/raft_sim.h"

namespace {

using baton::sim::LinearizabilityVerdict;

struct Args {
  std::string command;
  uint64_t seeds = 1;
  uint64_t seed = 1;
  int nodes = 3;
  bool verbose = false;
  std::optional<uint64_t> expect_violations;  // the broken-rule proof's minimum
  baton::raft::Config::Unsafe unsafe;
  baton::sim::FailoverSimOptions failover;
};

int Usage() {
  std::fprintf(stderr,
               "usage: baton-sim raft --seeds N --nodes 3|5 [--seed S] [--verbose]\n"
               "                      [--unsafe-commit-previous-term] "
               "[--unsafe-vote-without-log-check]\n"
               "       baton-sim demo --nodes 3 [--seed S]\n"
               "       baton-sim failover --seeds N [--seed S] [--nodes 3|5] [--verbose]\n"
               "                      [--unsafe-promote-before-lease-margin] "
               "[--unsafe-no-self-fence] [--unsafe-no-watchdog]\n"
               "                      [--overlapping-faults]\n"
               "       (raft, failover) [--expect-violations K]: exit 0 only when at least K\n"
               "                      seeds violate (the broken-rule proof)\n");
  return 2;
}

bool ParseNumber(const char* text, uint64_t* out) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0') return false;
  *out = v;
  return true;
}

bool Parse(int argc, char** argv, Args* args) {
  if (argc < 2) return false;
  args->command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string_view flag = argv[i];
    const bool has_value = i + 1 < argc;
    uint64_t n = 0;
    if (flag == "--verbose") {
      args->verbose = true;
    } else if (flag == "--unsafe-commit-previous-term") {
      args->unsafe.commit_previous_term_by_count = true;
    } else if (flag == "--unsafe-vote-without-log-check") {
      args->unsafe.vote_without_log_check = true;
    } else if (flag == "--unsafe-promote-before-lease-margin") {
      args->failover.unsafe_promote_before_lease_margin = true;
    } else if (flag == "--unsafe-no-self-fence") {
      args->failover.unsafe_no_self_fence = true;
    } else if (flag == "--overlapping-faults") {
      args->failover.overlapping_faults = true;
    } else if (flag == "--unsafe-no-watchdog") {
      args->failover.unsafe_no_watchdog = true;
    } else if (flag == "--expect-violations" && has_value && ParseNumber(argv[++i], &n) && n > 0) {
      args->expect_violations = n;
    } else if (flag == "--seeds" && has_value && ParseNumber(argv[++i], &n)) {
      args->seeds = n;
    } else if (flag == "--seed" && has_value && ParseNumber(argv[++i], &n)) {
      args->seed = n;
    } else if (flag == "--nodes" && has_value && ParseNumber(argv[++i], &n) && n >= 1 && n <= 9) {
      args->nodes = static_cast<int>(n);
    } else {
      return false;
    }
  }
  return true;
}

std::string ReplayCommand(const Args& args, uint64_t seed) {
  std::string cmd = "baton-sim raft --nodes " + std::to_string(args.nodes) + " --seed " +
                    std::to_string(seed) + " --seeds 1 --verbose";
  if (args.unsafe.commit_previous_term_by_count) cmd += " --unsafe-commit-previous-term";
  if (args.unsafe.vote_without_log_check) cmd += " --unsafe-vote-without-log-check";
  return cmd;
}

// The exit status: violations fail a run, unless it is a broken-rule proof
// (--expect-violations K), which passes only when at least K seeds failed.
int ExitStatus(const Args& args, uint64_t violations) {
  if (args.expect_violations) {
    if (violations >= *args.expect_violations) return 0;
    std::printf("expected at least %llu violations: the broken rule was not caught often enough\n",
                static_cast<unsigned long long>(*args.expect_violations));
    return 1;
  }
  return violations > 0 ? 1 : 0;
}

int RunRaft(const Args& args) {
  baton::sim::RaftSimOptions options;
  options.nodes = args.nodes;
  options.unsafe = args.unsafe;
  options.record_trace = args.verbose;
  uint64_t violations = 0;
  uint64_t unknown = 0;
  for (uint64_t seed = args.seed; seed < args.seed + args.seeds; ++seed) {
    const baton::sim::RaftSimResult r = baton::sim::RunRaftSeed(seed, options);
    if (args.verbose) {
      std::printf("seed %llu parameters:\n%s\n", static_cast<unsigned long long>(seed),
                  r.params.c_str());
      for (const std::string& line : r.trace) std::printf("%s\n", line.c_str());
      std::printf(
          "seed %llu: %zu operations (%zu indeterminate), %llu entries committed, "
          "linearizability %s, trace hash %016llx\n",
          static_cast<unsigned long long>(seed), r.operations, r.indeterminate,
          static_cast<unsigned long long>(r.committed),
          baton::sim::LinearizabilityVerdictName(r.linearizability),
          static_cast<unsigned long long>(r.trace_hash));
    }
    if (r.linearizability == LinearizabilityVerdict::kUnknown) ++unknown;
    if (r.violation) {
      ++violations;
      std::printf("FAIL seed=%llu: %s\n  replay: %s\n", static_cast<unsigned long long>(seed),
                  r.violation->c_str(), ReplayCommand(args, seed).c_str());
      std::fflush(stdout);
    }
  }
  if (unknown > 0) {
    std::printf("linearizability unknown (search bound hit, not a violation): %llu seeds\n",
                static_cast<unsigned long long>(unknown));
  }
  std::printf("raft-sim: %llu seeds, %llu violations\n",
              static_cast<unsigned long long>(args.seeds),
              static_cast<unsigned long long>(violations));
  return ExitStatus(args, violations);
}

std::string FailoverReplayCommand(const Args& args, uint64_t seed) {
  std::string cmd = "baton-sim failover --nodes " + std::to_string(args.nodes) + " --seed " +
                    std::to_string(seed) + " --seeds 1 --verbose";
  if (args.failover.unsafe_promote_before_lease_margin) {
    cmd += " --unsafe-promote-before-lease-margin";
  }
  if (args.failover.unsafe_no_self_fence) cmd += " --unsafe-no-self-fence";
  if (args.failover.unsafe_no_watchdog) cmd += " --unsafe-no-watchdog";
  if (args.failover.overlapping_faults) cmd += " --overlapping-faults";
  return cmd;
}

int RunFailover(const Args& args) {
  if (args.nodes != 3 && args.nodes != 5) return Usage();
  baton::sim::FailoverSimOptions options = args.failover;
  options.nodes = args.nodes;
  options.record_trace = args.verbose;
  uint64_t violations = 0;
  uint64_t episodes = 0;
  uint64_t failovers = 0;
  double worst_ms = 0;
  for (uint64_t seed = args.seed; seed < args.seed + args.seeds; ++seed) {
    const baton::sim::FailoverSimResult r = baton::sim::RunFailoverSeed(seed, options);
    episodes += static_cast<uint64_t>(r.episodes);
    failovers += static_cast<uint64_t>(r.failovers);
    worst_ms = std::max(worst_ms, r.worst_recovery_ms);
    if (args.verbose) {
      for (const std::string& line : r.trace) std::printf("%s\n", line.c_str());
      std::printf(
          "seed %llu: %d episodes, %d failovers, %llu writes (%llu acknowledged under "
          "sync/semi-sync), trace hash %016llx\n",
          static_cast<unsigned long long>(seed), r.episodes, r.failovers,
          static_cast<unsigned long long>(r.writes),
          static_cast<unsigned long long>(r.acknowledged),
          static_cast<unsigned long long>(r.trace_hash));
    }
    if (r.violation) {
      ++violations;
      std::printf("FAIL seed=%llu: %s\n  replay: %s\n", static_cast<unsigned long long>(seed),
                  r.violation->c_str(), FailoverReplayCommand(args, seed).c_str());
      std::fflush(stdout);
    }
  }
  std::printf("fault episodes: %llu, failovers: %llu, slowest replacement of a primary: %.0f ms\n",
              static_cast<unsigned long long>(episodes), static_cast<unsigned long long>(failovers),
              worst_ms);
  std::printf("failover-sim: %llu seeds, %llu violations\n",
              static_cast<unsigned long long>(args.seeds),
              static_cast<unsigned long long>(violations));
  return ExitStatus(args, violations);
}

int RunDemo(const Args& args) {
  std::printf(
      "baton demo: a SIMULATED %d-node cluster running the real Raft core in virtual "
      "time\n(seed %llu; tick 10 ms, heartbeat 20 ms, election timeout 100-200 ms, "
      "network latency 0.2-2 ms).\nNo processes, sockets or real clocks are involved.\n\n",
      args.nodes, static_cast<unsigned long long>(args.seed));
  std::vector<std::string> lines;
  const baton::sim::FailoverTimeline t =
      baton::sim::RunFailoverScenario(args.seed, args.nodes, &lines);
  for (const std::string& line : lines) std::printf("%s\n", line.c_str());
  if (t.violation || !t.failover()) {
    std::printf("\ndemo failed: %s\n", t.violation.value_or("no new commit").c_str());
    return 1;
  }
  std::printf(
      "\nsummary: leader node %llu crashed at %.1f ms; node %llu took over in term %llu; "
      "crash to first new commit: %.1f ms (virtual)\n",
      static_cast<unsigned long long>(t.old_leader), static_cast<double>(t.crashed.nanos()) / 1e6,
      static_cast<unsigned long long>(t.new_leader), static_cast<unsigned long long>(t.new_term),
      static_cast<double>(t.failover()->nanos()) / 1e6);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!Parse(argc, argv, &args)) return Usage();
  if (args.command == "raft") return RunRaft(args);
  if (args.command == "demo") return RunDemo(args);
  if (args.command == "failover") return RunFailover(args);
  return Usage();
}
