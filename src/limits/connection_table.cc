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
      open_.size() >= limits_.max_connections) {
    a.evict = EvictOldestUnauthenticated();
    if (!a.evict.has_value()) {
      CountEnd(ConnectionEnd::kRefusedFull);
      return a;
    }
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

void ConnectionTable::SetBusy(ConnectionId id, bool busy) {
  if (!open_.contains(id)) return;
  if (busy) {
    busy_.insert(id);
  } else {
    busy_.erase(id);
  }
}

void ConnectionTable::Release(ConnectionId id) {
  if (open_.erase(id) == 0) return;
  unauthenticated_.erase(id);
  busy_.erase(id);
  Report();
}

void ConnectionTable::CountEnd(ConnectionEnd end) {
  if (observer_ != nullptr) observer_->OnConnectionEnd(end);
}

std::optional<ConnectionId> ConnectionTable::EvictOldestUnauthenticated() {
  if (unauthenticated_.empty()) return std::nullopt;
  // The oldest idle one; when every one is busy (e.g. long polls), the
  // oldest busy one, so that busy connections cannot lock newcomers out.
  auto victim = unauthenticated_.begin();
  for (auto it = unauthenticated_.begin(); it != unauthenticated_.end(); ++it) {
    if (!busy_.contains(*it)) {
      victim = it;
      break;
    }
  }
  const ConnectionId id = *victim;
  unauthenticated_.erase(victim);
  busy_.erase(id);
  open_.erase(id);
  CountEnd(ConnectionEnd::kEvictedUnauthenticated);
  return id;
}

void ConnectionTable::Report() {
  if (observer_ != nullptr) observer_->OnOpen(open_.size(), unauthenticated_.size());
}

}  // namespace baton::limits
