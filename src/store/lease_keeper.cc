#include "store/lease_keeper.h"

#include "core/check.h"

namespace baton::store {

LeaseKeeper::LeaseKeeper(Duration revoke_retry) : revoke_retry_(revoke_retry) {
  BATON_CHECK(revoke_retry > Duration::Zero()) << "revoke_retry must be positive";
}

void LeaseKeeper::Reset(Instant now, const std::vector<Lease>& leases) {
  leading_ = true;
  std::map<LeaseId, Tracked> next;
  for (const Lease& lease : leases) {
    auto followed = leases_.find(lease.id);
    const Instant deadline =
        followed != leases_.end() ? followed->second.deadline : now + lease.ttl;
    next[lease.id] = Tracked{.ttl = lease.ttl, .deadline = deadline};
  }
  leases_ = std::move(next);
}

void LeaseKeeper::Stop() {
  leading_ = false;
  for (auto& [id, lease] : leases_) lease.expired = false;
}

void LeaseKeeper::Observe(const ApplyResult& result, Instant now) {
  for (const std::optional<Lease>& lease : {result.granted_lease, result.refreshed_lease}) {
    if (!lease) continue;
    Tracked& tracked = leases_[lease->id];
    tracked.ttl = lease->ttl;
    tracked.deadline = now + lease->ttl;
  }
  if (result.revoked_lease) leases_.erase(*result.revoked_lease);
}

void LeaseKeeper::Restore(Instant now, const std::vector<Lease>& leases) {
  leases_.clear();
  for (const Lease& lease : leases)
    leases_[lease.id] = Tracked{.ttl = lease.ttl, .deadline = now + lease.ttl};
}

Result<Duration> LeaseKeeper::CheckKeepAlive(LeaseId id) const {
  if (!leading_) return Status::Unavailable("not the leader");
  auto it = leases_.find(id);
  if (it == leases_.end()) return Status::NotFound("lease " + std::to_string(id) + " not found");
  if (it->second.expired) return Status::NotFound("lease " + std::to_string(id) + " expired");
  return it->second.ttl;
}

Result<Duration> LeaseKeeper::AnswerKeepAlive(LeaseId id, const ApplyResult& refresh) const {
  if (!refresh.status.ok()) return refresh.status;
  return CheckKeepAlive(id);
}

std::vector<LeaseId> LeaseKeeper::Tick(Instant now) {
  std::vector<LeaseId> due;
  if (!leading_) return due;
  for (auto& [id, lease] : leases_) {
    const Instant offer_at = lease.expired ? lease.next_offer : lease.deadline;
    if (offer_at > now) continue;
    lease.expired = true;
    lease.next_offer = now + revoke_retry_;
    due.push_back(id);
  }
  return due;
}

std::optional<Instant> LeaseKeeper::Deadline(LeaseId id) const {
  auto it = leases_.find(id);
  if (it == leases_.end()) return std::nullopt;
  return it->second.deadline;
}

std::optional<Instant> LeaseKeeper::NextDeadline() const {
  std::optional<Instant> next;
  for (const auto& [id, lease] : leases_) {
    const Instant at = lease.expired ? lease.next_offer : lease.deadline;
    if (!next || at < *next) next = at;
  }
  return next;
}

}  // namespace baton::store
