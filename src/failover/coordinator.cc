#include "failover/coordinator.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "core/check.h"

namespace baton::failover {
namespace {

constexpr size_t kHistoryMax = 32;
// After a refused serving CAS: the record that beat it usually arrives first.
constexpr Duration kServingRetry = Duration::Millis(100);

}  // namespace

std::string_view FailoverStateName(FailoverState state) {
  switch (state) {
    case FailoverState::kNone:
      return "none";
    case FailoverState::kPauseWrites:
      return "pause-writes";
    case FailoverState::kWaitCatchUp:
      return "wait-catch-up";
    case FailoverState::kSelectCandidate:
      return "select-candidate";
    case FailoverState::kFenceOld:
      return "fence-old";
    case FailoverState::kPromote:
      return "promote";
    case FailoverState::kWaitPromotion:
      return "wait-promotion";
    case FailoverState::kReconfigureReplicas:
      return "reconf-replicas";
    case FailoverState::kDone:
      return "done";
  }
  return "unknown";
}

Coordinator::Coordinator(const GroupConfig& config, int agents, Instant now)
    : config_(config), quorum_(agents / 2 + 1), retry_after_(now), state_since_(now) {
  BATON_CHECK(config_.Validate().ok()) << config_.Validate().ToString();
  BATON_CHECK(agents >= 1) << "agents = " << agents;
}

void Coordinator::Step(const CoordinatorInput& input, Instant now) {
  std::visit([&](const auto& in) { Observe(in, now); }, input);
  Act(now);
}

void Coordinator::Tick(Instant now) {
  if (last_tick_ && now - *last_tick_ > config_.tilt.max_tick_gap) {
    EnterTilt(now - *last_tick_, now);
  }
  last_tick_ = now;
  if (tilt_until_ && now >= *tilt_until_) {
    tilt_until_.reset();
    Emit("-tilt", config_.name, now);
  }
  Act(now);
}

bool Coordinator::HasReady() const {
  return !ready_.writes.empty() || !ready_.fences.empty() || !ready_.serving.empty() ||
         !ready_.serving_changes.empty() || !ready_.timelines.empty() || !ready_.events.empty();
}

CoordinatorReady Coordinator::TakeReady() { return std::exchange(ready_, CoordinatorReady{}); }

CoordinatorStatus Coordinator::Status(Instant now) const {
  return CoordinatorStatus{state_,       Tilted(now),    group_.paused, odown_,
                           group_.epoch, group_.primary, candidate_};
}

void Coordinator::Observe(const GroupObserved& in, Instant now) {
  if (group_seen_ && in.revision < group_revision_) return;  // stale
  if (group_seen_ && in.record.epoch < group_.epoch) {       // written by something else: not ours
    return Emit(
        "-epoch-went-back", config_.name, now,
        {{"epoch", std::to_string(in.record.epoch)}, {"seen", std::to_string(group_.epoch)}});
  }
  if (group_.paused != in.record.paused) {
    Emit(in.record.paused ? "+maintenance" : "-maintenance", config_.name, now);
  }
  group_seen_ = true;
  group_ = in.record;
  group_revision_ = in.revision;
}

void Coordinator::Observe(const MemberObserved& in, Instant now) {
  const MemberRecord* before = Record(in.record.member);
  const bool moved = !before || before->health != in.record.health ||
                     before->role != in.record.role || before->position != in.record.position ||
                     before->last_write_epoch != in.record.last_write_epoch ||
                     before->epoch_seen != in.record.epoch_seen;
  records_[in.record.member] = in.record;
  if (moved) RetrySoon(now);
  if (in.record.member == group_.primary) UpdateDown(in.record, now);
  if (state_ == FailoverState::kWaitCatchUp && in.record.member == only_) {
    const MemberRecord* primary = Record(group_.primary);
    if (primary && primary->position > in.record.position) {
      const Position lag = primary->position - in.record.position;
      if (lag != catch_up_lag_) {
        Emit("+switchover-progress", only_, now, {{"lag", std::to_string(lag)}});
      }
      catch_up_lag_ = lag;
    }
  }
}

void Coordinator::Observe(const LeaseObserved& in, Instant now) {
  const bool was_held = lease_.held.has_value();
  if (in.lease) {
    lease_.held = in.lease;
    lease_epoch_seen_ = std::max(lease_epoch_seen_, in.lease->epoch);
  } else if (was_held || !lease_.known) {
    if (was_held) {
      Emit(in.released ? "+lease-released" : "+lease-expired", lease_.held->member, now,
           {{"epoch", std::to_string(lease_.held->epoch)}});
    }
    lease_.ended = lease_.held;
    lease_.held.reset();
    lease_.released = in.released;
    lease_.ended_at = now;
  }
  lease_.known = true;
}

void Coordinator::Observe(const ServingObserved& in, Instant) {
  if (in.record.epoch > serving_.epoch) serving_ = in.record;
}

void Coordinator::Observe(const SyncObserved& in, Instant now) {
  if (sync_ && in.record && in.record->epoch < sync_->epoch) return;  // stale
  if (sync_ == in.record) return;
  sync_ = in.record;
  RetrySoon(now);
}

void Coordinator::RetrySoon(Instant now) {
  if (state_ != FailoverState::kNone || !retry_early_after_ || now >= retry_after_) return;
  retry_after_ = std::max(now, *retry_early_after_);
  retry_early_after_.reset();
}

bool Coordinator::PromotionUnconfirmed() const {
  if (group_.state != GroupState::kFailover || group_.primary.empty() ||
      lease_epoch_seen_ >= group_.epoch) {
    return false;
  }
  const MemberRecord* r = Record(group_.primary);
  return !r || r->epoch_seen < group_.epoch ||
         (r->role != MemberRole::kPrimary && r->role != MemberRole::kWritesPaused);
}

void Coordinator::Observe(const CasResult& in, Instant now) {
  if (serving_id_ && in.id == *serving_id_) return ServingOutcome(in, now);
  if (!cas_id_ || in.id != *cas_id_) return;
  cas_id_.reset();
  cas_outcome_ = in.succeeded;
  if (in.succeeded && in.revision > group_revision_) {
    group_ = cas_next_;
    group_revision_ = in.revision;
  }
}

void Coordinator::ServingOutcome(const CasResult& in, Instant now) {
  serving_id_.reset();
  const std::string epoch = std::to_string(serving_next_.epoch);
  if (!in.succeeded) {
    serving_retry_at_ = now + kServingRetry;
    return Emit("-serving-cas-failed", config_.name, now, {{"epoch", epoch}});
  }
  ServingChange change{config_.name, serving_next_, {}, {}, serving_decided_, now};
  const std::vector<std::string>& before = serving_seen_.members;
  const std::vector<std::string>& after = serving_next_.members;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(change.joined));
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(change.left));
  for (const std::string& m : change.joined) Emit("+serving", m, now, {{"epoch", epoch}});
  for (const std::string& m : change.left) Emit("-serving", m, now, {{"epoch", epoch}});
  // The watch may have brought the record already.
  if (serving_next_.epoch > serving_.epoch) serving_ = serving_next_;
  ready_.serving_changes.push_back(std::move(change));
}

void Coordinator::Observe(const FenceResult& in, Instant now) {
  if (remote_fence_id_ && in.id == *remote_fence_id_) {
    remote_fence_id_.reset();
    remote_fence_ok_ = in.ok;
    return Emit(in.ok ? "+remote-fence-ok" : "-remote-fence-failed", original_primary_, now);
  }
  if (!fence_id_ || in.id != *fence_id_) return;
  Emit(in.ok ? "+fence-hook-ok" : "-fence-hook-failed", original_primary_, now);
  hook_ok_ = in.ok;
  if (!in.ok) fence_id_.reset();  // asked again on the next handler run
}

void Coordinator::Observe(const FailoverRequest& in, Instant now) {
  if (state_ != FailoverState::kNone || config_.mode == GroupMode::kActiveActive || Tilted(now) ||
      !group_seen_) {
    return Emit("-failover-refused", config_.name, now,
                {{"state", std::string(FailoverStateName(state_))}});
  }
  Begin("manual", now, FailoverState::kSelectCandidate, now);
  force_ = in.force;
  only_ = in.target;
}

void Coordinator::Observe(const SwitchoverRequest& in, Instant now) {
  const MemberRecord* target = Record(in.target);
  std::string why;
  if (state_ != FailoverState::kNone || Tilted(now)) why = "busy";
  if (config_.mode == GroupMode::kActiveActive || group_.primary.empty()) why = "no-primary";
  if (!target || target->health != detect::Health::kHealthy) why = "target-not-healthy";
  if (in.target == group_.primary) why = "target-is-primary";
  if (!why.empty()) return Emit("-switchover-refused", in.target, now, {{"reason", why}});
  StartSwitchover(in.target, "switchover", now);
}

void Coordinator::Observe(const AbortRequest&, Instant now) {
  if (state_ == FailoverState::kNone) return;
  if (!CanAbort()) {
    return Emit("-abort-refused", config_.name, now,
                {{"state", std::string(FailoverStateName(state_))}});
  }
  Abort("-failover-abort-requested", "operator", now);
}

void Coordinator::Observe(const MaintenanceRequest& in, Instant now) {
  if (!group_seen_ || group_.paused == in.pause) return;
  if (state_ != FailoverState::kNone) {
    return Emit("-maintenance-refused", config_.name, now, {{"reason", "failover in progress"}});
  }
  GroupRecord next = group_;
  next.paused = in.pause;
  WriteGroup(next, LeaseRule::kKeep, false);
}

void Coordinator::Observe(const SchedulingGap& in, Instant now) {
  if (in.gap > config_.tilt.max_tick_gap) EnterTilt(in.gap, now);
}

void Coordinator::Observe(const Routed& in, Instant now) {
  Timeline* t = current_ ? &*current_ : history_.empty() ? nullptr : &history_.back();
  if (t && t->to_epoch == in.epoch && !t->routed) t->routed = now;
}

void Coordinator::UpdateDown(const MemberRecord& record, Instant now) {
  const bool sdown = !record.observed_down_by.empty();
  if (sdown != sdown_) {
    Emit(sdown ? "+sdown" : "-sdown", record.member, now);
    if (sdown) sdown_since_ = now;
  }
  sdown_ = sdown;
  const bool odown =
      static_cast<int>(record.observed_down_by.size()) >= quorum_ && ReplicaEvidence(record);
  if (odown != odown_) {
    Emit(odown ? "+odown" : "-odown", record.member, now,
         {{"quorum",
           std::to_string(record.observed_down_by.size()) + "/" + std::to_string(quorum_)}});
  }
  odown_ = odown;
}

// At least one observer runs a replica of this group: the replica side saw
// the primary go, not only agents that may be cut off from everything.
bool Coordinator::ReplicaEvidence(const MemberRecord& primary) const {
  for (const MemberConfig& m : config_.members) {
    if (m.name != primary.member && primary.observed_down_by.contains(m.node)) return true;
  }
  return false;
}

void Coordinator::EnterTilt(Duration gap, Instant now) {
  if (!Tilted(now)) Emit("+tilt", config_.name, now, {{"gap", gap.ToString()}});
  tilt_until_ = now + config_.tilt.period;
}

void Coordinator::Emit(std::string name, std::string target, Instant now,
                       std::vector<std::pair<std::string, std::string>> fields) {
  detect::Event event{std::move(name), std::move(target), now, std::move(fields)};
  if (current_) current_->events.push_back(event);
  ready_.events.push_back(std::move(event));
}

const MemberRecord* Coordinator::Record(const std::string& member) const {
  auto it = records_.find(member);
  return it == records_.end() ? nullptr : &it->second;
}

void Coordinator::Close(const std::string& outcome, Instant now) {
  BATON_CHECK(current_.has_value()) << "Close without a failover";
  current_->outcome = outcome;
  current_->closed = now;
  ready_.timelines.push_back(*current_);
  history_.push_back(std::move(*current_));
  if (history_.size() > kHistoryMax) history_.erase(history_.begin());
  current_.reset();
  state_ = FailoverState::kNone;
  state_since_ = now;
  candidate_.clear();
  tried_.clear();
  only_.clear();
  force_ = ranked_after_fence_ = unconfirmed_primary_ = false;
  ResetFence();
  cas_id_.reset();
  cas_outcome_.reset();
  catch_up_lag_ = 0;
}

}  // namespace baton::failover
