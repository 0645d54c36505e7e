#include "limits/connection_table.h"

#include "core/check.h"

namespace baton::limits {

std::string_view ConnectionEndName(ConnectionEnd end) {
  switch (end) {
    case ConnectionEnd::kRefusedFull:
      return "refused_full";
    case ConnectionEnd::kRefusedNoDescriptors:
      return "no_descriptors";
    case ConnectionEnd::kEvictedUnauthenticated:
      return "evicted";
    case ConnectionEnd::kHandshakeTimeout:
      return "handshake_timeout";
    case ConnectionEnd::kIdleTimeout:
      return "idle_timeout";
  }
  return "unknown";
}

ConnectionTable::ConnectionTable(const ListenerLimits& limits, ListenerObserver* observer)
    : limits_(limits), observer_(observer) {
  BATON_CHECK(limits_.Validate().ok()) << limits_.Validate().ToString();
}

Admission ConnectionTable::Admit() {
  Admission a;
  if (unauthenticated_.size() >= limits_.max_unauthenticated ||
      (open_.size() >= limits_.max_connections && !unauthenticated_.empty())) {
    a.evict = EvictOldestUnauthenticated();
  } else if (open_.size() >= limits_.max_connections) {
    CountEnd(ConnectionEnd::kRefusedFull);
    return a;
  }
  BATON_CHECK(open_.size() < limits_.max_connections);
  a.accepted = true;
  a.id = next_id_++;
  open_.insert(a.id);
  unauthenticated_.insert(a.id);
  Report();
  return a;
}

void ConnectionTable::Authenticate(ConnectionId id) {
  if (unauthenticated_.erase(id) > 0) Report();
}

void ConnectionTable::Release(ConnectionId id) {
  if (open_.erase(id) == 0) return;
  unauthenticated_.erase(id);
  Report();
}

void ConnectionTable::CountEnd(ConnectionEnd end) {
  if (observer_ != nullptr) observer_->OnConnectionEnd(end);
}

ConnectionId ConnectionTable::EvictOldestUnauthenticated() {
  BATON_CHECK(!unauthenticated_.empty());
  const ConnectionId oldest = *unauthenticated_.begin();
  unauthenticated_.erase(unauthenticated_.begin());
  open_.erase(oldest);
  CountEnd(ConnectionEnd::kEvictedUnauthenticated);
  return oldest;
}

void ConnectionTable::Report() {
  if (observer_ != nullptr) observer_->OnOpen(open_.size(), unauthenticated_.size());
}

}  // namespace baton::limits
