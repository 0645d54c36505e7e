#include "limits/connection_table.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace baton::limits {
namespace {

struct Recorder : ListenerObserver {
  std::map<ConnectionEnd, int> ends;
  size_t open = 0;
  size_t unauthenticated = 0;
  void OnConnectionEnd(ConnectionEnd end) override { ++ends[end]; }
  void OnOpen(size_t o, size_t u) override {
    open = o;
    unauthenticated = u;
  }
};

ListenerLimits Limits(size_t max_connections, size_t max_unauthenticated) {
  ListenerLimits l;
  l.max_connections = max_connections;
  l.max_unauthenticated = max_unauthenticated;
  return l;
}

TEST(ConnectionTable, AcceptsUpToTheCapThenRefusesWhenAllAreAuthenticated) {
  Recorder rec;
  ConnectionTable table(Limits(3, 3), &rec);
  std::vector<ConnectionId> ids;
  for (int i = 0; i < 3; ++i) {
    const Admission a = table.Admit();
    ASSERT_TRUE(a.accepted);
    EXPECT_FALSE(a.evict.has_value());
    table.Authenticate(a.id);
    ids.push_back(a.id);
  }
  const Admission refused = table.Admit();
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(rec.ends[ConnectionEnd::kRefusedFull], 1);
  EXPECT_EQ(table.open(), 3u);
  table.Release(ids[1]);
  EXPECT_TRUE(table.Admit().accepted);
  EXPECT_EQ(rec.open, 3u);
  EXPECT_EQ(rec.unauthenticated, 1u);
}

TEST(ConnectionTable, AFloodOfUnauthenticatedConnectionsEvictsTheOldestNotTheNewest) {
  Recorder rec;
  ConnectionTable table(Limits(10, 4), &rec);
  const Admission client_authed = table.Admit();
  table.Authenticate(client_authed.id);
  std::vector<ConnectionId> flood;
  for (int i = 0; i < 4; ++i) flood.push_back(table.Admit().id);
  EXPECT_EQ(table.unauthenticated(), 4u);
  // A real client arriving now is admitted; the oldest flood connection goes.
  const Admission newcomer = table.Admit();
  ASSERT_TRUE(newcomer.accepted);
  ASSERT_TRUE(newcomer.evict.has_value());
  EXPECT_EQ(*newcomer.evict, flood[0]);
  EXPECT_FALSE(table.IsOpen(flood[0]));
  EXPECT_TRUE(table.IsOpen(newcomer.id));
  EXPECT_TRUE(table.IsAuthenticated(client_authed.id));
  EXPECT_EQ(table.unauthenticated(), 4u);
  EXPECT_EQ(rec.ends[ConnectionEnd::kEvictedUnauthenticated], 1);
  // The evicted connection's own Release later is harmless.
  table.Release(flood[0]);
  EXPECT_EQ(table.open(), 5u);
}

TEST(ConnectionTable, AFullTableEvictsAnUnauthenticatedConnectionBeforeRefusing) {
  ConnectionTable table(Limits(3, 2));
  const Admission a = table.Admit();
  table.Authenticate(a.id);
  const Admission b = table.Admit();
  table.Authenticate(b.id);
  const Admission c = table.Admit();  // unauthenticated
  const Admission d = table.Admit();  // full: c is evicted
  ASSERT_TRUE(d.accepted);
  ASSERT_TRUE(d.evict.has_value());
  EXPECT_EQ(*d.evict, c.id);
  EXPECT_EQ(table.open(), 3u);
  table.Authenticate(d.id);
  EXPECT_FALSE(table.Admit().accepted);  // all three authenticated
}

TEST(ConnectionTable, ABusyConnectionIsNeverEvicted) {
  ConnectionTable table(Limits(10, 2));
  const Admission reading = table.Admit();
  const Admission idle = table.Admit();
  table.SetBusy(reading.id, true);  // its request is being answered
  const Admission third = table.Admit();
  ASSERT_TRUE(third.accepted);
  ASSERT_TRUE(third.evict.has_value());
  EXPECT_EQ(*third.evict, idle.id) << "the older but busy one stays";
  table.SetBusy(third.id, true);
  const Admission fourth = table.Admit();  // every one is busy: the oldest goes
  ASSERT_TRUE(fourth.accepted);
  ASSERT_TRUE(fourth.evict.has_value());
  EXPECT_EQ(*fourth.evict, reading.id);
  const Admission fifth = table.Admit();  // fourth is idle, third busy
  ASSERT_TRUE(fifth.accepted);
  EXPECT_EQ(*fifth.evict, fourth.id);
  EXPECT_TRUE(table.IsOpen(third.id));
}

TEST(ConnectionTable, ABoundedFloodNeverGrowsPastTheCaps) {
  ConnectionTable table(Limits(50, 8));
  for (int i = 0; i < 10000; ++i) {
    const Admission a = table.Admit();
    ASSERT_TRUE(a.accepted);
    ASSERT_LE(table.open(), 50u);
    ASSERT_LE(table.unauthenticated(), 8u);
  }
}

TEST(ListenerLimits, ValidateNamesTheBadField) {
  EXPECT_TRUE(ListenerLimits{}.Validate().ok());
  ListenerLimits l;
  l.max_connections = 0;
  EXPECT_NE(l.Validate().message().find("max_connections"), std::string::npos);
  l = {};
  l.max_unauthenticated = l.max_connections + 1;
  EXPECT_NE(l.Validate().message().find("max_unauthenticated"), std::string::npos);
  l = {};
  l.handshake_timeout = Duration::Zero();
  EXPECT_NE(l.Validate().message().find("handshake_timeout"), std::string::npos);
  l = {};
  l.idle_timeout = Duration::Seconds(25 * 3600);
  EXPECT_NE(l.Validate().message().find("idle_timeout"), std::string::npos);
  l.idle_timeout = Duration::Zero();
  EXPECT_TRUE(l.Validate().ok());
}

}  // namespace
}  // namespace baton::limits
