#include "store/event_history.h"

#include <algorithm>

#include "core/check.h"

namespace baton::store {
namespace {

bool RevisionBelow(const Event& event, Revision revision) { return event.revision() < revision; }

uint64_t EventBytes(const Event& event) {
  uint64_t bytes = event.kv.key.size() + event.kv.value.size();
  if (event.prev_kv.has_value()) bytes += event.prev_kv->key.size() + event.prev_kv->value.size();
  return bytes;
}

}  // namespace

void EventHistory::Append(Event event) {
  BATON_CHECK(event.revision() >= compacted_revision_)
      << "event at revision " << event.revision() << " below the compaction point "
      << compacted_revision_;
  BATON_CHECK(events_.empty() || events_.back().revision() <= event.revision())
      << "event revision " << event.revision() << " after " << events_.back().revision();
  bytes_ += EventBytes(event);
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
  for (auto it = events_.begin(); it != end; ++it) bytes_ -= EventBytes(*it);
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
  bytes_ = 0;
  for (const Event& event : events_) bytes_ += EventBytes(event);
  return true;
}

Revision EventHistory::CompactionPoint(uint64_t max_revisions, uint64_t max_bytes,
                                       Revision current) const {
  BATON_CHECK(max_revisions >= 1) << "history must keep at least one revision";
  Revision point = current >= max_revisions ? current - max_revisions + 1 : 0;
  if (bytes_ > max_bytes && !events_.empty()) {
    // Keep the newest events whose bytes fit, whole revisions only.
    uint64_t kept = 0;
    Revision keep_from = events_.back().revision();
    for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
      kept += EventBytes(*it);
      if (kept > max_bytes && it->revision() != events_.back().revision()) {
        keep_from = it->revision() + 1;
        break;
      }
      keep_from = it->revision();
    }
    point = std::max(point, keep_from);
  }
  const bool drops_events = !events_.empty() && events_.front().revision() < point;
  return point > compacted_revision_ && drops_events ? point : 0;
}

}  // namespace baton::store
