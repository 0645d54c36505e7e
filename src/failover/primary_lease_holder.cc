#include "failover/primary_lease_holder.h"

#include <algorithm>
#include <utility>

#include "core/check.h"

namespace baton::failover {

std::string_view LeaseOpKindName(LeaseOpKind kind) {
  switch (kind) {
    case LeaseOpKind::kAcquire:
      return "acquire";
    case LeaseOpKind::kRenew:
      return "renew";
    case LeaseOpKind::kRelease:
      return "release";
  }
  return "unknown";
}

std::string_view HolderStateName(HolderState state) {
  switch (state) {
    case HolderState::kIdle:
      return "idle";
    case HolderState::kAcquiring:
      return "acquiring";
    case HolderState::kHolding:
      return "holding";
    case HolderState::kFenced:
      return "fenced";
  }
  return "unknown";
}

PrimaryLeaseHolder::PrimaryLeaseHolder(const GroupConfig& config, std::string member,
                                       std::string node)
    : config_(config), member_(std::move(member)), node_(std::move(node)) {
  BATON_CHECK(config_.Validate().ok()) << config_.Validate().ToString();
}

void PrimaryLeaseHolder::Start(Epoch epoch, Instant now) {
  BATON_CHECK(epoch > epoch_) << "lease for epoch " << epoch << " after epoch " << epoch_;
  epoch_ = epoch;
  first_valid_id_ = next_id_;
  in_flight_.clear();
  state_ = HolderState::kAcquiring;
  last_tick_ = now;
  Send(LeaseOpKind::kAcquire, now);
  acquire_id_ = next_id_ - 1;
}

void PrimaryLeaseHolder::OnResult(uint64_t id, const Status& status, Instant now) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end() || id < first_valid_id_) return;
  const LeaseOp op = it->second;
  in_flight_.erase(it);
  if (DetectPause(now)) return;
  if (status.IsNotFound() && state_ == HolderState::kHolding) {
    return Fence("lease-lost", false, now);
  }
  if (!status.ok()) {
    if (id == acquire_id_) state_ = HolderState::kIdle;
    return;
  }
  const Instant end = op.sent_at + config_.lease_ttl;
  if (id == acquire_id_) {
    state_ = HolderState::kHolding;
    view_end_ = end;
    next_renew_ = op.sent_at + config_.RenewInterval();
    Emit("+lease-acquired", now, {{"view_end_in", (end - now).ToString()}});
    // Past its fence point the store may already have revoked it: the member
    // must never be promoted on it. Release it, so the coordinator moves on.
    if (now >= FenceAt()) Fence("lease-acquired-late", true, now);
  } else if (state_ == HolderState::kHolding && end > view_end_) {
    view_end_ = end;
  }
}

void PrimaryLeaseHolder::OnMemberFailed(Instant now) {
  if (state_ == HolderState::kAcquiring || state_ == HolderState::kHolding) {
    Fence("member-failed", true, now);
  }
}

void PrimaryLeaseHolder::Resign(Instant now) {
  if (state_ == HolderState::kAcquiring || state_ == HolderState::kHolding) {
    Fence("resign", true, now);
  }
}

void PrimaryLeaseHolder::StepDown(Instant now) {
  if (state_ == HolderState::kAcquiring || state_ == HolderState::kHolding) {
    Fence("step-down-requested", true, now);
  }
}

void PrimaryLeaseHolder::Tick(Instant now) {
  if (DetectPause(now)) return;
  last_tick_ = now;
  if (state_ != HolderState::kHolding) return;
  if (now >= FenceAt() && !config_.unsafe.no_self_fence) {
    return Fence("lease-view-ending", true, now);
  }
  if (now >= next_renew_) {
    Send(LeaseOpKind::kRenew, now);
    next_renew_ = now + config_.RenewInterval();
  }
}

// A gap since the last Tick longer than the drift margin: this process may
// have been stopped while its lease ran out. Fence before anything else.
bool PrimaryLeaseHolder::DetectPause(Instant now) {
  const bool active = state_ == HolderState::kAcquiring || state_ == HolderState::kHolding;
  if (!active || !last_tick_ || now - *last_tick_ <= config_.drift_margin) return false;
  Emit("+pause", now, {{"gap", (now - *last_tick_).ToString()}});
  last_tick_ = now;
  Fence("pause", true, now);
  return true;
}

Instant PrimaryLeaseHolder::NextWakeup() const {
  if (state_ == HolderState::kIdle || state_ == HolderState::kFenced) {
    return Instant::FromNanos(INT64_MAX);
  }
  Instant wake = *last_tick_ + config_.drift_margin / 2;
  if (state_ == HolderState::kHolding) {
    wake = std::min({wake, next_renew_, FenceAt()});
  }
  return wake;
}

HolderReady PrimaryLeaseHolder::TakeReady() { return std::exchange(ready_, HolderReady{}); }

void PrimaryLeaseHolder::Send(LeaseOpKind kind, Instant now) {
  LeaseOp op{next_id_++, kind, LeaseRecord{member_, node_, epoch_}, now};
  if (kind != LeaseOpKind::kRelease) in_flight_[op.id] = op;
  ready_.ops.push_back(std::move(op));
}

void PrimaryLeaseHolder::Fence(std::string reason, bool release, Instant now) {
  const bool active = state_ == HolderState::kHolding || state_ == HolderState::kAcquiring;
  state_ = HolderState::kFenced;
  first_valid_id_ = next_id_;
  in_flight_.clear();
  Emit("+self-fence", now, {{"reason", reason}, {"epoch", std::to_string(epoch_)}});
  ready_.fence = SelfFence{member_, epoch_, std::move(reason)};
  if (release && active) Send(LeaseOpKind::kRelease, now);
}

void PrimaryLeaseHolder::Emit(std::string name, Instant now,
                              std::vector<std::pair<std::string, std::string>> fields) {
  ready_.events.push_back(detect::Event{std::move(name), member_, now, std::move(fields)});
}

}  // namespace baton::failover
