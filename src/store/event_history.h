// EventHistory: the MVCC change log of the store, oldest first, kept until
// compaction. Appends must come in non-decreasing revision order (one command
// may append several events at one revision). Compact(r) drops every event
// below revision r; afterwards a read from below r is refused with
// CompactedError, so a watcher never silently misses a change.
// Pure and deterministic; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/kv.h"

namespace baton::store {

class EventHistory {
 public:
  // REQUIRES: event.revision() >= compacted_revision() and is not below the
  // revision of the last appended event.
  void Append(Event event);

  // The events with revision >= start whose key starts with `prefix`, oldest
  // first. A start above the newest revision gives an empty list. Fails with
  // CompactedError when start < compacted_revision().
  Result<std::vector<Event>> Since(std::string_view prefix, Revision start) const;

  // Drops events below `revision`. REQUIRES: revision > compacted_revision().
  void Compact(Revision revision);

  // Events below this revision are gone; 0 until the first compaction.
  Revision compacted_revision() const { return compacted_revision_; }
  // The bytes the events hold: keys, values and previous values.
  uint64_t bytes() const { return bytes_; }

  // Where to compact so that what stays spans at most `max_revisions`
  // revisions up to `current` (the store's revision) and holds at most
  // `max_bytes` (but always keeps the newest revision's events): the
  // revision to pass to Compact, or 0 when the history is within both
  // bounds (no event would be dropped). Pure; the store leader proposes the Compact (every replica
  // applies the same point). REQUIRES: max_revisions >= 1.
  Revision CompactionPoint(uint64_t max_revisions, uint64_t max_bytes, Revision current) const;
  const std::deque<Event>& events() const { return events_; }

  // Replaces the whole history (snapshot restore). Returns false, leaving the
  // history unchanged, when the events are out of order or below `compacted`.
  bool Reset(Revision compacted, std::vector<Event> events);

  friend bool operator==(const EventHistory&, const EventHistory&) = default;

 private:
  Revision compacted_revision_ = 0;
  std::deque<Event> events_;
  uint64_t bytes_ = 0;
};

}  // namespace baton::store
