#include "sim/cluster.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "core/check.h"

namespace baton::sim {

struct Cluster::Input {
  enum class Kind { kTick, kMessage, kSubmit } kind = Kind::kTick;
  raft::Message message;  // kMessage
  int client = 0;         // kSubmit: the client and the operation to submit
  uint64_t op_id = 0;
};

struct Cluster::Node {
  raft::NodeId id = raft::kNoNode;
  Duration tick_interval;
  bool up = false;
  std::unique_ptr<Rng> rng;  // the RawNode's; outlives it
  std::unique_ptr<raft::RawNode> raft;
  SimDisk disk;
  KvStore kv;
  raft::Index applied = 0;
  raft::Index last_snapshot = 0;
  Instant next_tick;
  std::optional<raft::Ready> in_flight;                // waiting for its fsync
  std::map<uint64_t, int> write_waiters;               // op id -> client
  std::map<uint64_t, int> read_waiters;                // op id -> client, before its ReadState
  std::vector<std::pair<raft::ReadState, int>> reads;  // ReadStates waiting for apply
  std::optional<Instant> restart_at;
  raft::Term leader_term_seen = 0;
  raft::SoftState soft;
};

struct Cluster::Client {
  int id = 0;
  raft::NodeId target = 1;
  std::optional<HistoryOp> op;
  bool submitted = false;  // op handed to target; waiting for the answer
  Instant next_action;     // submit (or resubmit) when !submitted
  Instant deadline;        // give up on op at this time
  uint64_t seq = 0;
};

Cluster::Cluster(const SimParams& params, Rng& rng, bool record_trace)
    : params_(params), rng_(rng), record_trace_(record_trace), network_(params.network) {
  for (int i = 1; i <= params_.nodes; ++i) voters_.push_back(i);
  for (raft::NodeId id : voters_) {
    auto node = std::make_unique<Node>();
    node->id = id;
    node->tick_interval =
        Duration::Nanos(static_cast<int64_t>(params_.tick.nanos() * params_.clock_rate[id - 1]));
    node->rng = std::make_unique<Rng>(rng_.Fork());
    auto raft = raft::RawNode::Bootstrap(params_.RaftConfig(id), voters_, *node->rng, logger_);
    BATON_CHECK(raft.has_value()) << raft.error().ToString();
    node->raft = std::move(raft).value();
    node->up = true;
    node->next_tick = now_ + node->tick_interval;
    nodes_.push_back(std::move(node));
  }
  for (int i = 0; i < params_.clients; ++i) {
    auto client = std::make_unique<Client>();
    client->id = i;
    client->target = static_cast<raft::NodeId>(rng_.UniformInt(1, params_.nodes));
    clients_.push_back(std::move(client));
  }
}

Cluster::~Cluster() = default;

// ---- Event loop ------------------------------------------------------------

void Cluster::RunUntil(Instant until) {
  while (!violation() && DispatchNext(until)) {
  }
  now_ = std::max(now_, until);
}

bool Cluster::DispatchNext(Instant until) {
  enum class What { kNone, kRestart, kSync, kMessage, kTick, kClient } what = What::kNone;
  Instant best = until;
  size_t who = 0;
  auto consider = [&](Instant at, What kind, size_t index) {
    if (at <= best && (what == What::kNone || at < best)) {
      best = at;
      what = kind;
      who = index;
    }
  };
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->restart_at) consider(*nodes_[i]->restart_at, What::kRestart, i);
  }
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->up && nodes_[i]->disk.syncing())
      consider(nodes_[i]->disk.sync_done(), What::kSync, i);
  }
  if (auto at = network_.NextDelivery()) consider(*at, What::kMessage, 0);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->up) consider(nodes_[i]->next_tick, What::kTick, i);
  }
  if (clients_running_) {
    for (size_t i = 0; i < clients_.size(); ++i) {
      const Client& c = *clients_[i];
      consider(c.op && c.submitted ? c.deadline
                                   : std::min(c.next_action, c.op ? c.deadline : c.next_action),
               What::kClient, i);
    }
  }
  if (what == What::kNone) return false;
  now_ = std::max(now_, best);
  switch (what) {
    case What::kRestart:
      Restart(nodes_[who]->id);
      break;
    case What::kSync:
      CompleteSync(*nodes_[who]);
      break;
    case What::kMessage:
      if (auto message = network_.PopDue(now_)) Deliver(std::move(*message));
      break;
    case What::kTick:
      TickNode(*nodes_[who]);
      break;
    case What::kClient:
      ClientAct(*clients_[who]);
      break;
    case What::kNone:
      break;
  }
  return true;
}

void Cluster::Deliver(raft::Message message) {
  Hash(static_cast<uint64_t>(message.type) << 32 ^ message.from << 16 ^ message.to);
  Hash(message.term << 20 ^ message.index);
  Node& node = N(message.to);
  if (!node.up) return;
  Input input;
  input.kind = Input::Kind::kMessage;
  input.message = std::move(message);
  Feed(node, std::move(input));
}

void Cluster::TickNode(Node& node) {
  node.next_tick += node.tick_interval;
  Feed(node, Input{});
}

// ---- One node's loop -----------------------------------------------------------

// Like the agent, a node keeps stepping while its write is in flight; only
// the next Ready waits for the sync (ProcessReady).
void Cluster::Feed(Node& node, Input input) {
  Handle(node, input);
  ProcessReady(node);
}

void Cluster::Handle(Node& node, const Input& input) {
  switch (input.kind) {
    case Input::Kind::kTick:
      node.raft->Tick();
      break;
    case Input::Kind::kMessage: {
      Status s = node.raft->Step(input.message);
      if (!s.ok()) {
        Fail("node " + std::to_string(node.id) + " rejected a " +
             raft::MessageTypeName(input.message.type) + " from " +
             std::to_string(input.message.from) + ": " + s.ToString());
      }
      break;
    }
    case Input::Kind::kSubmit: {
      Client& client = *clients_[input.client];
      if (!client.op || client.op->id != input.op_id) break;  // the client gave up meanwhile
      const HistoryOp& op = *client.op;
      Status s;
      if (op.kind == KvOpKind::kGet) {
        s = node.raft->ReadIndex(op.id);
        if (s.ok()) node.read_waiters[op.id] = client.id;
      } else {
        s = node.raft->Propose(EncodeCommand(KvCommand{op.id, op.kind, op.key, op.value}));
        if (s.ok()) node.write_waiters[op.id] = client.id;
      }
      // Refused: nothing was appended, so the same operation may go elsewhere.
      if (!s.ok()) Retry(client, node.raft->leader());
      break;
    }
  }
  Observe(node);
}

void Cluster::ProcessReady(Node& node) {
  while (node.up && !node.disk.syncing() && node.raft->HasReady()) {
    raft::Ready ready = node.raft->TakeReady();
    DiskWrite write;
    write.hard_state = ready.hard_state;
    write.snapshot = ready.snapshot;
    write.entries = ready.entries;
    if (write.empty()) {
      Finish(node, ready);
      continue;
    }
    const Duration fsync =
        Duration::Nanos(rng_.UniformInt(params_.fsync_min.nanos(), params_.fsync_max.nanos()));
    node.disk.Write(std::move(write), now_ + fsync);
    if (!ready.entries.empty()) {
      const auto prev = node.disk.current().TermAt(ready.entries.front().index - 1);
      BATON_CHECK(prev.has_value()) << "entries written after a compacted index";
      checker_.OnAppend(node.id, *prev, ready.entries);
    }
    // A leader replicates while its own write is in flight (Ready rule).
    std::erase_if(ready.messages, [&](const raft::Message& m) {
      if (!raft::SendableBeforePersisting(m)) return false;
      network_.Send(m, now_, rng_);
      return true;
    });
    node.in_flight = std::move(ready);
  }
}

void Cluster::CompleteSync(Node& node) {
  node.disk.CompleteSync();
  checker_.OnPersistedCommit(node.id, node.disk.synced().hard_state.commit);
  raft::Ready ready = std::move(*node.in_flight);
  node.in_flight.reset();
  Finish(node, ready);
  ProcessReady(node);
}

// Applies before sending (both only need the write to be durable), so that a
// BUGGIFY crash can fall between them: the leader has applied a commit but
// its followers never hear of it.
void Cluster::Finish(Node& node, const raft::Ready& ready) {
  if (ready.snapshot) {
    auto kv = KvStore::DecodeSnapshot(ready.snapshot->data);
    BATON_CHECK(kv.has_value()) << kv.error().ToString();
    node.kv = std::move(kv).value();
    node.applied = ready.snapshot->meta.index;
    node.last_snapshot = node.applied;
    checker_.OnSnapshot(node.id, node.applied, ready.snapshot->data);
    Trace("node " + std::to_string(node.id) + " installed snapshot at " +
          std::to_string(node.applied));
  }
  for (const raft::Entry& entry : ready.committed_entries) Apply(node, entry);
  if ((!ready.committed_entries.empty() || !ready.entries.empty()) &&
      node.raft->role() == raft::Role::kLeader && rng_.Chance(params_.crash_leader_before_send)) {
    Crash(node.id, Duration::Nanos(rng_.UniformInt(1, params_.downtime_max.nanos())));
    return;
  }
  for (const raft::Message& m : ready.messages) network_.Send(m, now_, rng_);
  for (const raft::ReadState& rs : ready.read_states) {
    auto it = node.read_waiters.find(rs.context);
    if (it == node.read_waiters.end()) continue;
    node.reads.emplace_back(rs, it->second);
    node.read_waiters.erase(it);
  }
  node.raft->Advance(ready);
  ServeReads(node);
  MaybeCompact(node);
  Observe(node);
}

void Cluster::Apply(Node& node, const raft::Entry& entry) {
  checker_.OnApply(node.id, entry);
  if (entry.index <= node.applied) {
    Fail("node " + std::to_string(node.id) + " applied index " + std::to_string(entry.index) +
         " again after " + std::to_string(node.applied));
    return;
  }
  node.applied = entry.index;
  Hash(entry.index << 8 ^ node.id);
  if (entry.type != raft::EntryType::kNormal || entry.data.empty()) return;
  auto command = DecodeCommand(entry.data);
  BATON_CHECK(command.has_value()) << command.error().ToString();
  node.kv.Apply(*command);
  auto it = node.write_waiters.find(command->op_id);
  if (it == node.write_waiters.end()) return;
  const int client = it->second;
  node.write_waiters.erase(it);
  Complete(*clients_[client], command->op_id, "");
}

void Cluster::ServeReads(Node& node) {
  auto ready = std::stable_partition(node.reads.begin(), node.reads.end(),
                                     [&](const auto& r) { return r.first.index > node.applied; });
  std::vector<std::pair<raft::ReadState, int>> served(ready, node.reads.end());
  node.reads.erase(ready, node.reads.end());
  for (const auto& [rs, client] : served) {
    const Client& c = *clients_[client];
    if (c.op && c.op->id == rs.context) {
      Complete(*clients_[client], rs.context, node.kv.Get(c.op->key));
    }
  }
}

void Cluster::MaybeCompact(Node& node) {
  if (node.applied < node.last_snapshot + params_.snapshot_every_entries) return;
  const auto term = node.disk.current().TermAt(node.applied);
  if (!term || node.disk.syncing()) return;
  // A snapshot stepped while the write was in flight is already ahead of us.
  if (node.applied < node.raft->first_index()) return;
  raft::Snapshot snapshot;
  snapshot.meta.index = node.applied;
  snapshot.meta.term = *term;
  snapshot.meta.conf = node.raft->conf_state();
  snapshot.data = node.kv.EncodeSnapshot();
  Status s = node.raft->Compact(node.applied, snapshot.data);
  if (!s.ok()) {
    Fail("node " + std::to_string(node.id) + " refused to compact at applied index " +
         std::to_string(node.applied) + ": " + s.ToString());
    return;
  }
  node.disk.SaveSnapshot(snapshot);
  node.last_snapshot = node.applied;
  checker_.OnSnapshot(node.id, node.applied, snapshot.data);
}

// After every step of a node: what the checker must see.
void Cluster::Observe(Node& node) {
  const raft::RawNode& raft = *node.raft;
  checker_.OnCommit(node.id, raft.commit_index());
  const raft::SoftState soft{raft.leader(), raft.role()};
  if (!(soft == node.soft)) {
    node.soft = soft;
    Trace("node " + std::to_string(node.id) + " " + raft::RoleName(soft.role) + " term " +
          std::to_string(raft.term()) + " leader " + std::to_string(soft.leader));
  }
  if (raft.role() == raft::Role::kLeader && raft.term() != node.leader_term_seen) {
    node.leader_term_seen = raft.term();
    auto log = raft.Entries(raft.first_index(), raft.last_index() + 1);
    BATON_CHECK(log.has_value()) << log.error().ToString();
    checker_.OnLeader(node.id, raft.term(), raft.first_index(), *log);
  }
}

// ---- Faults ----------------------------------------------------------------

void Cluster::Crash(raft::NodeId id) {
  Node& node = N(id);
  if (!node.up) return;
  Trace("node " + std::to_string(id) + " crashed" +
        (node.disk.syncing() ? " (unsynced write lost)" : ""));
  node.up = false;
  node.disk.Crash();
  node.raft.reset();
  node.rng.reset();
  node.in_flight.reset();
  node.write_waiters.clear();
  node.read_waiters.clear();
  node.reads.clear();
  node.kv = KvStore();
  node.soft = raft::SoftState{};
}

void Cluster::Crash(raft::NodeId id, Duration downtime) {
  if (!N(id).up) return;
  Crash(id);
  N(id).restart_at = now_ + downtime;
}

void Cluster::Restart(raft::NodeId id) {
  Node& node = N(id);
  if (node.up) return;
  node.restart_at.reset();
  const DiskState& disk = node.disk.synced();
  node.rng = std::make_unique<Rng>(rng_.Fork());
  // A node that crashed before its bootstrap state was durable has an empty
  // data directory, and an agent bootstraps it again, as at first start.
  const bool fresh =
      disk.hard_state == raft::HardState{} && disk.entries.empty() && disk.snapshot.empty();
  auto raft = fresh ? raft::RawNode::Bootstrap(params_.RaftConfig(id), voters_, *node.rng, logger_)
                    : raft::RawNode::Restore(params_.RaftConfig(id),
                                             {disk.hard_state, disk.snapshot, disk.entries},
                                             *node.rng, logger_);
  if (!raft.has_value()) {
    Fail("node " + std::to_string(id) + " failed to restore: " + raft.error().ToString());
    return;
  }
  node.raft = std::move(raft).value();
  node.kv = KvStore();
  if (!disk.snapshot.empty()) {
    auto kv = KvStore::DecodeSnapshot(disk.snapshot.data);
    BATON_CHECK(kv.has_value()) << kv.error().ToString();
    node.kv = std::move(kv).value();
  }
  node.applied = disk.snapshot.meta.index;
  node.last_snapshot = node.applied;
  node.up = true;
  node.next_tick = now_ + node.tick_interval;
  checker_.OnRestart(id);
  Trace("node " + std::to_string(id) + " restarted: term " + std::to_string(disk.hard_state.term) +
        " commit " + std::to_string(disk.hard_state.commit) + " last index " +
        std::to_string(disk.LastIndex()));
  Observe(node);
  ProcessReady(node);
}

bool Cluster::up(raft::NodeId id) const { return N(id).up; }

const raft::RawNode& Cluster::node(raft::NodeId id) const {
  BATON_CHECK(N(id).up) << "node " << id << " is down";
  return *N(id).raft;
}

raft::Index Cluster::applied(raft::NodeId id) const { return N(id).applied; }

std::optional<raft::NodeId> Cluster::Leader() const {
  std::optional<raft::NodeId> leader;
  raft::Term max_term = 0;
  for (const auto& node : nodes_) {
    if (!node->up) continue;
    if (node->raft->term() > max_term) {
      max_term = node->raft->term();
      leader.reset();
    }
    if (node->raft->term() == max_term && node->raft->role() == raft::Role::kLeader) {
      leader = node->id;
    }
  }
  return leader;
}

std::optional<std::string> Cluster::violation() const {
  if (checker_.violation()) return checker_.violation();
  return node_violation_;
}

// ---- Clients ---------------------------------------------------------------

Duration Cluster::Think() {
  return Duration::Nanos(rng_.UniformInt(0, params_.client_think_max.nanos()));
}

void Cluster::StartClients() {
  clients_running_ = true;
  for (auto& client : clients_) client->next_action = now_ + Think();
}

void Cluster::StopClients() {
  clients_running_ = false;
  for (auto& client : clients_) {
    if (client->op) GiveUp(*client);
  }
}

void Cluster::ClientAct(Client& client) {
  if (client.op && now_ >= client.deadline) {
    GiveUp(client);
    client.next_action = now_ + Think();
    return;
  }
  if (!client.op) NewOp(client);
  Submit(client);
}

void Cluster::NewOp(Client& client) {
  HistoryOp op;
  op.id = next_op_id_++;
  op.client = client.id;
  const int64_t roll = rng_.UniformInt(0, 9);
  op.kind = writes_only_ ? KvOpKind::kPut
            : roll < 3   ? KvOpKind::kGet
            : roll < 5   ? KvOpKind::kPut
                         : KvOpKind::kAppend;
  // Appended piecewise: g++ 12 -O3 warns falsely on `"k" + std::to_string(...)`.
  op.key = "k";
  op.key += std::to_string(rng_.UniformInt(1, params_.keys));
  if (op.kind != KvOpKind::kGet) {
    op.value = "c";
    op.value += std::to_string(client.id) + "." + std::to_string(++client.seq) + ";";
  }
  op.invoke = now_;
  client.deadline = now_ + params_.client_timeout;
  client.op = std::move(op);
}

void Cluster::Submit(Client& client) {
  Node& node = N(client.target);
  if (!node.up) {
    Retry(client, raft::kNoNode);
    return;
  }
  client.submitted = true;
  Input input;
  input.kind = Input::Kind::kSubmit;
  input.client = client.id;
  input.op_id = client.op->id;
  Feed(node, std::move(input));
}

void Cluster::Retry(Client& client, raft::NodeId hint) {
  client.submitted = false;
  client.target = hint != raft::kNoNode && hint != client.target
                      ? hint
                      : client.target % static_cast<raft::NodeId>(params_.nodes) + 1;
  client.next_action = now_ + Duration::Millis(rng_.UniformInt(1, 20));
}

void Cluster::Complete(Client& client, uint64_t op_id, std::string output) {
  if (!client.op || client.op->id != op_id) return;  // the client gave up on it
  HistoryOp& op = *client.op;
  op.output = std::move(output);
  op.complete = now_;
  last_completed_invoke_ = std::max(last_completed_invoke_.value_or(op.invoke), op.invoke);
  Hash(op.id);
  if (record_trace_) {
    Trace("client " + std::to_string(client.id) + " " + KvOpKindName(op.kind) + " " + op.key +
          (op.kind == KvOpKind::kGet ? " -> '" + op.output + "'" : " '" + op.value + "'") + " ok");
  }
  history_.push_back(std::move(op));
  client.op.reset();
  client.submitted = false;
  client.next_action = now_ + Think();
}

void Cluster::GiveUp(Client& client) {
  HistoryOp& op = *client.op;
  op.indeterminate = true;
  if (record_trace_) {
    Trace("client " + std::to_string(client.id) + " " + KvOpKindName(op.kind) + " " + op.key +
          " timed out (indeterminate)");
  }
  history_.push_back(std::move(op));
  client.op.reset();
  client.submitted = false;
  client.target = client.target % static_cast<raft::NodeId>(params_.nodes) + 1;
}

// ---- Trace -----------------------------------------------------------------

void Cluster::Hash(uint64_t value) {
  for (int i = 0; i < 8; ++i) {
    trace_hash_ ^= (value >> (8 * i)) & 0xff;
    trace_hash_ *= 1099511628211ULL;
  }
}

void Cluster::Trace(const std::string& text) {
  for (char c : text) Hash(static_cast<unsigned char>(c));
  if (!record_trace_) return;
  char stamp[32];
  std::snprintf(stamp, sizeof(stamp), "%10.3fms ", static_cast<double>(now_.nanos()) / 1e6);
  trace_.push_back(stamp + text);
}

void Cluster::Fail(std::string what) {
  if (!node_violation_) node_violation_ = std::move(what);
}

}  // namespace baton::sim
