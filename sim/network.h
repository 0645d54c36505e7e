// SimNetwork: the simulated network between Raft nodes, in virtual time.
//
// Messages in flight sit in a priority queue keyed by delivery time (ties
// broken by send order, so a run is deterministic). Every fault is a knob in
// NetworkOptions and every random choice comes from the Rng passed in:
// a message may be lost, duplicated, or delayed by extra time (which reorders
// it past later messages). A partition is a set of cut directed links; a
// message is dropped when its link is cut at send time or at delivery time.
// Not thread-safe; owned by the simulator's single loop.
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "core/time.h"
#include "raft/types.h"

namespace baton::sim {

struct NetworkOptions {
  Duration latency_min = Duration::Micros(200);  // one-way delay, uniform in [min, max]
  Duration latency_max = Duration::Millis(2);
  double loss = 0;       // probability a message is dropped
  double duplicate = 0;  // probability a message is delivered twice
  double reorder = 0;    // probability a message gets reorder_delay_max extra, at most
  Duration reorder_delay_max = Duration::Millis(20);

  std::string ToString() const;
};

struct NetworkStats {
  uint64_t sent = 0;
  uint64_t delivered = 0;
  uint64_t lost = 0;  // dropped by the loss knob
  uint64_t cut = 0;   // dropped by a partition
  uint64_t duplicated = 0;
};

class SimNetwork {
 public:
  explicit SimNetwork(NetworkOptions options) : options_(options) {}

  const NetworkOptions& options() const { return options_; }
  void set_options(const NetworkOptions& options) { options_ = options; }
  const NetworkStats& stats() const { return stats_; }

  // Puts `message` in flight at `now` (or drops it, per the knobs).
  void Send(raft::Message message, Instant now, Rng& rng);

  // The delivery time of the earliest message in flight, if any.
  std::optional<Instant> NextDelivery() const;
  // Removes and returns the earliest message due at or before `now` whose
  // link is not cut; messages on cut links are dropped on the way.
  std::optional<raft::Message> PopDue(Instant now);
  size_t in_flight() const { return queue_.size(); }

  // Partitions. Cut(a, b) drops messages from a to b only (asymmetric).
  void Cut(raft::NodeId from, raft::NodeId to) { cut_.insert({from, to}); }
  void CutBoth(raft::NodeId a, raft::NodeId b) {
    Cut(a, b);
    Cut(b, a);
  }
  void HealAll() { cut_.clear(); }
  bool IsCut(raft::NodeId from, raft::NodeId to) const { return cut_.count({from, to}) > 0; }
  bool partitioned() const { return !cut_.empty(); }

 private:
  struct InFlight {
    Instant at;
    uint64_t seq;
    raft::Message message;
  };
  struct Later {
    bool operator()(const InFlight& a, const InFlight& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  void Enqueue(const raft::Message& message, Instant at);
  Duration DrawDelay(Rng& rng) const;

  NetworkOptions options_;
  NetworkStats stats_;
  uint64_t next_seq_ = 0;
  std::priority_queue<InFlight, std::vector<InFlight>, Later> queue_;
  std::set<std::pair<raft::NodeId, raft::NodeId>> cut_;
};

}  // namespace baton::sim
