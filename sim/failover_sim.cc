#include "sim/failover_sim.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <utility>

#include "core/rng.h"
#include "failover/coordinator.h"
#include "failover/member_agent.h"
#include "sim/failover_params.h"
#include "sim/failover_service.h"
#include "store/lease_keeper.h"
#include "store/state_machine.h"

namespace baton::sim {
namespace {

using failover::AdapterCommand;
using failover::AgentReady;
using failover::CommandKind;
using failover::Coordinator;
using failover::GroupRecord;
using failover::LeaseOpKind;
using failover::LeaseWork;
using failover::MemberAgent;
using failover::MemberRecord;

constexpr Instant kStart = Instant::FromNanos(0);

enum class FaultKind {
  kPrimaryMemberCrash,
  kPrimaryNodeCrash,
  kPrimaryIsolated,
  kPrimaryAgentPaused,
  kReplicaMemberCrash,
  kOtherNodeCrash,
  kOtherIsolated,
  kOtherAgentPaused,
  kStoreLeaderChange,
};
constexpr int kFaultKinds = 9;

const char* FaultName(FaultKind k) {
  switch (k) {
    case FaultKind::kPrimaryMemberCrash:
      return "primary-member-crash";
    case FaultKind::kPrimaryNodeCrash:
      return "primary-node-crash";
    case FaultKind::kPrimaryIsolated:
      return "primary-node-isolated";
    case FaultKind::kPrimaryAgentPaused:
      return "primary-agent-paused";
    case FaultKind::kReplicaMemberCrash:
      return "replica-member-crash";
    case FaultKind::kOtherNodeCrash:
      return "other-node-crash";
    case FaultKind::kOtherIsolated:
      return "other-node-isolated";
    case FaultKind::kOtherAgentPaused:
      return "other-agent-paused";
    case FaultKind::kStoreLeaderChange:
      return "store-leader-change";
  }
  return "?";
}

bool BrokenRule(const FailoverSimOptions& o) {
  return o.unsafe_promote_before_lease_margin || o.unsafe_no_self_fence || o.unsafe_no_watchdog;
}

struct Node {
  std::string name;
  std::string member;  // the one member it runs
  double rate = 1;
  bool up = true;
  bool paused = false;  // the agent process is stopped (SIGSTOP)
  uint64_t incarnation = 0;
  std::unique_ptr<MemberAgent> agent;
  std::vector<std::function<void()>> inbox;   // work that arrived while paused
  store::LeaseId lease_id = store::kNoLease;  // the store lease its holder keeps
  int down_checks = 0;
  detect::Health health = detect::Health::kHealthy;
  store::Revision group_revision = 0;       // the newest group record it was given
  std::optional<uint64_t> fence_in_flight;  // a kFence command not yet answered
  std::vector<LeaseWork> releases;          // waiting for that fence
  std::optional<Instant> watchdog;          // armed deadline, on this node's clock
  Instant adapter_free = kStart;            // one member's commands run in order
  // This node's store replica's lease clock (store/lease_keeper.h): it follows
  // the applied log on this node's clock and decides expiry while leading.
  store::LeaseKeeper keeper;
  // Some applied entries passed this replica by (down, paused, cut off): it
  // catches up later, at a time the sim does not model, so on taking office it
  // restarts every lease at a full ttl (Restore), the conservative choice.
  bool keeper_stale = true;
};

class World {
 public:
  World(uint64_t seed, const FailoverSimOptions& options)
      : options_(options),
        rng_(seed),
        params_(DrawFailoverParams(rng_, options.nodes, BrokenRule(options))),
        config_(MakeConfig()),
        service_(config_) {
    for (int i = 0; i < params_.nodes; ++i) {
      Node& n = nodes_.emplace_back();
      n.name = config_.members[i].node;
      n.member = config_.members[i].name;
      n.rate = params_.rate[i];
    }
  }

  FailoverSimResult Run(uint64_t seed);

 private:
  failover::GroupConfig MakeConfig() const {
    failover::GroupConfig g = FailoverSimGroup(params_);
    g.unsafe.promote_before_lease_margin = options_.unsafe_promote_before_lease_margin;
    g.unsafe.no_self_fence = options_.unsafe_no_self_fence;
    return g;
  }

  // Time and events.
  Instant Local(int n) const {
    return Instant::FromNanos(
        static_cast<int64_t>(static_cast<double>(now_.nanos()) * nodes_[n].rate));
  }
  Instant TrueTime(int n, Instant local) const {
    return Instant::FromNanos(
               static_cast<int64_t>(static_cast<double>(local.nanos()) / nodes_[n].rate)) +
           Duration::Nanos(1);
  }
  void At(Instant at, std::function<void()> fn) {
    queue_.push(Event{std::max(at, now_), seq_++, std::move(fn)});
  }
  Duration Draw(Duration lo, Duration hi) {
    return Duration::Nanos(rng_.UniformInt(lo.nanos(), hi.nanos()));
  }
  bool Step();
  template <typename Pred>
  bool RunUntil(Pred pred, Instant limit) {
    while (!violation_ && !pred()) {
      if (queue_.empty() || queue_.top().at > limit) {
        now_ = std::max(now_, limit);
        return pred();
      }
      Step();
    }
    return pred();
  }
  void RunTo(Instant t) {
    RunUntil([] { return false; }, t);
  }
  void Trace(const std::string& text);
  void Violation(const std::string& what) {
    if (!violation_) violation_ = what;
  }

  // Network: per-link FIFO, loss as retransmission delay, cut links drop.
  bool Connected(int a, int b) const {
    return nodes_[a].up && nodes_[b].up && isolated_.contains(a) == isolated_.contains(b);
  }
  void Send(int from, int to, std::function<void()> fn);
  // Runs `fn` in node n's agent process (held while it is paused).
  void InAgent(int n, uint64_t incarnation, std::function<void()> fn);

  // Store.
  void StoreRequest(int from, std::function<void()> on_leader);
  void Commit(std::vector<store::Command> commands,
              std::function<void(const std::vector<store::ApplyResult>&)> done);
  void Publish(const store::ApplyResult& result);
  void SendGroup(int leader, int n, const GroupRecord& g, store::Revision rev);
  void SendSync(int leader, int n, const failover::SyncRecord& sync, store::Revision rev);
  void SendPeer(int leader, int n, const MemberRecord& r);
  void LoseLeader(const std::string& why);
  // Every replica that receives the log applies `result` now, on its clock.
  void ObserveOnReplicas(const store::ApplyResult& result);
  store::LeaseKeeper& Keeper() { return nodes_[leader_].keeper; }  // REQUIRES: a leader
  void Elect();
  void Resync(int n);

  // Agents.
  void StartAgent(int n);
  void TickNode(int n, uint64_t incarnation);
  void RunTimer(int n);
  void CheckMember(int n);
  void PumpAgent(int n);
  void RunCommand(int n, const AdapterCommand& c);
  void RunLeaseWork(int n, const LeaseWork& w);
  void SendRelease(int n, const LeaseWork& w);
  void SendReport(int n, const MemberRecord& r);
  void ArmWatchdog(int n);
  void PumpCoordinator();

  // Service.
  void ClientWrites();
  void Pulls(int m);

  // Faults and the story.
  int PrimaryNode() const;
  bool Settled() const;
  bool SyncStandbysComplete(int p) const;
  void Episode(int number);
  void Inject(FaultKind kind, int n);
  void Heal(FaultKind kind, int n);
  bool Faulty(int n) const { return !nodes_[n].up || nodes_[n].paused || isolated_.contains(n); }

  struct Event {
    Instant at;
    uint64_t seq;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };

  const FailoverSimOptions options_;
  Rng rng_;
  const FailoverSimParams params_;
  const failover::GroupConfig config_;
  SimService service_;
  std::vector<Node> nodes_;
  std::set<int> isolated_;
  Instant now_ = kStart;
  uint64_t seq_ = 0;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::map<std::pair<int, int>, Instant> link_free_;

  store::StateMachine sm_;
  uint64_t index_ = 0;
  store::LeaseId next_lease_ = 1;
  int leader_ = -1;
  uint64_t term_ = 0;
  Instant commit_free_ = kStart;
  bool electing_ = false;
  std::unique_ptr<Coordinator> coordinator_;
  failover::Epoch max_epoch_ = 0;

  std::optional<std::string> violation_;
  FailoverSimResult result_;
};

bool World::Step() {
  Event e = queue_.top();
  queue_.pop();
  now_ = e.at;
  e.fn();
  if (service_.violation()) Violation(*service_.violation());
  return true;
}

void World::Trace(const std::string& text) {
  if (!options_.record_trace) return;
  char stamp[32];
  std::snprintf(stamp, sizeof(stamp), "%10.3f ", static_cast<double>(now_.nanos()) / 1e6);
  std::string line = stamp + text;
  for (char c : line) {
    result_.trace_hash ^= static_cast<unsigned char>(c);
    result_.trace_hash *= 1099511628211ULL;
  }
  result_.trace.push_back(std::move(line));
}

void World::Send(int from, int to, std::function<void()> fn) {
  if (!Connected(from, to)) return;
  Duration delay = Duration::Zero();
  if (from != to) {
    delay = Draw(params_.net_min, params_.net_max);
    for (int i = 0; i < params_.max_retransmits && rng_.Chance(params_.loss); ++i) {
      delay += params_.retransmit;
    }
  }
  Instant& free = link_free_[{from, to}];
  free = std::max(free, now_ + delay);
  const uint64_t incarnation = nodes_[to].incarnation;
  At(free, [this, from, to, incarnation, fn = std::move(fn)] {
    if (Connected(from, to) && nodes_[to].incarnation == incarnation) fn();
  });
}

void World::InAgent(int n, uint64_t incarnation, std::function<void()> fn) {
  Node& node = nodes_[n];
  if (!node.up || node.incarnation != incarnation) return;
  if (node.paused) return node.inbox.push_back(std::move(fn));
  fn();
  PumpAgent(n);
}

// A request reaches the leader it was sent to, or is lost with it.
void World::StoreRequest(int from, std::function<void()> on_leader) {
  if (leader_ < 0) return;
  const int leader = leader_;
  const uint64_t term = term_;
  Send(from, leader, [this, leader, term, on_leader = std::move(on_leader)] {
    if (leader_ == leader && term_ == term) on_leader();
  });
}

void World::Commit(std::vector<store::Command> commands,
                   std::function<void(const std::vector<store::ApplyResult>&)> done) {
  const uint64_t term = term_;
  commit_free_ = std::max(commit_free_, now_ + Draw(params_.commit_min, params_.commit_max));
  At(commit_free_, [this, term, commands = std::move(commands), done = std::move(done)] {
    if (term_ != term || leader_ < 0) return;  // the leader lost office before committing
    std::vector<store::ApplyResult> results;
    for (const store::Command& c : commands) {
      results.push_back(sm_.Apply(++index_, store::EncodeCommand(c)));
      ObserveOnReplicas(results.back());
      Publish(results.back());
    }
    if (done) done(results);
    PumpCoordinator();
  });
}

void World::ObserveOnReplicas(const store::ApplyResult& result) {
  for (int n = 0; n < params_.nodes; ++n) {
    Node& node = nodes_[n];
    if (node.up && !node.paused && !isolated_.contains(n)) {
      node.keeper.Observe(result, Local(n));
    } else {
      node.keeper_stale = true;
    }
  }
}

void World::Publish(const store::ApplyResult& result) {
  bool fenced_report = false;
  const std::string members_prefix = failover::MemberKey(config_.name, "");
  for (const store::Event& e : result.events) {
    if (e.type == store::EventType::kPut && e.kv.key.starts_with(members_prefix)) {
      fenced_report = fenced_report || failover::DecodeMemberRecord(e.kv.value)->role ==
                                           failover::MemberRole::kFenced;
    }
  }
  const Instant local = Local(leader_);
  for (const store::Event& e : result.events) {
    const std::string& key = e.kv.key;
    const bool put = e.type == store::EventType::kPut;
    if (key == failover::GroupKey(config_.name)) {
      const GroupRecord g = *failover::DecodeGroupRecord(e.kv.value);
      if (g.epoch < max_epoch_) {
        Violation("group epoch went back from " + std::to_string(max_epoch_) + " to " +
                  std::to_string(g.epoch));
      }
      max_epoch_ = std::max(max_epoch_, g.epoch);
      Trace("store group epoch=" + std::to_string(g.epoch) + " primary=" + g.primary + " " +
            std::string(failover::GroupStateName(g.state)) +
            " rev=" + std::to_string(e.kv.mod_revision));
      if (coordinator_) coordinator_->Step(failover::GroupObserved{g, e.kv.mod_revision}, local);
      const store::Revision rev = e.kv.mod_revision;
      for (int n = 0; n < params_.nodes; ++n) SendGroup(leader_, n, g, rev);
    } else if (key == failover::SyncKey(config_.name) && put) {
      const failover::SyncRecord sync = *failover::DecodeSyncRecord(e.kv.value);
      Trace("store sync epoch=" + std::to_string(sync.epoch) + " primary=" + sync.primary +
            " standbys=" + std::to_string(sync.members.size()));
      service_.SetSyncStandbys(sync);  // the primary applies the set as it commits
      if (coordinator_) coordinator_->Step(failover::SyncObserved{sync}, local);
      for (int n = 0; n < params_.nodes; ++n) SendSync(leader_, n, sync, e.kv.mod_revision);
    } else if (put && key.starts_with(members_prefix)) {
      const MemberRecord r = *failover::DecodeMemberRecord(e.kv.value);
      if (coordinator_) coordinator_->Step(failover::MemberObserved{r}, local);
      for (int n = 0; n < params_.nodes; ++n) SendPeer(leader_, n, r);
    } else if (!coordinator_) {
      continue;
    } else if (key == failover::LeaseKey(config_.name)) {
      failover::LeaseObserved in;
      if (put) in.lease = *failover::DecodeLeaseRecord(e.kv.value);
      in.released = !put && fenced_report;
      Trace(std::string("store lease ") +
            (put           ? "held by " + in.lease->member + "@" + std::to_string(in.lease->epoch)
             : in.released ? "released"
                           : "expired"));
      coordinator_->Step(in, local);
    }
  }
}

void World::SendSync(int leader, int n, const failover::SyncRecord& sync, store::Revision rev) {
  Send(leader, n, [this, n, sync, rev] {
    InAgent(n, nodes_[n].incarnation,
            [this, n, sync, rev] { nodes_[n].agent->OnSyncRecord(sync, rev, Local(n)); });
  });
}

void World::SendPeer(int leader, int n, const MemberRecord& r) {
  if (r.member == nodes_[n].member) return;
  Send(leader, n, [this, n, r] {
    InAgent(n, nodes_[n].incarnation, [this, n, r] { nodes_[n].agent->OnPeerRecord(r, Local(n)); });
  });
}

// The group record's watch event to node n's agent; a watch never goes back.
void World::SendGroup(int leader, int n, const GroupRecord& g, store::Revision rev) {
  Send(leader, n, [this, n, g, rev] {
    InAgent(n, nodes_[n].incarnation, [this, n, g, rev] {
      if (rev <= nodes_[n].group_revision) return;
      nodes_[n].group_revision = rev;
      nodes_[n].agent->OnGroupRecord(g, rev, Local(n));
    });
  });
}

void World::LoseLeader(const std::string& why) {
  if (leader_ < 0) return;
  Trace("store leader " + nodes_[leader_].name + " lost (" + why + ")");
  nodes_[leader_].keeper.Stop();
  leader_ = -1;
  ++term_;
  coordinator_.reset();
  if (!electing_) {
    electing_ = true;
    At(now_ + Draw(params_.election_min, params_.election_max), [this] { Elect(); });
  }
}

// A majority of store replicas (up, not paused, on the majority side) elects
// one of them; its LeaseKeeper takes office with the deadlines it followed,
// and its agent starts a Coordinator from the current records.
void World::Elect() {
  electing_ = false;
  if (leader_ >= 0) return;
  std::vector<int> voters;
  for (int n = 0; n < params_.nodes; ++n) {
    if (nodes_[n].up && !nodes_[n].paused && !isolated_.contains(n)) voters.push_back(n);
  }
  if (static_cast<int>(voters.size()) * 2 <= params_.nodes) {
    electing_ = true;
    At(now_ + params_.election_max, [this] { Elect(); });
    return;
  }
  leader_ =
      voters[static_cast<size_t>(rng_.UniformInt(0, static_cast<int64_t>(voters.size()) - 1))];
  ++term_;
  const Instant local = Local(leader_);
  Trace("store leader " + nodes_[leader_].name + " elected, term " + std::to_string(term_));
  Node& elected = nodes_[leader_];
  if (elected.keeper_stale) elected.keeper.Restore(local, sm_.Leases());
  elected.keeper_stale = false;
  elected.keeper.Reset(local, sm_.Leases());
  coordinator_ = std::make_unique<Coordinator>(config_, params_.nodes, local);
  const std::optional<store::KeyValue> g = sm_.Get(failover::GroupKey(config_.name));
  coordinator_->Step(
      failover::GroupObserved{g ? *failover::DecodeGroupRecord(g->value) : GroupRecord{},
                              g ? g->mod_revision : 0},
      local);
  failover::LeaseObserved lease;
  if (const auto kv = sm_.Get(failover::LeaseKey(config_.name))) {
    lease.lease = *failover::DecodeLeaseRecord(kv->value);
  }
  coordinator_->Step(lease, local);
  if (const auto kv = sm_.Get(failover::SyncKey(config_.name))) {
    coordinator_->Step(failover::SyncObserved{*failover::DecodeSyncRecord(kv->value)}, local);
  }
  for (const failover::MemberConfig& m : config_.members) {
    if (const auto kv = sm_.Get(failover::MemberKey(config_.name, m.name))) {
      coordinator_->Step(failover::MemberObserved{*failover::DecodeMemberRecord(kv->value)}, local);
    }
  }
  PumpCoordinator();
  for (int n = 0; n < params_.nodes; ++n) Resync(n);
}

// A (re)connected agent reads the group record and rewrites its member's
// record, as a watch that was broken restarts from the current state.
void World::Resync(int n) {
  if (leader_ < 0 || !Connected(n, leader_)) return;
  const int leader = leader_;
  Send(n, leader, [this, n, leader] {
    if (leader_ != leader) return;
    if (const auto sync = sm_.Get(failover::SyncKey(config_.name))) {
      SendSync(leader, n, *failover::DecodeSyncRecord(sync->value), sync->mod_revision);
    } else {
      Send(leader, n, [this, n] {
        InAgent(n, nodes_[n].incarnation,
                [this, n] { nodes_[n].agent->OnSyncRecord(std::nullopt, 0, Local(n)); });
      });
    }
    for (const failover::MemberConfig& m : config_.members) {
      if (const auto r = sm_.Get(failover::MemberKey(config_.name, m.name))) {
        SendPeer(leader, n, *failover::DecodeMemberRecord(r->value));
      }
    }
    const std::optional<store::KeyValue> kv = sm_.Get(failover::GroupKey(config_.name));
    if (!kv) return;
    const GroupRecord g = *failover::DecodeGroupRecord(kv->value);
    const store::Revision rev = kv->mod_revision;
    SendGroup(leader, n, g, rev);
  });
  if (nodes_[n].up && !nodes_[n].paused) {
    const MemberRecord& record = nodes_[n].agent->record(nodes_[n].member);
    if (record.health != detect::Health::kUnknown) SendReport(n, record);
  }
}

void World::StartAgent(int n) {
  Node& node = nodes_[n];
  ++node.incarnation;
  node.agent = std::make_unique<MemberAgent>(config_, node.name);
  node.inbox.clear();
  node.lease_id = store::kNoLease;
  node.down_checks = 0;
  node.health = detect::Health::kHealthy;
  node.group_revision = 0;
  node.fence_in_flight.reset();
  node.releases.clear();
  node.watchdog.reset();
  const uint64_t incarnation = node.incarnation;
  At(now_ + Draw(Duration::Zero(), params_.tick_max),
     [this, n, incarnation] { TickNode(n, incarnation); });
  Resync(n);
}

void World::TickNode(int n, uint64_t incarnation) {
  Node& node = nodes_[n];
  if (!node.up || node.incarnation != incarnation) return;
  const Duration local_period = Draw(params_.tick_min, params_.tick_max);
  const Duration period =
      Duration::Nanos(static_cast<int64_t>(static_cast<double>(local_period.nanos()) / node.rate));
  At(now_ + period, [this, n, incarnation] { TickNode(n, incarnation); });
  if (!node.paused) RunTimer(n);
}

// One timer of the agent process: health check, agent, and (on the store
// leader) the LeaseKeeper and the Coordinator.
void World::RunTimer(int n) {
  Node& node = nodes_[n];
  const Instant local = Local(n);
  CheckMember(n);
  node.agent->Tick(local);
  if (leader_ == n && coordinator_) {
    for (store::LeaseId id : node.keeper.Tick(local)) {
      Commit({store::LeaseRevoke{id}}, nullptr);
    }
    coordinator_->Tick(local);
    PumpCoordinator();
  }
  PumpAgent(n);
}

// The agent's health check of its member, once per tick: unhealthy after
// `fall` failed checks in a row, healthy again on the first success.
void World::CheckMember(int n) {
  Node& node = nodes_[n];
  const ServiceMember& m = service_.member(node.member);
  if (m.up) {
    node.down_checks = 0;
    node.health = detect::Health::kHealthy;
  } else if (++node.down_checks >= params_.fall) {
    node.health = detect::Health::kUnhealthy;
  }
  const bool sync = config_.replication != failover::Replication::kAsync;
  node.agent->OnMemberStatus(node.member, node.health, m.log.size(), sync ? m.acked : 0, Local(n),
                             service_.LastWriteEpoch(node.member));
}

void World::PumpAgent(int n) {
  Node& node = nodes_[n];
  while (node.up && !node.paused && node.agent->HasReady()) {
    AgentReady r = node.agent->TakeReady();
    for (const detect::Event& e : r.events) Trace(node.name + " " + e.ToString());
    for (const AdapterCommand& c : r.commands) RunCommand(n, c);
    for (const LeaseWork& w : r.lease_work) RunLeaseWork(n, w);
    for (const failover::SyncWrite& w : r.sync_writes) {
      StoreRequest(n, [this, txn = w.txn] { Commit({txn}, nullptr); });
    }
    for (const MemberRecord& report : r.reports) SendReport(n, report);
  }
  ArmWatchdog(n);
}

// The adapter runs one member's commands in order, each taking a while; the
// result comes back to the agent process.
void World::RunCommand(int n, const AdapterCommand& c) {
  Node& node = nodes_[n];
  if (c.kind == CommandKind::kFence) node.fence_in_flight = c.id;
  node.adapter_free =
      std::max(node.adapter_free, now_ + Draw(params_.adapter_min, params_.adapter_max));
  const uint64_t incarnation = node.incarnation;
  At(node.adapter_free, [this, n, c, incarnation] {
    Node& node = nodes_[n];
    if (!node.up || node.incarnation != incarnation) return;
    const Status status = service_.Execute(c, now_);
    Trace(node.name + " adapter " + std::string(failover::CommandKindName(c.kind)) + " " +
          c.member + "@" + std::to_string(c.epoch) + (status.ok() ? " ok" : " failed"));
    InAgent(n, incarnation, [this, n, c, status] {
      Node& node = nodes_[n];
      node.agent->OnCommandResult(c.id, status, Local(n));
      if (node.fence_in_flight == c.id) {
        node.fence_in_flight.reset();
        for (const LeaseWork& w : std::exchange(node.releases, {})) SendRelease(n, w);
      }
    });
  });
}

void World::RunLeaseWork(int n, const LeaseWork& w) {
  Node& node = nodes_[n];
  const uint64_t incarnation = node.incarnation;
  auto reply = [this, n, incarnation, w](Status status, store::LeaseId id) {
    Send(leader_, n, [this, n, incarnation, w, status, id] {
      InAgent(n, incarnation, [this, n, w, status, id] {
        if (status.ok() && id != store::kNoLease) nodes_[n].lease_id = id;
        nodes_[n].agent->OnLeaseResult(w.member, w.op.id, status, Local(n));
      });
    });
  };
  switch (w.op.kind) {
    case LeaseOpKind::kAcquire:
      StoreRequest(n, [this, w, reply] {
        const store::LeaseId id = next_lease_++;
        Commit({store::LeaseGrant{id, config_.lease_ttl},
                failover::AcquireLeaseTxn(config_.name, w.group_revision, w.op.lease, id)},
               [reply, id](const std::vector<store::ApplyResult>& r) {
                 reply(r[1].succeeded ? Status() : Status::FailedPrecondition("lease taken"), id);
               });
      });
      break;
    case LeaseOpKind::kRenew: {
      const store::LeaseId id = node.lease_id;
      // The leader checks the lease, commits a LeaseRefresh and answers once
      // it is applied (failing if the lease expired meanwhile).
      StoreRequest(n, [this, id, reply] {
        if (Status s = Keeper().CheckKeepAlive(id).status(); !s.ok()) {
          return reply(s, store::kNoLease);
        }
        Commit({store::LeaseRefresh{id}},
               [this, id, reply](const std::vector<store::ApplyResult>& r) {
                 reply(Keeper().AnswerKeepAlive(id, r[0]).status(), store::kNoLease);
               });
      });
      break;
    }
    case LeaseOpKind::kRelease:
      if (node.fence_in_flight) {
        node.releases.push_back(w);  // only once the member is fenced
      } else {
        SendRelease(n, w);
      }
      break;
  }
}

void World::SendRelease(int n, const LeaseWork& w) {
  const store::LeaseId id = nodes_[n].lease_id;
  StoreRequest(n, [this, w, id] {
    Commit({failover::ReleaseLeaseTxn(config_.name, w.op.lease, w.report), store::LeaseRevoke{id}},
           nullptr);
  });
}

void World::SendReport(int n, const MemberRecord& r) {
  StoreRequest(n, [this, r] { Commit({failover::MemberReport(config_.name, r)}, nullptr); });
}

// The watchdog: a separate process on the node, armed by the agent with its
// lease holder's fence point; it fences the member at that instant unless
// the agent re-armed it later (a renewal) or disarmed it.
void World::ArmWatchdog(int n) {
  Node& node = nodes_[n];
  if (options_.unsafe_no_watchdog || options_.unsafe_no_self_fence) return;
  const std::optional<Instant> deadline = node.agent->WatchdogDeadline(node.member);
  if (deadline == node.watchdog) return;
  node.watchdog = deadline;
  if (!deadline) return;
  const uint64_t incarnation = node.incarnation;
  const Instant fires = TrueTime(n, *deadline) + Draw(Duration::Zero(), params_.watchdog_late_max);
  At(fires, [this, n, incarnation, deadline] {
    Node& node = nodes_[n];
    if (!node.up || node.incarnation != incarnation || node.watchdog != deadline) return;
    node.watchdog.reset();
    if (service_.member(node.member).writable) Trace(node.name + " watchdog fenced " + node.member);
    service_.Fence(node.member);
  });
}

void World::PumpCoordinator() {
  while (coordinator_ && coordinator_->HasReady()) {
    failover::CoordinatorReady r = coordinator_->TakeReady();
    for (const detect::Event& e : r.events) Trace("coordinator " + e.ToString());
    for (const failover::Timeline& t : r.timelines) {
      if (t.outcome == "+switch-primary" && t.from_epoch > 0) ++result_.failovers;
    }
    for (const failover::GroupWrite& w : r.writes) {
      const uint64_t id = w.id;
      Coordinator* c = coordinator_.get();
      Commit({w.txn}, [this, id, c](const std::vector<store::ApplyResult>& res) {
        if (coordinator_.get() != c) return;
        coordinator_->Step(failover::CasResult{id, res[0].succeeded, res[0].revision},
                           Local(leader_));
      });
    }
  }
}

void World::ClientWrites() {
  service_.ClientWrite(now_);
  At(now_ + params_.write_interval, [this] { ClientWrites(); });
}

// A replica pulls from its primary while both nodes see each other.
void World::Pulls(int m) {
  const ServiceMember& r = service_.member(nodes_[m].member);
  for (int p = 0; p < params_.nodes; ++p) {
    if (nodes_[p].member == r.following && Connected(m, p)) service_.Pull(r.name, now_);
  }
  At(now_ + params_.pull_interval[m], [this, m] { Pulls(m); });
}

int World::PrimaryNode() const {
  const std::vector<std::string> writers = service_.Writers();
  if (writers.size() != 1) return -1;
  for (int n = 0; n < params_.nodes; ++n) {
    if (nodes_[n].member == writers[0]) return n;
  }
  return -1;
}

// One writer, every other member up and replicating from it, every node up
// and connected, a store leader.
bool World::Settled() const {
  const int p = PrimaryNode();
  if (p < 0 || leader_ < 0) return false;
  for (int n = 0; n < params_.nodes; ++n) {
    if (Faulty(n)) return false;
    const ServiceMember& m = service_.member(nodes_[n].member);
    if (n != p && (!m.up || m.following != nodes_[p].member)) return false;
  }
  return SyncStandbysComplete(p);
}

// Sync / semi-sync: the primary has its full synchronous-standby set
// recorded, so it acknowledges writes (and a failover has a candidate).
bool World::SyncStandbysComplete(int p) const {
  if (config_.replication == failover::Replication::kAsync) return true;
  const std::optional<store::KeyValue> kv = sm_.Get(failover::SyncKey(config_.name));
  if (!kv) return false;
  const failover::SyncRecord sync = *failover::DecodeSyncRecord(kv->value);
  const size_t need = config_.replication == failover::Replication::kSync
                          ? config_.members.size() - 1
                          : static_cast<size_t>(config_.sync_acks);
  return sync.primary == nodes_[p].member && sync.epoch == service_.member(sync.primary).epoch &&
         sync.members.size() >= need;
}

void World::Episode(int number) {
  const Duration settle_limit = Duration::Seconds(20);
  if (!RunUntil([this] { return Settled(); }, now_ + settle_limit)) {
    return Violation("liveness: the group did not settle (one writer, all following it) within " +
                     settle_limit.ToString() + " of the last heal");
  }
  RunTo(now_ + Draw(Duration::Millis(200), Duration::Seconds(2)));
  if (violation_) return;
  const int primary = PrimaryNode();
  if (primary < 0) return;  // the group may be between epochs; nothing to fail now
  auto kind = static_cast<FaultKind>(rng_.UniformInt(0, kFaultKinds - 1));
  // A run with a broken rule leans toward the faults that expose it.
  if (BrokenRule(options_) && rng_.Chance(0.5)) {
    kind = rng_.Chance(0.5) ? FaultKind::kPrimaryIsolated : FaultKind::kPrimaryAgentPaused;
  }
  int other = static_cast<int>(rng_.UniformInt(0, params_.nodes - 2));
  if (other >= primary) ++other;
  const bool on_primary = kind <= FaultKind::kPrimaryAgentPaused;
  const int n = on_primary || kind == FaultKind::kStoreLeaderChange ? primary : other;
  const Duration duration = Draw(Duration::Millis(300), Duration::Seconds(8));
  const bool was_leader = leader_ == n || kind == FaultKind::kStoreLeaderChange;
  const Instant t0 = now_;
  ++result_.episodes;
  Trace("episode " + std::to_string(number) + ": " + FaultName(kind) + " on " + nodes_[n].name +
        " for " + duration.ToString());
  Inject(kind, n);
  At(t0 + duration, [this, kind, n] { Heal(kind, n); });
  // Overlapping faults: a second node fails while the first fault lasts.
  // Safety is checked as always; liveness only after both healed.
  Instant end = t0 + duration;
  if (options_.overlapping_faults && rng_.Chance(0.5)) {
    int m = static_cast<int>(rng_.UniformInt(0, params_.nodes - 2));
    if (m >= n) ++m;
    constexpr FaultKind kSecond[] = {FaultKind::kReplicaMemberCrash, FaultKind::kOtherNodeCrash,
                                     FaultKind::kOtherIsolated, FaultKind::kOtherAgentPaused};
    const FaultKind second = kSecond[rng_.UniformInt(0, 3)];
    const Instant t1 = t0 + Draw(Duration::Zero(), duration);
    const Duration d1 = Draw(Duration::Millis(300), Duration::Seconds(8));
    end = std::max(end, t1 + d1);
    At(t1, [this, second, m, d1] {
      Trace(std::string("overlapping: ") + FaultName(second) + " on " + nodes_[m].name + " for " +
            d1.ToString());
      Inject(second, m);
      At(now_ + d1, [this, second, m] { Heal(second, m); });
    });
    RunTo(end);
    return;
  }
  // Liveness: a member not on the faulty node takes writes within the bound
  // (the fault may also have healed by then and the old primary kept going).
  const bool member_only = kind == FaultKind::kPrimaryMemberCrash;
  const Duration bound = RecoveryBound(params_, config_, !member_only, was_leader);
  const Instant deadline = t0 + bound;
  auto replaced = [this] {
    const int p = PrimaryNode();
    return p >= 0 && !Faulty(p);
  };
  if (!RunUntil(replaced, deadline)) {
    if (!violation_) {
      Violation(std::string("liveness: no member took writes within ") + bound.ToString() + " of " +
                FaultName(kind) + " on " + nodes_[n].name);
    }
    return;
  }
  if (on_primary && PrimaryNode() != primary) {
    const double ms = static_cast<double>((now_ - t0).nanos()) / 1e6;
    result_.worst_recovery_ms = std::max(result_.worst_recovery_ms, ms);
  }
  RunTo(std::max(now_, t0 + duration));
}

// Starts fault `kind` on node n.
void World::Inject(FaultKind kind, int n) {
  Node& node = nodes_[n];
  switch (kind) {
    case FaultKind::kPrimaryMemberCrash:
    case FaultKind::kReplicaMemberCrash:
      service_.Crash(node.member);
      break;
    case FaultKind::kPrimaryNodeCrash:
    case FaultKind::kOtherNodeCrash:
      node.up = false;
      node.keeper_stale = true;  // the restarted agent starts a new keeper
      service_.Crash(node.member);
      if (leader_ == n) LoseLeader("node crashed");
      break;
    case FaultKind::kPrimaryIsolated:
    case FaultKind::kOtherIsolated:
      isolated_.insert(n);
      if (leader_ == n) LoseLeader("cut off from the majority");
      break;
    case FaultKind::kPrimaryAgentPaused:
    case FaultKind::kOtherAgentPaused:
      node.paused = true;
      if (leader_ == n) LoseLeader("its agent paused");
      break;
    case FaultKind::kStoreLeaderChange:
      if (leader_ >= 0) LoseLeader("stepped down");
      break;
  }
}

void World::Heal(FaultKind kind, int n) {
  Node& node = nodes_[n];
  Trace(std::string("heal ") + FaultName(kind) + " on " + node.name);
  switch (kind) {
    case FaultKind::kPrimaryMemberCrash:
    case FaultKind::kReplicaMemberCrash:
      service_.Restart(node.member, true, now_);
      break;
    case FaultKind::kPrimaryNodeCrash:
    case FaultKind::kOtherNodeCrash:
      node.up = true;
      service_.Restart(node.member, false, now_);
      StartAgent(n);
      break;
    case FaultKind::kPrimaryIsolated:
    case FaultKind::kOtherIsolated:
      isolated_.erase(n);
      Resync(n);
      break;
    case FaultKind::kPrimaryAgentPaused:
    case FaultKind::kOtherAgentPaused: {
      node.paused = false;
      // After SIGCONT the process runs its timer or its pending I/O first.
      if (rng_.Chance(0.5)) RunTimer(n);
      for (std::function<void()>& fn : std::exchange(node.inbox, {})) {
        if (!node.paused) fn();
      }
      PumpAgent(n);
      Resync(n);
      break;
    }
    case FaultKind::kStoreLeaderChange:
      break;
  }
  if (leader_ < 0 && !electing_) {
    electing_ = true;
    At(now_ + Draw(params_.election_min, params_.election_max), [this] { Elect(); });
  }
}

FailoverSimResult World::Run(uint64_t seed) {
  result_.seed = seed;
  result_.params = params_.ToString();
  Trace("params " + result_.params);
  At(kStart, [this] {
    for (int n = 0; n < params_.nodes; ++n) {
      StartAgent(n);
      At(now_ + params_.pull_interval[n], [this, n] { Pulls(n); });
    }
    Elect();
    ClientWrites();
  });
  // The first election: promotion waits the margin after the (absent) lease.
  const Duration first_bound = RecoveryBound(params_, config_, true, false);
  if (!RunUntil([this] { return PrimaryNode() >= 0; }, kStart + first_bound) && !violation_) {
    Violation("liveness: no first primary within " + first_bound.ToString());
  }
  for (int e = 1; e <= params_.episodes && !violation_; ++e) Episode(e);
  if (!violation_ && !RunUntil([this] { return Settled(); }, now_ + Duration::Seconds(20))) {
    Violation("liveness: the group did not settle after the last episode");
  }
  if (violation_) Trace("VIOLATION " + *violation_);
  result_.violation = violation_;
  result_.writes = service_.writes();
  result_.acknowledged = service_.acknowledged();
  return result_;
}

}  // namespace

FailoverSimResult RunFailoverSeed(uint64_t seed, const FailoverSimOptions& options) {
  World world(seed, options);
  return world.Run(seed);
}

}  // namespace baton::sim
