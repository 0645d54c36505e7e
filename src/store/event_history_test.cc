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

}  // namespace
}  // namespace baton::store
