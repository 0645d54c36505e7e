// The acting half of the Coordinator: starting a failover, one handler per
// state, and the writes they make. See coordinator.h for the state diagram.
#include <algorithm>
#include <utility>

#include "core/check.h"
#include "failover/coordinator.h"

namespace baton::failover {

void Coordinator::Act(Instant now) {
  if (Tilted(now)) return;
  if (config_.mode == GroupMode::kActiveActive) return PublishServing(now);
  const FailoverState before = state_;
  switch (state_) {
    case FailoverState::kNone:
      MaybeStart(now);
      break;
    case FailoverState::kPauseWrites:
      OnPauseWrites(now);
      break;
    case FailoverState::kWaitCatchUp:
      OnWaitCatchUp(now);
      break;
    case FailoverState::kSelectCandidate:
      OnSelectCandidate(now);
      break;
    case FailoverState::kFenceOld:
      OnFenceOld(now);
      break;
    case FailoverState::kPromote:
      OnPromote(now);
      break;
    case FailoverState::kWaitPromotion:
      OnWaitPromotion(now);
      break;
    case FailoverState::kReconfigureReplicas:
      OnReconfigureReplicas(now);
      break;
    case FailoverState::kDone:
      OnDone(now);
      break;
  }
  if (state_ != before && state_ != FailoverState::kNone) Act(now);  // run the new state now
}

void Coordinator::MaybeStart(Instant now) {
  const bool automatic = config_.failover == FailoverMode::kAutomatic;
  if (!automatic || group_.paused || !group_seen_ || !lease_.known || now < retry_after_) return;
  if (group_.primary.empty()) {
    if (records_.empty()) return;  // the first election waits for the members' reports
    if (!first_report_) first_report_ = now;
    // Rank all of them, so the preferred member wins: wait until every member
    // reported, or drift_margin (every live agent reports within it).
    const bool all = std::all_of(config_.members.begin(), config_.members.end(),
                                 [this](const MemberConfig& m) { return Record(m.name); });
    if (!all && now - *first_report_ < config_.drift_margin) return;
    return Begin("no-primary", *first_report_, FailoverState::kSelectCandidate, now);
  }
  if (!lease_.held) {
    return Begin(lease_.released ? "lease-released" : "lease-expired", lease_.ended_at,
                 FailoverState::kSelectCandidate, now);
  }
  if (odown_) return Begin("odown", sdown_since_, FailoverState::kSelectCandidate, now);
  MaybeFailBack(now);
}

void Coordinator::MaybeFailBack(Instant now) {
  const MemberConfig* preferred = nullptr;
  for (const MemberConfig& m : config_.members) {
    if (m.priority > 0 && (!preferred || m.priority > preferred->priority)) preferred = &m;
  }
  const MemberConfig* primary = config_.FindMember(group_.primary);
  const bool wanted = config_.failback == Failback::kAutomatic && preferred && primary &&
                      preferred->priority > primary->priority &&
                      group_.state == GroupState::kStable;
  if (!wanted || !CaughtUp(*preferred)) {
    if (failback_since_) {
      Emit("-failback-wait", preferred ? preferred->name : config_.name, now);
      failback_since_.reset();
    }
    return;
  }
  if (!failback_since_) {
    failback_since_ = now;
    Emit("+failback-wait", preferred->name, now,
         {{"stable_ms", std::to_string(config_.failback_stable.millis())}});
  }
  if (now - *failback_since_ < config_.failback_stable) return;
  failback_since_.reset();
  StartSwitchover(preferred->name, "failback", now);
}

bool Coordinator::CaughtUp(const MemberConfig& member) const {
  const MemberRecord* r = Record(member.name);
  const MemberRecord* primary = Record(group_.primary);
  return r && primary && r->health == detect::Health::kHealthy && r->role == MemberRole::kReplica &&
         r->following == group_.primary && r->epoch_seen == group_.epoch &&
         primary->position <= r->position + config_.max_lag_bytes;
}

void Coordinator::StartSwitchover(const std::string& target, const std::string& cause,
                                  Instant now) {
  Begin(cause, now, FailoverState::kPauseWrites, now);
  only_ = target;
}

void Coordinator::Begin(const std::string& cause, Instant detected, FailoverState first,
                        Instant now) {
  BATON_CHECK(state_ == FailoverState::kNone) << "failover already in progress";
  current_ = Timeline{};
  current_->group = config_.name;
  current_->cause = cause;
  current_->from_epoch = group_.epoch;
  current_->old_primary = original_primary_ = group_.primary;
  current_->detected = detected;
  current_->confirmed = now;
  unconfirmed_primary_ = first == FailoverState::kSelectCandidate && PromotionUnconfirmed();
  if (unconfirmed_primary_) {
    // The primary before it is not named any more: bound the loss by what any
    // member reported, so no candidate behind it qualifies by accident.
    for (const auto& [name, r] : records_) {
      current_->old_primary_position = std::max(current_->old_primary_position, r.position);
      current_->old_primary_acked = std::max(current_->old_primary_acked, r.acked_position);
    }
    Emit("+promotion-unconfirmed", group_.primary, now, {{"epoch", std::to_string(group_.epoch)}});
  } else if (const MemberRecord* old = Record(group_.primary)) {
    current_->old_primary_position = old->position;
    current_->old_primary_acked = old->acked_position;
  }
  Emit("+try-failover", group_.primary, now, {{"cause", cause}});
  Enter(first, now);
}

void Coordinator::Enter(FailoverState state, Instant now) {
  state_ = state;
  state_since_ = now;
  Emit("+failover-state-" + std::string(FailoverStateName(state)), config_.name, now);
}

Duration Coordinator::Deadline(FailoverState state) const {
  const StepTimeouts& t = config_.timeouts;
  switch (state) {
    case FailoverState::kWaitCatchUp:
      return t.catch_up;
    case FailoverState::kFenceOld:
      return t.fence;
    case FailoverState::kWaitPromotion:
      return t.wait_promotion;
    case FailoverState::kReconfigureReplicas:
      return t.reconfigure;
    default:
      return t.promote;
  }
}

void Coordinator::OnPauseWrites(Instant now) {
  if (!cas_id_ && !cas_outcome_) {
    GroupRecord next = group_;
    next.state = GroupState::kSwitchover;
    next.switchover_target = only_;
    next.reason = "+switchover";
    return WriteGroup(next, LeaseRule::kKeep, true);
  }
  if (const std::optional<bool> ok = TakeCasOutcome()) {
    if (!*ok) return Abort("-switchover-abort-cas-failed", "group record changed", now);
    return Enter(FailoverState::kWaitCatchUp, now);
  }
  if (now - state_since_ > Deadline(state_)) Abort("-switchover-abort-timeout", "cas", now);
}

void Coordinator::OnWaitCatchUp(Instant now) {
  const MemberRecord* primary = Record(group_.primary);
  const MemberRecord* target = Record(only_);
  if (primary && target && primary->role == MemberRole::kWritesPaused &&
      primary->epoch_seen == group_.epoch && target->position >= primary->position) {
    current_->old_primary_position = primary->position;
    current_->old_primary_acked = primary->acked_position;
    current_->fenced = now;
    take_lease_ = true;
    Emit("+switchover-caught-up", only_, now, {{"position", std::to_string(target->position)}});
    return Enter(FailoverState::kSelectCandidate, now);
  }
  if (now - state_since_ > Deadline(state_)) {
    Abort("-switchover-abort-catch-up-timeout", "lag " + std::to_string(catch_up_lag_), now);
  }
}

void Coordinator::OnSelectCandidate(Instant now) {
  RankInput in{
      group_.primary, current_->old_primary_position, current_->old_primary_acked, tried_, only_,
      force_};
  // Confirmed meanwhile (it took the lease after all): an old primary again.
  if (unconfirmed_primary_ && PromotionUnconfirmed()) {
    in.old_primary.clear();
  } else {
    // Sync modes: the old primary is the last resort (it holds every write it
    // acknowledged); once its own promotion failed, tried_ rules it out.
    in.old_primary_fallback = config_.replication != Replication::kAsync;
    if (!original_primary_.empty() &&
        !(in.old_primary_fallback && original_primary_ == group_.primary)) {
      in.exclude.insert(original_primary_);
    }
  }
  if (config_.replication != Replication::kAsync && sync_) {
    // The record's own primary acknowledged every write there is (no later
    // epoch had a set, so none acknowledged anything): it qualifies too, and
    // so do the prior holders while this epoch's set was never full.
    in.sync_set = sync_->members;
    in.sync_set->insert(sync_->primary);
    in.sync_set->insert(sync_->prior.begin(), sync_->prior.end());
  }
  const Ranking r = RankCandidates(config_, records_, in);
  if (r.verdict == RankVerdict::kNoCandidate) {
    return Abort("-failover-abort-no-candidate", r.reason, now);
  }
  if (r.verdict == RankVerdict::kWouldLoseData) {
    // The positions may be a report behind; sync modes rank again once the
    // fence settled (OnFenceOld), and only that verdict aborts.
    if (SettleBeforeRanking()) return Enter(FailoverState::kFenceOld, now);
    return Abort("-failover-abort-would-lose-data", r.reason, now);
  }
  candidate_ = r.chosen;
  current_->new_primary = r.chosen;
  current_->new_primary_position = r.chosen_position;
  // Switchover (writes paused, target caught up) and sync modes know it.
  if (config_.replication != Replication::kAsync || take_lease_) {
    current_->acked_loss_bytes = r.acked_loss_bytes;
  } else {
    current_->acked_loss_bytes.reset();
  }
  current_->loss_bound_bytes = r.loss_bound_bytes;
  current_->forced = force_ && r.acked_loss_bytes > 0;
  Emit("+selected-replica", candidate_, now,
       {{"position", std::to_string(r.chosen_position)},
        {"loss_bound", std::to_string(r.loss_bound_bytes)},
        {"acked_loss", current_->acked_loss_bytes ? std::to_string(r.acked_loss_bytes)
                                                  : std::string("unknown")}});
  if (current_->forced) {
    Emit("+forced-promotion", candidate_, now,
         {{"lost_bytes", std::to_string(r.acked_loss_bytes)}});
  }
  Enter(FailoverState::kFenceOld, now);
}

std::optional<std::string> Coordinator::FencedBy(Instant now) const {
  if (take_lease_) return "writes-paused";
  if (hook_ok_) return "hook";
  if (!lease_.known || lease_.held) return std::nullopt;
  if (lease_.released) return "released";
  const Duration margin =
      config_.unsafe.promote_before_lease_margin ? Duration::Zero() : config_.drift_margin;
  if (now < lease_.ended_at + margin || RemoteFencePending(now)) return std::nullopt;
  return remote_fence_ok_.value_or(false) ? "expired+remote" : "expired";
}

void Coordinator::OrderRemoteFence(Instant now) {
  if (!config_.remote_fence || take_lease_ || hook_ok_ || group_.primary.empty()) return;
  if (!lease_.known || lease_.held || lease_.released) return;
  if (remote_fence_id_ || remote_fence_ok_.has_value()) return;  // one per candidate round
  const MemberConfig* old = config_.FindMember(group_.primary);
  remote_fence_id_ = next_id_++;
  remote_fence_sent_ = now;
  ready_.fences.push_back(
      FenceOrder{*remote_fence_id_, group_.primary, old ? old->node : "", group_.epoch, true});
  Emit("+remote-fence", group_.primary, now);
}

bool Coordinator::RemoteFencePending(Instant now) const {
  // The driver answers within drift_margin / 2; the wait is bounded anyway
  // (an answer lost with a restarted driver must not stall the failover).
  return remote_fence_id_ && now < remote_fence_sent_ + config_.drift_margin;
}

void Coordinator::ResetFence() {
  take_lease_ = hook_ok_ = false;
  fence_id_.reset();
  remote_fence_id_.reset();
  remote_fence_ok_.reset();
}

void Coordinator::OnFenceOld(Instant now) {
  // A step-down request in flight: its answer must not be taken for the
  // promotion's (the only CAS this state writes).
  if (cas_id_ && now - state_since_ <= Deadline(state_)) return;
  TakeCasOutcome();
  OrderRemoteFence(now);
  if (const std::optional<std::string> how = FencedBy(now)) {
    if (!current_->fenced) current_->fenced = now;
    // Sync / semi-sync: the candidate was ranked on positions reported before
    // the old primary stopped acknowledging; the last of them may still be on
    // their way (an agent reports once per tick, at most drift_margin / 2).
    // Rank again once they have landed, so no acknowledged write is left out.
    // (A switchover's target already holds everything the paused primary has.)
    if (SettleBeforeRanking()) {
      if (now < *current_->fenced + config_.drift_margin) return;
      ranked_after_fence_ = true;
      return Enter(FailoverState::kSelectCandidate, now);
    }
    Emit("+fenced", group_.primary, now, {{"by", *how}});
    return Enter(FailoverState::kPromote, now);
  }
  // Not (or no longer) fenced: the old primary's agent took the lease back
  // (it restarted before the expiry was acted on). The settling wait starts
  // again at the next fence.
  current_->fenced.reset();
  ranked_after_fence_ = false;
  const bool held = lease_.held.has_value();
  if (!config_.fencing_hook && held) RequestStepDown(now);
  if (config_.fencing_hook && held && !fence_id_ && !group_.primary.empty()) {
    const MemberConfig* old = config_.FindMember(group_.primary);
    fence_id_ = next_id_++;
    ready_.fences.push_back(
        FenceOrder{*fence_id_, group_.primary, old ? old->node : "", group_.epoch});
    Emit("+fence-hook", group_.primary, now);
  }
  if (now - state_since_ > Deadline(state_)) {
    Abort("-failover-abort-not-fenced", held ? "lease still held" : "lease margin", now);
  }
}

// ODOWN while the old primary's agent still renews, and no hook to fence it:
// ask that agent (through the group record, at this epoch) to fence its
// member and release the lease. A lost CAS is retried at the next tick.
void Coordinator::RequestStepDown(Instant now) {
  if (current_->cause != "odown" || group_.step_down == group_.epoch || cas_id_) return;
  if (lease_.held->epoch != group_.epoch || lease_.held->member != group_.primary) return;
  GroupRecord next = group_;
  next.step_down = group_.epoch;
  WriteGroup(next, LeaseRule::kKeep, true);
  Emit("+step-down-requested", group_.primary, now, {{"epoch", std::to_string(group_.epoch)}});
}

bool Coordinator::SettleBeforeRanking() const {
  return config_.replication != Replication::kAsync && !take_lease_ && !ranked_after_fence_;
}

void Coordinator::OnPromote(Instant now) {
  if (!cas_id_ && !cas_outcome_) {
    GroupRecord next = group_;
    next.epoch = group_.epoch + 1;
    next.primary = candidate_;
    next.state = GroupState::kFailover;
    next.switchover_target.clear();
    next.step_down = 0;
    next.reason = current_->cause;
    const bool take = take_lease_ || hook_ok_;
    return WriteGroup(next, take ? LeaseRule::kTake : LeaseRule::kRequireAbsent, true);
  }
  if (const std::optional<bool> ok = TakeCasOutcome()) {
    if (!*ok) return Abort("-failover-abort-cas-failed", "group record or lease changed", now);
    BATON_CHECK(group_.epoch > current_->from_epoch) << "promotion did not raise the epoch";
    current_->to_epoch = group_.epoch;
    Emit("+promote-written", candidate_, now, {{"epoch", std::to_string(group_.epoch)}});
    return Enter(FailoverState::kWaitPromotion, now);
  }
  if (now - state_since_ > Deadline(state_)) Abort("-failover-abort-timeout", "promote cas", now);
}

void Coordinator::OnWaitPromotion(Instant now) {
  const MemberRecord* b = Record(candidate_);
  if (b && b->role == MemberRole::kPrimary && b->epoch_seen == group_.epoch) {
    current_->promoted = now;
    Emit("+promoted-replica", candidate_, now, {{"epoch", std::to_string(group_.epoch)}});
    return Enter(FailoverState::kReconfigureReplicas, now);
  }
  // B took the lease of the new epoch and lost it before it reported: its
  // agent stopped renewing (dead, paused, cut off) and cannot be waited for.
  const bool lost = !lease_.held && lease_.ended && lease_.ended->member == candidate_ &&
                    lease_.ended->epoch == group_.epoch;
  if (lost) {
    Emit("-failover-promotion-lease-lost", candidate_, now,
         {{"epoch", std::to_string(group_.epoch)}});
  } else if (now - state_since_ <= Deadline(state_)) {
    return;
  } else {
    Emit("-failover-promotion-timeout", candidate_, now);
  }
  tried_.insert(candidate_);
  ResetFence();  // the failed candidate must now be fenced by its lease
  Enter(FailoverState::kSelectCandidate, now);
}

// The old primary and failed candidates are not waited for: they are fenced
// or gone, and their agents re-point them when they see the new record.
bool Coordinator::Settled(const MemberConfig& m) const {
  if (m.name == candidate_ || m.name == original_primary_ || tried_.contains(m.name)) return true;
  const MemberRecord* r = Record(m.name);
  if (!r || r->health != detect::Health::kHealthy) return true;  // re-pointed when it returns
  return r->role == MemberRole::kReplica && r->following == candidate_;
}

void Coordinator::OnReconfigureReplicas(Instant now) {
  bool all = true;
  for (const MemberConfig& m : config_.members) all = all && Settled(m);
  const bool late = now - state_since_ > Deadline(state_);
  if (!all && !late) return;
  if (late && !all) Emit("-reconf-timeout", config_.name, now);
  current_->repointed = now;
  Enter(FailoverState::kDone, now);
}

void Coordinator::OnDone(Instant now) {
  if (!cas_id_ && !cas_outcome_) {
    GroupRecord next = group_;
    next.state = GroupState::kStable;
    next.reason = "+switch-primary";
    return WriteGroup(next, LeaseRule::kKeep, true);
  }
  const bool answered = TakeCasOutcome().has_value();
  if (!answered && now - state_since_ <= Deadline(state_)) return;
  Emit("+switch-primary", candidate_, now,
       {{"old", current_->old_primary}, {"epoch", std::to_string(group_.epoch)}});
  Close("+switch-primary", now);
}

void Coordinator::Abort(const std::string& name, const std::string& reason, Instant now) {
  BATON_CHECK(CanAbort()) << "abort in state " << FailoverStateName(state_)
                          << ": after promotion the only way is forward";
  BATON_CHECK(current_.has_value()) << "abort without a failover";
  Emit(name, config_.name, now, {{"reason", reason}});
  if (group_.state == GroupState::kSwitchover) {
    GroupRecord next = group_;
    next.state = GroupState::kStable;
    next.switchover_target.clear();
    next.reason = name;
    WriteGroup(next, LeaseRule::kKeep, false);
  }
  retry_after_ = now + config_.timeouts.retry_after;
  retry_early_after_.reset();
  if (name == "-failover-abort-no-candidate" || name == "-failover-abort-would-lose-data") {
    retry_early_after_ = now + config_.drift_margin;
  }
  Close(name, now);
}

void Coordinator::WriteGroup(const GroupRecord& next, LeaseRule rule, bool tracked) {
  const uint64_t id = next_id_++;
  if (tracked) {
    cas_id_ = id;
    cas_next_ = next;
  }
  ready_.writes.push_back(
      GroupWrite{id, GroupCas(config_.name, group_revision_, next, rule), next});
}

std::optional<bool> Coordinator::TakeCasOutcome() { return std::exchange(cas_outcome_, {}); }

void Coordinator::PublishServing(Instant now) {
  if (group_.paused || serving_id_ || now < serving_retry_at_) return;
  std::vector<std::string> ready;
  for (const MemberConfig& m : config_.members) {
    const MemberRecord* r = Record(m.name);
    // A majority of agents not reaching it outweighs its own agent's report
    // (which stops changing when that agent dies).
    if (r && r->health == detect::Health::kHealthy &&
        static_cast<int>(r->observed_down_by.size()) < quorum_) {
      ready.push_back(m.name);
    }
  }
  std::sort(ready.begin(), ready.end());
  if (ready == serving_.members) return;
  serving_id_ = next_id_++;
  serving_seen_ = serving_;
  serving_next_ = ServingRecord{serving_.epoch + 1, std::move(ready)};
  serving_decided_ = now;
  ready_.serving.push_back(ServingWrite{
      *serving_id_, ServingCas(config_.name, serving_seen_, serving_next_), serving_next_});
}

}  // namespace baton::failover
