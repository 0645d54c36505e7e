#include "store/local_store.h"

#include <gtest/gtest.h>

namespace baton::store {
namespace {

Instant At(int64_t millis) { return Instant::FromNanos(0) + Duration::Millis(millis); }

// Captures the one completion of an operation.
template <typename T>
struct Got {
  std::optional<Result<T>> result;
  Store::Callback<T> Done() {
    return [this](Result<T> r) {
      EXPECT_FALSE(result.has_value()) << "completed twice";
      result.emplace(std::move(r));
    };
  }
  const T& operator*() const {
    EXPECT_TRUE(result.has_value() && result->has_value());
    return result->value();
  }
};

// Records everything a watch delivers.
struct Recorder {
  std::vector<Event> events;
  std::optional<Status> end;
  Store::WatchCallback Callback() {
    return [this](Result<std::vector<Event>> r) {
      if (!r.has_value()) {
        end = r.error();
        return;
      }
      events.insert(events.end(), r->begin(), r->end());
    };
  }
  std::vector<Revision> Revisions() const {
    std::vector<Revision> out;
    for (const Event& event : events) out.push_back(event.revision());
    return out;
  }
};

TEST(LocalStore, WritesAndReadsCompleteWithRevisions) {
  LocalStore store(At(0));
  Got<PutResponse> first, second;
  store.Put("/k", "1", kNoLease, first.Done());
  store.Put("/k", "2", kNoLease, second.Done());
  EXPECT_EQ((*first).revision, 1u);
  EXPECT_FALSE((*first).prev_kv.has_value());
  EXPECT_EQ((*second).prev_kv->value, "1");

  Got<RangeResponse> read;
  store.Range("/k", false, read.Done());
  EXPECT_EQ((*read).revision, 2u);
  ASSERT_EQ((*read).kvs.size(), 1u);
  EXPECT_EQ((*read).kvs[0].version, 2u);

  Got<DeleteResponse> deleted;
  store.Delete("/k", deleted.Done());
  EXPECT_EQ((*deleted).revision, 3u);
  EXPECT_EQ((*deleted).deleted.at(0).value, "2");

  Got<PutResponse> bad;
  store.Put("/k", "v", 42, bad.Done());
  EXPECT_TRUE(bad.result->error().IsNotFound());
}

TEST(LocalStore, CommitIsACompareAndSwap) {
  LocalStore store(At(0));
  Txn claim{{Compare::Absent("/primary")}, {Put{"/primary", "a"}}, {Range{"/primary", false}}};
  Got<TxnResponse> won, lost;
  store.Commit(claim, won.Done());
  store.Commit(claim, lost.Done());
  EXPECT_TRUE((*won).succeeded);
  EXPECT_FALSE((*lost).succeeded);
  EXPECT_EQ((*lost).ops.at(0).kvs.at(0).value, "a");
  EXPECT_EQ((*lost).revision, 1u);
}

TEST(LocalStore, AnExpiredLeaseDeletesItsKeysAndEndsKeepAlives) {
  LocalStore store(At(0));
  Got<LeaseGrantResponse> lease;
  store.LeaseGrant(Duration::Seconds(2), lease.Done());
  const LeaseId id = (*lease).id;
  Got<PutResponse> put;
  store.Put("/primary", "a", id, put.Done());
  Recorder watch;
  store.Watch("/primary", 0, watch.Callback());

  store.AdvanceTo(At(1500));
  Got<Duration> kept;
  store.LeaseKeepAlive(id, kept.Done());
  EXPECT_EQ(*kept, Duration::Seconds(2));
  store.AdvanceTo(At(3499));
  EXPECT_TRUE(store.state().Get("/primary").has_value());
  store.AdvanceTo(At(3500));
  EXPECT_FALSE(store.state().Get("/primary").has_value());
  ASSERT_EQ(watch.events.size(), 1u);
  EXPECT_EQ(watch.events[0].type, EventType::kDelete);

  Got<Duration> late;
  store.LeaseKeepAlive(id, late.Done());
  EXPECT_TRUE(late.result->error().IsNotFound());
}

TEST(LocalStore, RevokeDeletesTheLeasesKeys) {
  LocalStore store(At(0));
  Got<LeaseGrantResponse> lease;
  store.LeaseGrant(Duration::Seconds(5), lease.Done());
  Got<PutResponse> a, b;
  store.Put("/m/a", "up", (*lease).id, a.Done());
  store.Put("/m/b", "up", (*lease).id, b.Done());
  Got<DeleteResponse> revoked;
  store.LeaseRevoke((*lease).id, revoked.Done());
  EXPECT_EQ((*revoked).deleted.size(), 2u);
  EXPECT_EQ((*revoked).revision, 3u);
  EXPECT_EQ(store.state().key_count(), 0u);
}

TEST(LocalStore, WatchDeliversTheBacklogThenLiveEventsAndEndsOnCompaction) {
  LocalStore store(At(0));
  Got<PutResponse> ignored[3];
  store.Put("/k", "1", kNoLease, ignored[0].Done());
  store.Put("/k", "2", kNoLease, ignored[1].Done());
  Recorder watch;
  store.Watch("/k", 2, watch.Callback());
  store.Put("/k", "3", kNoLease, ignored[2].Done());
  EXPECT_EQ(watch.Revisions(), (std::vector<Revision>{2, 3}));

  ASSERT_TRUE(store.Compact(3).ok());
  Recorder too_old;
  store.Watch("/k", 1, too_old.Callback());
  ASSERT_TRUE(too_old.end.has_value());
  EXPECT_TRUE(IsCompacted(*too_old.end));
}

// A callback that writes: every watcher still sees revisions in order, and the
// nested write is delivered after the current one.
TEST(LocalStore, WritesFromInsideAWatchCallbackAreDeliveredInOrder) {
  LocalStore store(At(0));
  Got<PutResponse> reply;
  Recorder echo_seen, other_seen;
  store.Watch("/", 0, [&](Result<std::vector<Event>> r) {
    ASSERT_TRUE(r.has_value());
    for (const Event& e : *r) {
      echo_seen.events.push_back(e);
      if (e.kv.key == "/ping") store.Put("/pong", "x", kNoLease, reply.Done());
    }
  });
  store.Watch("/", 0, other_seen.Callback());
  Got<PutResponse> ping;
  store.Put("/ping", "x", kNoLease, ping.Done());
  EXPECT_EQ((*reply).revision, 2u);
  EXPECT_EQ(echo_seen.Revisions(), (std::vector<Revision>{1, 2}));
  EXPECT_EQ(other_seen.Revisions(), (std::vector<Revision>{1, 2}));
}

TEST(LocalStore, CancelStopsDelivery) {
  LocalStore store(At(0));
  Recorder watch;
  const WatchId id = store.Watch("", 0, watch.Callback());
  store.Cancel(id);
  Got<PutResponse> put;
  store.Put("/k", "v", kNoLease, put.Done());
  EXPECT_TRUE(watch.events.empty());
  EXPECT_FALSE(watch.end.has_value());
}

}  // namespace
}  // namespace baton::store
