// Cluster: N real raft::RawNodes in one deterministic virtual world.
//
// One loop over virtual time (nanoseconds) dispatches, one at a time and in
// a fixed order for equal times: fsync completions, message deliveries, node
// ticks (each node's tick interval scaled by its clock rate) and client
// actions. Every random choice comes from the Rng given at construction, so
// a seed replays exactly.
//
// Each node follows the Ready rule through a SimDisk, as the agent does: a
// Ready's hard state, entries and snapshot are written; a leader's appends
// and heartbeats leave at once; its other messages are sent, its entries
// applied and the Ready advanced only when the fsync completes. While the
// fsync is outstanding the node keeps stepping messages, ticks and client
// operations; only its next Ready waits.
// A crash loses unsynced writes; a restart rebuilds the node with
// RawNode::Restore from what was synced.
//
// Clients run put / append on a few keys through Propose and reads through
// ReadIndex, against the node they believe leads; every operation is recorded
// in the History. After every step the SafetyChecker sees what changed.
//
// The fault policy (when to cut links, crash, restart) is the caller's.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/logger.h"
#include "core/rng.h"
#include "core/time.h"
#include "raft/raw_node.h"
#include "sim/disk.h"
#include "sim/history.h"
#include "sim/invariants.h"
#include "sim/kv.h"
#include "sim/network.h"
#include "sim/params.h"

namespace baton::sim {

class Cluster {
 public:
  // `record_trace` keeps the text of every traced event (for --verbose and
  // the determinism test); the trace hash is kept either way.
  Cluster(const SimParams& params, Rng& rng, bool record_trace);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Processes every event due up to `until`, then sets now() to `until`.
  // Stops early at the first safety violation.
  void RunUntil(Instant until);
  Instant now() const { return now_; }

  // Faults. Crash(id, downtime) also schedules the restart; Restart brings
  // a node back at once (and cancels a scheduled restart).
  void Crash(raft::NodeId id);
  void Crash(raft::NodeId id, Duration downtime);
  void Restart(raft::NodeId id);
  bool up(raft::NodeId id) const;
  // Turns off the BUGGIFY crash point (for the liveness phase).
  void DisableBuggify() { params_.crash_leader_before_send = 0; }
  SimNetwork& network() { return network_; }
  // Calls Trace; for the fault policy's own events.
  void Note(const std::string& text) { Trace(text); }

  // Workload. Clients start idle; Start lets them issue operations, Stop
  // makes them finish: outstanding operations become indeterminate.
  void StartClients();
  void StopClients();
  // Only puts (no gets or appends) when true; for the demo's readable story.
  void set_writes_only(bool writes_only) { writes_only_ = writes_only; }

  // Introspection of a running node. REQUIRES: up(id).
  const raft::RawNode& node(raft::NodeId id) const;
  raft::Index applied(raft::NodeId id) const;
  // The up node that is leader in the highest term any up node is in.
  std::optional<raft::NodeId> Leader() const;

  const SafetyChecker& checker() const { return checker_; }
  // A violation the checker found, or a node that misbehaved (a Step error,
  // a failed restore).
  std::optional<std::string> violation() const;
  const History& history() const { return history_; }
  // Latest invocation time of a client operation that completed.
  std::optional<Instant> last_completed_invoke() const { return last_completed_invoke_; }

  const std::vector<std::string>& trace() const { return trace_; }
  uint64_t trace_hash() const { return trace_hash_; }

 private:
  struct Node;
  struct Client;
  struct Input;

  Node& N(raft::NodeId id) { return *nodes_[id - 1]; }
  const Node& N(raft::NodeId id) const { return *nodes_[id - 1]; }

  // Event loop.
  bool DispatchNext(Instant until);
  void Deliver(raft::Message message);
  void TickNode(Node& node);
  void ClientAct(Client& client);

  // One node's loop.
  void Feed(Node& node, Input input);
  void Handle(Node& node, const Input& input);
  void ProcessReady(Node& node);
  void CompleteSync(Node& node);
  void Finish(Node& node, const raft::Ready& ready);
  void Apply(Node& node, const raft::Entry& entry);
  void ServeReads(Node& node);
  void MaybeCompact(Node& node);
  void Observe(Node& node);

  // Clients.
  void NewOp(Client& client);
  void Submit(Client& client);
  void Retry(Client& client, raft::NodeId hint);
  void Complete(Client& client, uint64_t op_id, std::string output);
  void GiveUp(Client& client);
  Duration Think();

  void Trace(const std::string& text);
  void Hash(uint64_t value);
  void Fail(std::string what);

  SimParams params_;
  std::vector<raft::NodeId> voters_;  // 1..nodes, the founding membership
  Rng& rng_;
  bool record_trace_;
  NullLogger logger_;
  Instant now_;
  SimNetwork network_;
  SafetyChecker checker_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Client>> clients_;
  bool clients_running_ = false;
  bool writes_only_ = false;
  uint64_t next_op_id_ = 1;
  History history_;
  std::optional<Instant> last_completed_invoke_;
  std::optional<std::string> node_violation_;
  std::vector<std::string> trace_;
  uint64_t trace_hash_ = 1469598103934665603ULL;
};

}  // namespace baton::sim
