// RaftTestCluster: N RawNodes wired by an in-memory network, for Raft tests.
//
// The cluster plays the application: it runs each node's Ready loop (persist
// to a per-node in-memory "disk", then queue the messages, then apply the
// committed entries), and delivers queued messages in FIFO order. Faults:
// cut links (Isolate, Partition, Cut), a rewriting/dropping filter, and Restart (rebuild a
// node from its disk, losing volatile state). Time moves only through Tick.
// Every loop is bounded; Stabilize reports whether the network went quiet.
// Deterministic: node i draws from Rng(seed * 1000 + i).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/logger.h"
#include "core/rng.h"
#include "raft/raw_node.h"

namespace baton::raft {

class RaftTestCluster {
 public:
  // What a node has made durable, as RawNode::Restore wants it.
  struct Disk {
    HardState hard_state;
    Snapshot snapshot;
    std::vector<Entry> entries;  // after snapshot.meta.index
  };

  // Nodes 1..voters, all founding voters. `tweak` adjusts each node's Config.
  explicit RaftTestCluster(size_t voters, std::function<void(Config&)> tweak = nullptr,
                           uint64_t seed = 1);

  RawNode& node(NodeId id);
  std::vector<NodeId> ids() const;
  Config& config(NodeId id) { return configs_.at(id); }
  const Disk& disk(NodeId id) const { return disks_.at(id); }
  // Entries applied by `id` since its last snapshot restore (no-ops included).
  const std::vector<Entry>& applied(NodeId id) const { return applied_.at(id); }
  // Index of the last snapshot `id`'s state machine was restored from.
  Index restored_snapshot(NodeId id) const { return restored_snapshot_.at(id); }
  std::vector<ReadState>& read_states(NodeId id) { return read_states_[id]; }

  // Adds a node with an empty membership that waits to be added.
  void AddJoiningNode(NodeId id);
  // Rebuilds `id` from its disk, as after a crash and restart.
  void Restart(NodeId id);

  // Network faults. A cut link drops messages in both directions.
  void Cut(NodeId a, NodeId b);
  void Isolate(NodeId id);
  void Partition(const std::vector<NodeId>& side_a, const std::vector<NodeId>& side_b);
  void Heal();
  // Every message about to be delivered passes through `keep`, which may
  // rewrite it (e.g. trim entries) and returns false to drop it. nullptr
  // clears the filter.
  void SetFilter(std::function<bool(Message&)> keep) { filter_ = std::move(keep); }

  // Runs the Ready loop of every node once; returns true if any had work.
  bool ProcessReadies();
  // Delivers every message queued now (not those they cause); returns the
  // number delivered.
  size_t DeliverQueued();
  // Repeats ProcessReadies + DeliverQueued until no message is queued.
  // Returns false if `max_rounds` was not enough.
  bool Stabilize(size_t max_rounds = 1000);
  void Tick(NodeId id);
  void TickAll();
  // Ticks every node `ticks` times, stabilizing after each round.
  void TickAndStabilize(int ticks);
  // node(id).Campaign(), then Stabilize. Returns the leader id seen by `id`.
  NodeId Elect(NodeId id);
  // The unique node that is leader at the highest term, or kNoNode.
  NodeId Leader() const;
  // Proposes on `id` and stabilizes; returns the Propose status.
  Status ProposeAndStabilize(NodeId id, const std::string& data);
  // Compacts `id`'s log up to `index` (its disk keeps the snapshot), with
  // the image "snapshot@<index>" or `data`.
  Status Compact(NodeId id, Index index);
  Status Compact(NodeId id, Index index, const std::string& data);

  // Messages queued right now (after ProcessReadies), in order.
  const std::deque<Message>& queued() const { return queue_; }
  std::deque<Message> TakeQueued();
  // Counters over every delivered message, by type.
  std::map<MessageType, size_t>& delivered() { return delivered_; }
  // Step() errors seen during delivery, by node.
  std::map<NodeId, size_t>& step_errors() { return step_errors_; }

 private:
  Config MakeConfig(NodeId id) const;
  void Persist(NodeId id, const Ready& rd);
  void Apply(NodeId id, const Ready& rd);
  bool LinkCut(NodeId a, NodeId b) const;

  std::function<void(Config&)> tweak_;
  uint64_t seed_;
  NullLogger logger_;
  std::map<NodeId, Config> configs_;
  std::map<NodeId, std::unique_ptr<Rng>> rngs_;
  std::map<NodeId, std::unique_ptr<RawNode>> nodes_;
  std::map<NodeId, Disk> disks_;
  std::map<NodeId, std::vector<Entry>> applied_;
  std::map<NodeId, Index> restored_snapshot_;
  std::map<NodeId, std::vector<ReadState>> read_states_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  std::function<bool(Message&)> filter_;
  std::deque<Message> queue_;
  std::map<MessageType, size_t> delivered_;
  std::map<NodeId, size_t> step_errors_;
};

}  // namespace baton::raft
