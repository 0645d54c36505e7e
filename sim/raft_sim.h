// RunRaftSeed: one VOPR-style run of a Raft cluster from one seed.
//
// The seed picks every parameter (DrawParams). A fault phase runs clients
// against the cluster while partitions, crashes and restarts happen at random
// times; the SafetyChecker runs after every step. Then a liveness phase heals
// the network, restarts every node and requires a client operation invoked
// after the heal to complete within the budget. Finally the client history
// must be linearizable. The same seed and options give the same result and
// the same trace, byte for byte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "raft/config.h"
#include "sim/linearizability.h"

namespace baton::sim {

struct RaftSimOptions {
  int nodes = 3;
  raft::Config::Unsafe unsafe;
  bool record_trace = false;  // keep the event trace's text
};

struct RaftSimResult {
  uint64_t seed = 0;
  std::string params;                    // SimParams::ToString()
  std::optional<std::string> violation;  // the first one found
  LinearizabilityVerdict linearizability = LinearizabilityVerdict::kLinearizable;
  size_t operations = 0;     // client operations in the history
  size_t indeterminate = 0;  // of which the outcome is unknown
  uint64_t committed = 0;    // entries known committed at the end
  std::vector<std::string> trace;
  uint64_t trace_hash = 0;
};

RaftSimResult RunRaftSeed(uint64_t seed, const RaftSimOptions& options);

}  // namespace baton::sim
