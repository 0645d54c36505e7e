#include "failover/failover_world.h"

#include <gtest/gtest.h>

namespace baton::failover::testing {

FailoverWorld::FailoverWorld(const GroupConfig& config, std::string coordinator_node)
    : config_(config), coordinator_node_(std::move(coordinator_node)) {
  keeper_.Reset(now_, {});
  for (const MemberConfig& m : config_.members) {
    if (!agents_.contains(m.node)) agents_[m.node] = std::make_unique<MemberAgent>(config_, m.node);
    member_up_[m.name] = true;
    positions_[m.name] = {0, 0};
  }
  coordinator_ = std::make_unique<Coordinator>(config_, static_cast<int>(agents_.size()), now_);
  coordinator_->Step(GroupObserved{GroupRecord{}, 0}, now_);
  coordinator_->Step(LeaseObserved{}, now_);
}

void FailoverWorld::Run(Duration d) {
  const Instant end = now_ + d;
  while (now_ < end) {
    now_ += kTick;
    TickAll();
  }
}

void FailoverWorld::KillNode(const std::string& node) {
  dead_.insert(node);
  for (const MemberConfig& m : config_.members) {
    if (m.node == node) member_up_[m.name] = false;
  }
}

void FailoverWorld::SetPosition(const std::string& member, Position p, Position acked) {
  positions_[member] = {p, acked};
}

Instant FailoverWorld::LocalTime(const std::string& node) const {
  auto it = rate_.find(node);
  const double rate = it == rate_.end() ? 1.0 : it->second;
  return Instant::FromNanos(static_cast<int64_t>(static_cast<double>(now_.nanos()) * rate));
}

void FailoverWorld::TickAll() {
  for (const MemberConfig& m : config_.members) {
    if (dead_.contains(m.node)) continue;
    const auto health = member_up_[m.name] ? detect::Health::kHealthy : detect::Health::kUnhealthy;
    const auto [position, acked] = positions_[m.name];
    agents_.at(m.node)->OnMemberStatus(m.name, health, position, acked, LocalTime(m.node));
  }
  for (auto& [node, agent] : agents_) {
    if (!dead_.contains(node)) agent->Tick(LocalTime(node));
  }
  for (store::LeaseId id : keeper_.Tick(now_)) Publish(Apply(store::LeaseRevoke{id}));
  if (!dead_.contains(coordinator_node_)) coordinator_->Tick(LocalTime(coordinator_node_));
  Pump();
  CheckInvariants();
}

void FailoverWorld::Pump() {
  for (int round = 0; round < 1000; ++round) {
    bool progress = PumpCoordinator();
    for (auto& [node, agent] : agents_) {
      if (!dead_.contains(node)) progress = PumpAgent(node) || progress;
    }
    if (!progress) return;
  }
  ADD_FAILURE() << "the world did not settle";
}

bool FailoverWorld::PumpAgent(const std::string& node) {
  MemberAgent& agent = *agents_.at(node);
  if (!agent.HasReady()) return false;
  AgentReady r = agent.TakeReady();
  const Instant local = LocalTime(node);
  for (detect::Event& e : r.events) events_.push_back({now_, node, std::move(e)});
  for (const AdapterCommand& c : r.commands) {
    commands_.push_back({now_, node, c});
    Status status;
    const bool off = c.kind == CommandKind::kFence || c.kind == CommandKind::kDemote;
    if (!member_up_[c.member] && !off) status = Status::Unavailable("member down");
    if (c.kind == CommandKind::kPromote && refuse_promote_.contains(c.member)) {
      status = Status::FailedPrecondition("promotion refused");
    }
    agent.OnCommandResult(c.id, status, local);
  }
  for (const LeaseWork& w : r.lease_work) RunLease(node, w);
  for (const MemberRecord& report : r.reports) {
    if (Reachable(node)) Publish(Apply(MemberReport(config_.name, report)));
  }
  return true;
}

void FailoverWorld::RunLease(const std::string& node, const LeaseWork& w) {
  MemberAgent& agent = *agents_.at(node);
  const Instant local = LocalTime(node);
  if (!Reachable(node)) {
    if (w.op.kind != LeaseOpKind::kRelease) {
      agent.OnLeaseResult(w.member, w.op.id, Status::Unavailable("partitioned"), local);
    }
    return;
  }
  if (w.op.kind == LeaseOpKind::kAcquire) {
    const store::LeaseId id = next_lease_++;
    keeper_.Observe(Apply(store::LeaseGrant{id, config_.lease_ttl}), now_);
    const store::ApplyResult r =
        Apply(AcquireLeaseTxn(config_.name, w.group_revision, w.op.lease, id));
    Publish(r);
    if (r.succeeded) store_lease_[w.member] = id;
    agent.OnLeaseResult(w.member, w.op.id,
                        r.succeeded ? Status() : Status::FailedPrecondition("lease taken"), local);
  } else if (w.op.kind == LeaseOpKind::kRenew) {
    // As the store leader does: check, commit a LeaseRefresh, check again.
    const store::LeaseId id = store_lease_[w.member];
    Status status = keeper_.CheckKeepAlive(id).status();
    if (status.ok()) status = keeper_.AnswerKeepAlive(id, Apply(store::LeaseRefresh{id})).status();
    agent.OnLeaseResult(w.member, w.op.id, status, local);
  } else {
    Publish(Apply(ReleaseLeaseTxn(config_.name, w.op.lease, w.report)));
    const store::ApplyResult revoke = Apply(store::LeaseRevoke{store_lease_[w.member]});
    keeper_.Observe(revoke, now_);
    Publish(revoke);
  }
}

bool FailoverWorld::PumpCoordinator() {
  if (dead_.contains(coordinator_node_) || !coordinator_->HasReady()) return false;
  CoordinatorReady r = coordinator_->TakeReady();
  const Instant local = LocalTime(coordinator_node_);
  for (detect::Event& e : r.events) events_.push_back({now_, "coordinator", std::move(e)});
  for (const GroupWrite& w : r.writes) {
    const store::ApplyResult applied = Apply(w.txn);
    Publish(applied);
    coordinator_->Step(CasResult{w.id, applied.succeeded, applied.revision}, local);
  }
  for (const FenceOrder& f : r.fences) coordinator_->Step(FenceResult{f.id, true}, local);
  for (const ServingWrite& s : r.serving) {
    const store::ApplyResult applied = Apply(s.txn);
    Publish(applied);
    coordinator_->Step(CasResult{s.id, applied.succeeded, applied.revision}, local);
  }
  for (ServingChange& c : r.serving_changes) serving_changes_.push_back(std::move(c));
  for (Timeline& t : r.timelines) timelines_.push_back(std::move(t));
  return true;
}

store::ApplyResult FailoverWorld::Apply(const store::Command& command) {
  store::ApplyResult r = sm_.Apply(++index_, store::EncodeCommand(command));
  keeper_.Observe(r, now_);
  return r;
}

void FailoverWorld::Publish(const store::ApplyResult& result) {
  bool fenced_report = false;
  for (const store::Event& e : result.events) {
    if (e.type != store::EventType::kPut || !e.kv.key.starts_with(MemberKey(config_.name, ""))) {
      continue;
    }
    fenced_report = fenced_report || DecodeMemberRecord(e.kv.value)->role == MemberRole::kFenced;
  }
  const bool coordinator_up = !dead_.contains(coordinator_node_);
  const Instant local = LocalTime(coordinator_node_);
  for (const store::Event& e : result.events) {
    const std::string& key = e.kv.key;
    const bool put = e.type == store::EventType::kPut;
    if (key == GroupKey(config_.name)) {
      const GroupRecord g = *DecodeGroupRecord(e.kv.value);
      if (coordinator_up) coordinator_->Step(GroupObserved{g, e.kv.mod_revision}, local);
      for (auto& [node, agent] : agents_) {
        if (Reachable(node)) agent->OnGroupRecord(g, e.kv.mod_revision, LocalTime(node));
      }
    } else if (!coordinator_up) {
      continue;
    } else if (key == LeaseKey(config_.name)) {
      LeaseObserved in;
      if (put) in.lease = *DecodeLeaseRecord(e.kv.value);
      in.released = !put && fenced_report;
      coordinator_->Step(in, local);
    } else if (key == ServingKey(config_.name)) {
      coordinator_->Step(ServingObserved{*DecodeServingRecord(e.kv.value)}, local);
    } else if (put) {
      coordinator_->Step(MemberObserved{*DecodeMemberRecord(e.kv.value)}, local);
    }
  }
}

void FailoverWorld::CheckInvariants() {
  if (const std::optional<GroupRecord> g = Group()) {
    EXPECT_GE(g->epoch, max_epoch_) << "group epoch went backwards";
    max_epoch_ = g->epoch;
  }
  std::vector<std::string> writers;
  for (const MemberConfig& m : config_.members) {
    if (member_up_[m.name] && agents_.at(m.node)->MayWrite(m.name, LocalTime(m.node))) {
      writers.push_back(m.name);
    }
  }
  if (writers.size() > 1 && !two_writers_reported_) {
    two_writers_reported_ = true;  // once per world: one story, one failure
    ADD_FAILURE() << "two writable members at " << now_.nanos() / 1000000 << "ms";
  }
}

std::optional<GroupRecord> FailoverWorld::Group() const {
  const std::optional<store::KeyValue> kv = sm_.Get(GroupKey(config_.name));
  if (!kv) return std::nullopt;
  return *DecodeGroupRecord(kv->value);
}

std::optional<MemberRecord> FailoverWorld::Member(const std::string& member) const {
  const std::optional<store::KeyValue> kv = sm_.Get(MemberKey(config_.name, member));
  if (!kv) return std::nullopt;
  return *DecodeMemberRecord(kv->value);
}

std::optional<ServingRecord> FailoverWorld::Serving() const {
  const std::optional<store::KeyValue> kv = sm_.Get(ServingKey(config_.name));
  if (!kv) return std::nullopt;
  return *DecodeServingRecord(kv->value);
}

std::optional<EventLog> FailoverWorld::FirstEvent(const std::string& name) const {
  for (const EventLog& e : events_) {
    if (e.event.name == name) return e;
  }
  return std::nullopt;
}

std::optional<CommandLog> FailoverWorld::FirstCommand(CommandKind kind,
                                                      const std::string& member) const {
  for (const CommandLog& c : commands_) {
    if (c.command.kind == kind && c.command.member == member) return c;
  }
  return std::nullopt;
}

}  // namespace baton::failover::testing
