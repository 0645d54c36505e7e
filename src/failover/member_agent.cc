#include "failover/member_agent.h"

#include <algorithm>
#include <utility>

#include "core/check.h"

namespace baton::failover {
namespace {

bool IsPrimaryRole(MemberRole role) {
  return role == MemberRole::kPrimary || role == MemberRole::kWritesPaused;
}

bool HolderActive(const PrimaryLeaseHolder& h) {
  return h.state() == HolderState::kAcquiring || h.state() == HolderState::kHolding;
}

}  // namespace

std::string_view CommandKindName(CommandKind kind) {
  switch (kind) {
    case CommandKind::kPromote:
      return "promote";
    case CommandKind::kDemote:
      return "demote";
    case CommandKind::kFence:
      return "fence";
    case CommandKind::kFollow:
      return "follow";
    case CommandKind::kStartCold:
      return "start-cold";
    case CommandKind::kPauseWrites:
      return "pause-writes";
    case CommandKind::kResumeWrites:
      return "resume-writes";
  }
  return "unknown";
}

MemberAgent::MemberAgent(const GroupConfig& config, std::string node)
    : config_(config), node_(std::move(node)) {
  BATON_CHECK(config_.Validate().ok()) << config_.Validate().ToString();
  for (const MemberConfig& m : config_.members) {
    if (m.node != node_) continue;
    Local& local = members_[m.name];
    local.config = &m;
    local.record.member = m.name;
    local.record.role =
        m.standby == StandbyKind::kCold ? MemberRole::kStopped : MemberRole::kUnknown;
    local.holder = std::make_unique<PrimaryLeaseHolder>(config_, m.name, node_);
  }
}

void MemberAgent::OnGroupRecord(const GroupRecord& record, store::Revision revision, Instant now) {
  if (record.epoch < max_epoch_) {
    return Emit("-stale-group-record", group_.primary, now,
                {{"epoch", std::to_string(record.epoch)}, {"seen", std::to_string(max_epoch_)}});
  }
  max_epoch_ = record.epoch;
  group_ = record;
  group_revision_ = revision;
  group_seen_ = true;
  for (auto& [name, m] : members_) {
    if (record.step_down != 0 && record.step_down == record.epoch && record.primary == name &&
        m.holder->epoch() == record.epoch) {
      m.holder->StepDown(now);  // orders the fence and the release through Drain
    }
    Reconcile(m, now);
  }
}

void MemberAgent::OnMemberStatus(const std::string& member, detect::Health health,
                                 Position position, Position acked_position, Instant now,
                                 Epoch last_write_epoch) {
  auto it = members_.find(member);
  BATON_CHECK(it != members_.end()) << member << " does not run on " << node_;
  Local& m = it->second;
  const bool failed =
      health == detect::Health::kUnhealthy && m.record.health != detect::Health::kUnhealthy;
  const bool changed = m.record.health != health || m.record.position != position ||
                       m.record.acked_position != acked_position ||
                       m.record.last_write_epoch != last_write_epoch;
  if (failed) m.holder->OnMemberFailed(now);
  if (health == detect::Health::kHealthy && m.record.health == detect::Health::kUnhealthy) {
    m.last_step.reset();  // recovered: steps that gave up while it was down start over
    m.attempts = 0;
  }
  m.record.health = health;
  m.record.position = position;
  m.record.acked_position = acked_position;
  m.record.last_write_epoch = last_write_epoch;
  Drain(m);
  if (changed) Report(m);
  Reconcile(m, now);
  if (sync_known_) status_since_sync_ = true;
  MaintainSyncSet(m, now);
}

void MemberAgent::OnMemberRoleLost(const std::string& member, Instant now) {
  auto it = members_.find(member);
  BATON_CHECK(it != members_.end()) << member << " does not run on " << node_;
  Local& m = it->second;
  if (m.record.role != MemberRole::kReplica || m.pending) return;
  Emit("+replica-role-lost", member, now, {{"following", m.record.following}});
  m.record.role = MemberRole::kUnknown;
  m.record.following.clear();
  m.last_step.reset();
  m.attempts = 0;
  Report(m);
  Reconcile(m, now);
}

void MemberAgent::OnPeerRecord(const MemberRecord& record, Instant now) {
  if (members_.contains(record.member)) return;  // our own: we know better
  peers_[record.member] = record;
  for (auto& [name, m] : members_) MaintainSyncSet(m, now);
}

void MemberAgent::OnSyncRecord(const std::optional<SyncRecord>& record, store::Revision revision,
                               Instant now) {
  if (sync_known_ && revision < sync_revision_) return;  // stale
  sync_ = record;
  sync_revision_ = revision;
  sync_known_ = true;
  status_since_sync_ = false;
  sync_write_at_.reset();
  for (auto& [name, m] : members_) MaintainSyncSet(m, now);
}

bool MemberAgent::Replicates(const MemberRecord& peer, const Local& primary) const {
  // Not epoch_seen: a replica already following this member keeps its epoch
  // (no command was needed). Its history is judged by last_write_epoch.
  return peer.health == detect::Health::kHealthy && peer.role == MemberRole::kReplica &&
         peer.following == primary.record.member;
}

void MemberAgent::MaintainSyncSet(Local& m, Instant now) {
  if (config_.replication == Replication::kAsync || config_.mode == GroupMode::kActiveActive ||
      !sync_known_ || group_.primary != m.record.member || m.record.role != MemberRole::kPrimary ||
      m.record.epoch_seen != group_.epoch || m.holder->state() != HolderState::kHolding ||
      m.holder->epoch() != group_.epoch) {
    return;
  }
  if (sync_write_at_ && now < *sync_write_at_ + config_.timeouts.command) return;
  const bool ours = sync_ && sync_->epoch == group_.epoch && sync_->primary == m.record.member;
  std::set<std::string> members = ours ? sync_->members : std::set<std::string>{};
  // Drop first: the primary stops waiting for a member only after the record
  // no longer lets it be promoted.
  std::erase_if(members, [&](const std::string& name) {
    auto it = peers_.find(name);
    return it == peers_.end() || !Replicates(it->second, m);
  });
  const size_t need = config_.replication == Replication::kSync
                          ? config_.members.size() - 1
                          : static_cast<size_t>(config_.sync_acks);
  const bool dropped = ours && members.size() != sync_->members.size();
  if (!dropped && members.size() < need && status_since_sync_) {
    // Short of `need`: nothing is acknowledged now, so a replica holding the
    // acknowledged position on our history holds every acknowledged write.
    const MemberRecord* best = nullptr;
    for (const auto& [name, peer] : peers_) {
      if (members.contains(name) || !Replicates(peer, m) ||
          peer.last_write_epoch != m.record.last_write_epoch ||
          peer.position < m.record.acked_position) {
        continue;
      }
      if (!best || peer.position > best->position) best = &peer;
    }
    if (best) members.insert(best->member);
  }
  if (ours && members == sync_->members) return;
  SyncRecord next{group_.epoch, m.record.member, std::move(members), {}};
  if (next.members.size() < need) {
    // Nothing acknowledged in this epoch yet: whoever held every acknowledged
    // write before still does.
    if (ours) {
      next.prior = sync_->prior;
    } else if (sync_) {
      next.prior = sync_->prior;
      next.prior.insert(sync_->members.begin(), sync_->members.end());
      next.prior.insert(sync_->primary);
    }
  }
  const LeaseRecord held{m.record.member, node_, group_.epoch};
  ready_.sync_writes.push_back(SyncWrite{SyncCas(config_.name, sync_revision_, held, next), next});
  sync_write_at_ = now;
  std::string names;
  for (const std::string& name : next.members) names += (names.empty() ? "" : ",") + name;
  Emit("+sync-standbys", m.record.member, now,
       {{"epoch", std::to_string(next.epoch)}, {"members", names}});
}

void MemberAgent::OnCommandResult(uint64_t id, const Status& status, Instant now) {
  for (auto& [name, m] : members_) {
    if (!m.pending || m.pending->id != id) continue;
    const AdapterCommand c = *std::exchange(m.pending, std::nullopt);
    if (status.ok()) {
      Complete(m, c);
    } else {
      Emit("-command-failed", name, now,
           {{"command", std::string(CommandKindName(c.kind))}, {"error", status.ToString()}});
    }
    Reconcile(m, now);
  }
}

void MemberAgent::OnLeaseResult(const std::string& member, uint64_t op_id, const Status& status,
                                Instant now) {
  auto it = members_.find(member);
  if (it == members_.end()) return;
  it->second.holder->OnResult(op_id, status, now);
  Drain(it->second);
  Reconcile(it->second, now);
}

void MemberAgent::Tick(Instant now) {
  for (auto& [name, m] : members_) {
    MaintainSyncSet(m, now);
    m.holder->Tick(now);
    Drain(m);
    if (m.pending && now >= m.pending->deadline) {
      Emit("-command-timeout", name, now,
           {{"command", std::string(CommandKindName(m.pending->kind))}});
      m.pending.reset();
    }
    Reconcile(m, now);
  }
}

Instant MemberAgent::NextWakeup() const {
  Instant wake = Instant::FromNanos(INT64_MAX);
  for (const auto& [name, m] : members_) {
    wake = std::min(wake, m.holder->NextWakeup());
    if (m.pending) wake = std::min(wake, m.pending->deadline);
  }
  return wake;
}

bool MemberAgent::HasReady() const {
  return !ready_.commands.empty() || !ready_.lease_work.empty() || !ready_.sync_writes.empty() ||
         !ready_.reports.empty() || !ready_.events.empty();
}

AgentReady MemberAgent::TakeReady() { return std::exchange(ready_, AgentReady{}); }

const MemberRecord& MemberAgent::record(const std::string& member) const {
  auto it = members_.find(member);
  BATON_CHECK(it != members_.end()) << member << " does not run on " << node_;
  return it->second.record;
}

bool MemberAgent::MayWrite(const std::string& member, Instant now) const {
  auto it = members_.find(member);
  return it != members_.end() && it->second.record.role == MemberRole::kPrimary &&
         it->second.holder->MayWrite(now);
}

std::optional<Instant> MemberAgent::WatchdogDeadline(const std::string& member) const {
  auto it = members_.find(member);
  if (it == members_.end() || it->second.holder->state() != HolderState::kHolding) {
    return std::nullopt;
  }
  return it->second.holder->FenceAt();
}

void MemberAgent::Reconcile(Local& m, Instant now) {
  Drain(m);
  if (m.pending && !(m.fence_ordered && m.pending->kind != CommandKind::kFence)) return;
  std::optional<AdapterCommand> next = NextCommand(m, now);
  Drain(m);
  if (!next && m.fence_ordered) next = NextCommand(m, now);  // a fence NextCommand ordered
  if (!next) return;
  m.pending = next;
  ready_.commands.push_back(*next);
}

std::optional<AdapterCommand> MemberAgent::NextCommand(Local& m, Instant now) {
  std::optional<CommandKind> kind;
  const std::string& name = m.record.member;
  const MemberRole role = m.record.role;
  const bool current = m.record.epoch_seen == group_.epoch;
  if (m.fence_ordered) {
    kind = CommandKind::kFence;
  } else if (!group_seen_) {
    return std::nullopt;
  } else if (group_.primary == name) {
    const bool switching =
        group_.state == GroupState::kSwitchover && group_.switchover_target != name;
    if (role == MemberRole::kStopped) {
      kind = CommandKind::kStartCold;
    } else if (IsPrimaryRole(role) && current) {
      if (switching && role == MemberRole::kPrimary) kind = CommandKind::kPauseWrites;
      if (!switching && role == MemberRole::kWritesPaused) kind = CommandKind::kResumeWrites;
    } else if (m.holder->epoch() < group_.epoch) {
      m.holder->Start(group_.epoch, now);
    } else if (m.holder->epoch() == group_.epoch && m.holder->MayWrite(now)) {
      kind = CommandKind::kPromote;  // never on a lease view that has ended
    }
  } else if (IsPrimaryRole(role)) {
    if (!HolderActive(*m.holder)) kind = CommandKind::kDemote;
    m.holder->Resign(now);  // orders the fence through Drain when it held the lease
  } else if (!group_.primary.empty() && role != MemberRole::kStopped &&
             (role != MemberRole::kReplica || m.record.following != group_.primary)) {
    kind = CommandKind::kFollow;
  }
  if (!kind) return std::nullopt;
  return MakeCommand(m, *kind, now);
}

std::optional<AdapterCommand> MemberAgent::MakeCommand(Local& m, CommandKind kind, Instant now) {
  const Epoch epoch = kind == CommandKind::kFence ? m.holder->epoch() : group_.epoch;
  BATON_CHECK(kind != CommandKind::kPromote || epoch >= max_epoch_)
      << "promote for epoch " << epoch << " after seeing epoch " << max_epoch_;
  const std::pair<CommandKind, Epoch> step{kind, epoch};
  // A step given up is tried again retry_after later: the member may have been
  // down too briefly for its health to say so, and is back now.
  if (m.gave_up_at && now >= *m.gave_up_at + config_.timeouts.retry_after &&
      kind != CommandKind::kPromote) {
    m.last_step.reset();
  }
  if (m.last_step != step) m.gave_up_at.reset();
  m.attempts = m.last_step == step ? m.attempts + 1 : 1;
  m.last_step = step;
  if (m.attempts > config_.timeouts.command_attempts) {
    if (m.attempts == config_.timeouts.command_attempts + 1) {
      m.gave_up_at = now;
      Emit("-command-gave-up", m.record.member, now,
           {{"command", std::string(CommandKindName(kind))}, {"epoch", std::to_string(epoch)}});
    }
    m.attempts = config_.timeouts.command_attempts + 1;
    if (kind == CommandKind::kPromote) m.holder->Resign(now);  // let the next candidate go
    return std::nullopt;
  }
  AdapterCommand c{
      next_id_++, m.record.member, kind, epoch, "", "", now + config_.timeouts.command};
  if (kind == CommandKind::kFollow) {
    const MemberConfig* primary = config_.FindMember(group_.primary);
    c.primary = group_.primary;
    c.primary_address = primary ? primary->address : "";
  }
  Emit("+command", m.record.member, now,
       {{"command", std::string(CommandKindName(kind))}, {"epoch", std::to_string(epoch)}});
  return c;
}

void MemberAgent::Complete(Local& m, const AdapterCommand& c) {
  MemberRecord& r = m.record;
  r.epoch_seen = std::max(r.epoch_seen, c.epoch);
  m.last_step.reset();
  m.attempts = 0;
  switch (c.kind) {
    case CommandKind::kPromote:
    case CommandKind::kResumeWrites:
      r.role = MemberRole::kPrimary;
      r.following.clear();
      break;
    case CommandKind::kDemote:
    case CommandKind::kFence:
      r.role = MemberRole::kFenced;
      m.fence_ordered = false;
      break;
    case CommandKind::kFollow:
      r.role = MemberRole::kReplica;
      r.following = c.primary;
      break;
    case CommandKind::kStartCold:
      r.role = MemberRole::kReplica;
      break;
    case CommandKind::kPauseWrites:
      r.role = MemberRole::kWritesPaused;
      break;
  }
  Report(m);
}

void MemberAgent::Drain(Local& m) {
  HolderReady r = m.holder->TakeReady();
  for (detect::Event& e : r.events) ready_.events.push_back(std::move(e));
  if (r.fence) m.fence_ordered = true;
  for (LeaseOp& op : r.ops) {
    MemberRecord report = m.record;
    if (op.kind == LeaseOpKind::kRelease) report.role = MemberRole::kFenced;
    ready_.lease_work.push_back(LeaseWork{m.record.member, std::move(op), group_revision_, report});
  }
}

void MemberAgent::Report(Local& m) { ready_.reports.push_back(m.record); }

void MemberAgent::Emit(std::string name, const std::string& member, Instant now,
                       std::vector<std::pair<std::string, std::string>> fields) {
  ready_.events.push_back(detect::Event{std::move(name), member, now, std::move(fields)});
}

}  // namespace baton::failover
