#include "store/event_history.h"

#include <gtest/gtest.h>

namespace baton::store {
namespace {

Event PutEvent(std::string key, Revision revision) {
  Event event;
  event.kv = KeyValue{std::move(key), "v", revision, revision, 1, kNoLease};
  return event;
}

std::vector<Revision> Revisions(const std::vector<Event>& events) {
  std::vector<Revision> out;
  for (const Event& event : events) out.push_back(event.revision());
  return out;
}

TEST(EventHistory, SinceFiltersByRevisionAndPrefix) {
  EventHistory history;
  history.Append(PutEvent("/a/1", 1));
  history.Append(PutEvent("/b/1", 2));
  history.Append(PutEvent("/a/2", 3));
  history.Append(PutEvent("/a/3", 3));
  EXPECT_EQ(Revisions(*history.Since("/a/", 2)), (std::vector<Revision>{3, 3}));
  EXPECT_EQ(Revisions(*history.Since("", 1)), (std::vector<Revision>{1, 2, 3, 3}));
  EXPECT_TRUE(history.Since("", 4)->empty());
}

TEST(EventHistory, CompactionDropsOlderEventsAndRefusesReadsBelowIt) {
  EventHistory history;
  for (Revision r = 1; r <= 5; ++r) history.Append(PutEvent("/k", r));
  history.Compact(3);
  EXPECT_EQ(history.compacted_revision(), 3u);
  EXPECT_EQ(Revisions(*history.Since("", 3)), (std::vector<Revision>{3, 4, 5}));
  Result<std::vector<Event>> below = history.Since("", 2);
  ASSERT_FALSE(below.has_value());
  EXPECT_TRUE(IsCompacted(below.error())) << below.error().ToString();
  EXPECT_EQ(history.events().size(), 3u);
}

TEST(EventHistory, ResetRejectsEventsOutOfOrderOrBelowCompaction) {
  EventHistory history;
  history.Append(PutEvent("/k", 1));
  EXPECT_FALSE(history.Reset(0, {PutEvent("/k", 2), PutEvent("/k", 1)}));
  EXPECT_FALSE(history.Reset(3, {PutEvent("/k", 2)}));
  EXPECT_EQ(history.events().size(), 1u);  // unchanged
  EXPECT_TRUE(history.Reset(2, {PutEvent("/k", 2), PutEvent("/j", 2), PutEvent("/k", 4)}));
  EXPECT_EQ(history.compacted_revision(), 2u);
  const std::vector<Event> events(history.events().begin(), history.events().end());
  EXPECT_EQ(Revisions(events), (std::vector<Revision>{2, 2, 4}));
}

// Each event holds a two-byte key and a value of `value_bytes`.
Event SizedPut(Revision revision, size_t value_bytes) {
  Event event = PutEvent("/k", revision);
  event.kv.value.assign(value_bytes, 'v');
  return event;
}

TEST(EventHistory, BytesFollowAppendCompactAndReset) {
  EventHistory history;
  history.Append(SizedPut(1, 10));
  Event with_prev = SizedPut(2, 20);
  with_prev.prev_kv = SizedPut(1, 10).kv;
  history.Append(with_prev);
  EXPECT_EQ(history.bytes(), 12u + 22u + 12u);
  history.Compact(2);
  EXPECT_EQ(history.bytes(), 22u + 12u);
  EventHistory copy;
  ASSERT_TRUE(copy.Reset(2, {history.events().begin(), history.events().end()}));
  EXPECT_EQ(copy.bytes(), history.bytes());
}

TEST(EventHistory, CompactionPointBoundsRevisionsAndBytes) {
  EventHistory history;
  for (Revision r = 1; r <= 10; ++r) history.Append(SizedPut(r, 98));  // 100 bytes each
  // Within both bounds: nothing to do.
  EXPECT_EQ(history.CompactionPoint(10, 1000, 10), 0u);
  // Keep 4 revisions: 7..10.
  EXPECT_EQ(history.CompactionPoint(4, 1000, 10), 7u);
  // Keep 350 bytes: the three newest events (8..10).
  EXPECT_EQ(history.CompactionPoint(100, 350, 10), 8u);
  // The tighter bound wins.
  EXPECT_EQ(history.CompactionPoint(2, 350, 10), 9u);
  // The newest revision stays even when it alone is over the byte bound.
  EXPECT_EQ(history.CompactionPoint(100, 10, 10), 10u);
  // A point at or below the compaction point is no work.
  history.Compact(9);
  EXPECT_EQ(history.CompactionPoint(4, 1000, 10), 0u);
  EXPECT_EQ(history.CompactionPoint(1, 1000, 10), 10u);
  // The point follows the store's revision even past the newest event.
  EXPECT_EQ(history.CompactionPoint(3, 1000, 20), 18u);
}

}  // namespace
}  // namespace baton::store
