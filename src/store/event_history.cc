#include "store/event_history.h"

#include <algorithm>

#include "core/check.h"

namespace baton::store {
namespace {

bool RevisionBelow(const Event& event, Revision revision) { return event.revision() < revision; }

}  // namespace

void EventHistory::Append(Event event) {
  BATON_CHECK(event.revision() >= compacted_revision_)
      << "event at revision " << event.revision() << " below the compaction point "
      << compacted_revision_;
  BATON_CHECK(events_.empty() || events_.back().revision() <= event.revision())
      << "event revision " << event.revision() << " after " << events_.back().revision();
  events_.push_back(std::move(event));
}

Result<std::vector<Event>> EventHistory::Since(std::string_view prefix, Revision start) const {
  if (start < compacted_revision_) return CompactedError(start, compacted_revision_);
  std::vector<Event> out;
  auto it = std::lower_bound(events_.begin(), events_.end(), start, RevisionBelow);
  for (; it != events_.end(); ++it) {
    if (HasPrefix(it->kv.key, prefix)) out.push_back(*it);
  }
  return out;
}

void EventHistory::Compact(Revision revision) {
  BATON_CHECK(revision > compacted_revision_)
      << "compaction to " << revision << " not above " << compacted_revision_;
  auto end = std::lower_bound(events_.begin(), events_.end(), revision, RevisionBelow);
  events_.erase(events_.begin(), end);
  compacted_revision_ = revision;
}

bool EventHistory::Reset(Revision compacted, std::vector<Event> events) {
  Revision last = compacted;
  for (const Event& event : events) {
    if (event.revision() < last) return false;
    last = event.revision();
  }
  compacted_revision_ = compacted;
  events_.assign(std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
  return true;
}

}  // namespace baton::store
