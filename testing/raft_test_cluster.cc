#include "testing/raft_test_cluster.h"

#include <algorithm>

#include "core/check.h"

namespace baton::raft {

RaftTestCluster::RaftTestCluster(size_t voters, std::function<void(Config&)> tweak, uint64_t seed)
    : tweak_(std::move(tweak)), seed_(seed) {
  std::vector<NodeId> ids;
  for (NodeId id = 1; id <= voters; ++id) ids.push_back(id);
  for (NodeId id : ids) {
    configs_[id] = MakeConfig(id);
    rngs_[id] = std::make_unique<Rng>(seed_ * 1000 + id);
    auto node = RawNode::Bootstrap(configs_[id], ids, *rngs_[id], logger_);
    BATON_CHECK(node.has_value()) << node.error().ToString();
    nodes_[id] = std::move(*node);
    disks_[id] = Disk{};
    applied_[id] = {};
    restored_snapshot_[id] = 0;
  }
}

Config RaftTestCluster::MakeConfig(NodeId id) const {
  Config config;
  config.id = id;
  if (tweak_) tweak_(config);
  config.id = id;
  return config;
}

RawNode& RaftTestCluster::node(NodeId id) {
  auto it = nodes_.find(id);
  BATON_CHECK(it != nodes_.end()) << "no node " << id;
  return *it->second;
}

std::vector<NodeId> RaftTestCluster::ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, node] : nodes_) out.push_back(id);
  return out;
}

void RaftTestCluster::AddJoiningNode(NodeId id) {
  BATON_CHECK(!nodes_.count(id)) << "node " << id << " exists";
  configs_[id] = MakeConfig(id);
  rngs_[id] = std::make_unique<Rng>(seed_ * 1000 + id);
  auto node = RawNode::Bootstrap(configs_[id], {}, *rngs_[id], logger_);
  BATON_CHECK(node.has_value()) << node.error().ToString();
  nodes_[id] = std::move(*node);
  disks_[id] = Disk{};
  applied_[id] = {};
  restored_snapshot_[id] = 0;
}

void RaftTestCluster::Restart(NodeId id) {
  const Disk& disk = disks_.at(id);
  RestoredState state{disk.hard_state, disk.snapshot, disk.entries};
  nodes_.erase(id);
  auto node = RawNode::Restore(configs_.at(id), state, *rngs_.at(id), logger_);
  BATON_CHECK(node.has_value()) << node.error().ToString();
  nodes_[id] = std::move(*node);
  // The state machine is rebuilt from the snapshot; the log is re-applied.
  applied_[id].clear();
  restored_snapshot_[id] = disk.snapshot.meta.index;
  // Messages in flight to or from a crashed node are lost.
  std::erase_if(queue_, [&](const Message& m) { return m.to == id || m.from == id; });
}

void RaftTestCluster::Cut(NodeId a, NodeId b) {
  cut_.emplace(a, b);
  cut_.emplace(b, a);
}

void RaftTestCluster::Isolate(NodeId id) {
  for (const auto& [other, node] : nodes_) {
    if (other != id) Cut(id, other);
  }
}

void RaftTestCluster::Partition(const std::vector<NodeId>& side_a,
                                const std::vector<NodeId>& side_b) {
  for (NodeId a : side_a) {
    for (NodeId b : side_b) Cut(a, b);
  }
}

void RaftTestCluster::Heal() { cut_.clear(); }

bool RaftTestCluster::LinkCut(NodeId a, NodeId b) const { return cut_.count({a, b}) > 0; }

void RaftTestCluster::Persist(NodeId id, const Ready& rd) {
  Disk& disk = disks_.at(id);
  if (rd.snapshot.has_value()) {
    disk.snapshot = *rd.snapshot;
    disk.entries.clear();
  }
  if (!rd.entries.empty()) {
    const Index from = rd.entries.front().index;
    std::erase_if(disk.entries, [&](const Entry& e) { return e.index >= from; });
    disk.entries.insert(disk.entries.end(), rd.entries.begin(), rd.entries.end());
  }
  if (rd.hard_state.has_value()) disk.hard_state = *rd.hard_state;
}

void RaftTestCluster::Apply(NodeId id, const Ready& rd) {
  if (rd.snapshot.has_value()) {
    applied_[id].clear();
    restored_snapshot_[id] = rd.snapshot->meta.index;
  }
  for (const Entry& e : rd.committed_entries) applied_[id].push_back(e);
  auto& reads = read_states_[id];
  reads.insert(reads.end(), rd.read_states.begin(), rd.read_states.end());
}

bool RaftTestCluster::ProcessReadies() {
  bool any = false;
  for (auto& [id, node] : nodes_) {
    // Bounded: each Ready either drains the node or it is advanced.
    for (int i = 0; i < 16 && node->HasReady(); ++i) {
      any = true;
      Ready rd = node->TakeReady();
      Persist(id, rd);
      for (Message& m : rd.messages) {
        BATON_CHECK(m.from == id && m.to != id) << "bad envelope";
        queue_.push_back(std::move(m));
      }
      Apply(id, rd);
      node->Advance(rd);
    }
  }
  return any;
}

size_t RaftTestCluster::DeliverQueued() {
  std::deque<Message> batch;
  batch.swap(queue_);
  size_t delivered = 0;
  for (Message& m : batch) {
    if (LinkCut(m.from, m.to) || (filter_ && !filter_(m))) continue;
    auto it = nodes_.find(m.to);
    if (it == nodes_.end()) continue;
    ++delivered_[m.type];
    ++delivered;
    if (!it->second->Step(m).ok()) ++step_errors_[m.to];
  }
  return delivered;
}

bool RaftTestCluster::Stabilize(size_t max_rounds) {
  for (size_t round = 0; round < max_rounds; ++round) {
    ProcessReadies();
    if (queue_.empty()) return true;
    DeliverQueued();
  }
  return false;
}

void RaftTestCluster::Tick(NodeId id) { node(id).Tick(); }

void RaftTestCluster::TickAll() {
  for (auto& [id, node] : nodes_) node->Tick();
}

void RaftTestCluster::TickAndStabilize(int ticks) {
  for (int i = 0; i < ticks; ++i) {
    TickAll();
    Stabilize();
  }
}

NodeId RaftTestCluster::Elect(NodeId id) {
  node(id).Campaign();
  Stabilize();
  return node(id).leader();
}

NodeId RaftTestCluster::Leader() const {
  NodeId leader = kNoNode;
  Term best = 0;
  for (const auto& [id, node] : nodes_) {
    if (node->role() == Role::kLeader && node->term() >= best) {
      leader = id;
      best = node->term();
    }
  }
  return leader;
}

Status RaftTestCluster::ProposeAndStabilize(NodeId id, const std::string& data) {
  Status s = node(id).Propose(data);
  Stabilize();
  return s;
}

Status RaftTestCluster::Compact(NodeId id, Index index) {
  return Compact(id, index, "snapshot@" + std::to_string(index));
}

Status RaftTestCluster::Compact(NodeId id, Index index, const std::string& data) {
  Status s = node(id).Compact(index, data);
  if (!s.ok()) return s;
  Disk& disk = disks_.at(id);
  auto it = std::find_if(disk.entries.begin(), disk.entries.end(),
                         [&](const Entry& e) { return e.index == index; });
  BATON_CHECK(it != disk.entries.end()) << "compacting an entry not on disk";
  disk.snapshot.meta.index = index;
  disk.snapshot.meta.term = it->term;
  disk.snapshot.meta.conf = node(id).conf_state();
  disk.snapshot.data = data;
  disk.entries.erase(disk.entries.begin(), it + 1);
  return s;
}

std::deque<Message> RaftTestCluster::TakeQueued() {
  std::deque<Message> out;
  out.swap(queue_);
  return out;
}

}  // namespace baton::raft
