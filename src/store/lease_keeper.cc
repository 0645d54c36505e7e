#include "store/lease_keeper.h"

#include "core/check.h"

namespace baton::store {

LeaseKeeper::LeaseKeeper(Duration revoke_retry) : revoke_retry_(revoke_retry) {
  BATON_CHECK(revoke_retry > Duration::Zero()) << "revoke_retry must be positive";
}

void LeaseKeeper::Reset(Instant now, const std::vector<Lease>& leases) {
  leading_ = true;
  leases_.clear();
  for (const Lease& lease : leases)
    leases_[lease.id] = Tracked{.ttl = lease.ttl, .deadline = now + lease.ttl};
}

void LeaseKeeper::Stop() {
  leading_ = false;
  leases_.clear();
}

void LeaseKeeper::Observe(const ApplyResult& result, Instant now) {
  if (!leading_) return;
  if (result.granted_lease) {
    const Lease& lease = *result.granted_lease;
    leases_[lease.id] = Tracked{.ttl = lease.ttl, .deadline = now + lease.ttl};
  }
  if (result.revoked_lease) leases_.erase(*result.revoked_lease);
}

Result<Duration> LeaseKeeper::KeepAlive(LeaseId id, Instant now) {
  if (!leading_) return Status::Unavailable("not the leader");
  auto it = leases_.find(id);
  if (it == leases_.end()) return Status::NotFound("lease " + std::to_string(id) + " not found");
  if (it->second.expired) return Status::NotFound("lease " + std::to_string(id) + " expired");
  it->second.deadline = now + it->second.ttl;
  return it->second.ttl;
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
