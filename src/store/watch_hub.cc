#include "store/watch_hub.h"

#include <algorithm>

#include "core/check.h"

namespace baton::store {

WatchHub::WatchHub(size_t max_pending_events) : max_pending_events_(max_pending_events) {
  BATON_CHECK(max_pending_events > 0) << "a watcher must be allowed some pending events";
}

Result<std::vector<Event>> WatchHub::Watch(WatcherId id, std::string prefix,
                                           Revision start_revision, const StateMachine& state) {
  if (watchers_.contains(id)) {
    return Status::AlreadyExists("watcher " + std::to_string(id) + " exists");
  }
  const Revision next_change = state.revision() + 1;
  const Revision start = start_revision == 0 ? next_change : start_revision;
  BATON_ASSIGN_OR_RETURN(std::vector<Event> backlog, state.WatchFrom(prefix, start));
  if (backlog.size() > max_pending_events_) {
    return Status::Aborted("backlog of " + std::to_string(backlog.size()) +
                           " events since revision " + std::to_string(start) +
                           " exceeds the bound " + std::to_string(max_pending_events_));
  }
  watchers_[id] = Watcher{.prefix = std::move(prefix),
                          .next_revision = std::max(start, next_change),
                          .pending = backlog.size()};
  return backlog;
}

WatchOutput WatchHub::OnApplied(const std::vector<Event>& events) {
  WatchOutput out;
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    Watcher& watcher = it->second;
    std::vector<Event> matched;
    for (const Event& event : events) {
      if (event.revision() >= watcher.next_revision && HasPrefix(event.kv.key, watcher.prefix)) {
        matched.push_back(event);
      }
    }
    if (matched.empty()) {
      ++it;
      continue;
    }
    if (watcher.pending + matched.size() > max_pending_events_) {
      out.cancelled.push_back(
          {it->first,
           Status::Aborted("slow watcher: " + std::to_string(watcher.pending) +
                           " events pending, bound " + std::to_string(max_pending_events_)),
           matched.front().revision()});
      it = watchers_.erase(it);
      continue;
    }
    watcher.pending += matched.size();
    watcher.next_revision = matched.back().revision() + 1;
    out.batches.push_back({it->first, std::move(matched)});
    ++it;
  }
  return out;
}

void WatchHub::Acknowledge(WatcherId id, size_t count) {
  auto it = watchers_.find(id);
  if (it == watchers_.end()) return;
  BATON_CHECK(count <= it->second.pending)
      << "watcher " << id << " acknowledged " << count << " of " << it->second.pending;
  it->second.pending -= count;
}

bool WatchHub::Cancel(WatcherId id) { return watchers_.erase(id) > 0; }

size_t WatchHub::pending(WatcherId id) const {
  auto it = watchers_.find(id);
  return it == watchers_.end() ? 0 : it->second.pending;
}

}  // namespace baton::store
