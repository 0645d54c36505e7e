#include "store/state_machine.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/rng.h"

namespace baton::store {
namespace {

// Applies `command` as the next Raft entry.
ApplyResult ApplyNext(StateMachine& sm, const Command& command) {
  return sm.Apply(sm.applied_index() + 1, EncodeCommand(command));
}

TEST(StateMachine, RevisionsAndVersionsFollowPutUpdateDelete) {
  StateMachine sm;
  EXPECT_EQ(sm.revision(), 0u);

  ApplyResult created = ApplyNext(sm, Put{"/k", "v1"});
  ASSERT_TRUE(created.status.ok());
  EXPECT_EQ(created.revision, 1u);
  EXPECT_TRUE(created.ops.at(0).prev_kvs.empty());
  EXPECT_EQ(*sm.Get("/k"), (KeyValue{"/k", "v1", 1, 1, 1, kNoLease}));

  ApplyNext(sm, Put{"/other", "x"});
  ApplyResult updated = ApplyNext(sm, Put{"/k", "v2"});
  EXPECT_EQ(updated.revision, 3u);
  EXPECT_EQ(updated.ops.at(0).prev_kvs, (std::vector<KeyValue>{{"/k", "v1", 1, 1, 1, kNoLease}}));
  EXPECT_EQ(*sm.Get("/k"), (KeyValue{"/k", "v2", 1, 3, 2, kNoLease}));
  ASSERT_EQ(updated.events.size(), 1u);
  EXPECT_EQ(updated.events[0].type, EventType::kPut);
  EXPECT_EQ(updated.events[0].prev_kv->value, "v1");

  ApplyResult deleted = ApplyNext(sm, Delete{"/k"});
  EXPECT_EQ(deleted.revision, 4u);
  EXPECT_FALSE(sm.Get("/k").has_value());
  ASSERT_EQ(deleted.events.size(), 1u);
  EXPECT_EQ(deleted.events[0].type, EventType::kDelete);
  EXPECT_EQ(deleted.events[0].kv, (KeyValue{"/k", "", 0, 4, 0, kNoLease}));
  EXPECT_EQ(deleted.events[0].prev_kv->value, "v2");

  // A new incarnation starts over: fresh create_revision, version 1.
  ApplyNext(sm, Put{"/k", "v3"});
  EXPECT_EQ(*sm.Get("/k"), (KeyValue{"/k", "v3", 5, 5, 1, kNoLease}));
}

TEST(StateMachine, CommandsThatChangeNoKeyKeepTheRevision) {
  StateMachine sm;
  ApplyNext(sm, Put{"/k", "v"});
  ApplyResult missing = ApplyNext(sm, Delete{"/nope"});
  EXPECT_TRUE(missing.status.ok());
  EXPECT_TRUE(missing.events.empty());
  EXPECT_TRUE(missing.ops.at(0).prev_kvs.empty());
  EXPECT_EQ(ApplyNext(sm, DeleteRange{"/nope/"}).revision, 1u);
  EXPECT_EQ(ApplyNext(sm, LeaseGrant{1, Duration::Seconds(5)}).revision, 1u);
  EXPECT_EQ(ApplyNext(sm, Compact{1}).revision, 1u);
  EXPECT_EQ(sm.revision(), 1u);
  EXPECT_EQ(sm.applied_index(), 5u);
}

TEST(StateMachine, DeleteRangeRemovesOnlyThePrefixAtOneRevision) {
  StateMachine sm;
  for (const char* key : {"/g/1", "/g/2", "/g/3", "/g", "/h/1"}) ApplyNext(sm, Put{key, "v"});
  ApplyResult result = ApplyNext(sm, DeleteRange{"/g/"});
  ASSERT_TRUE(result.status.ok());
  EXPECT_EQ(result.revision, 6u);
  ASSERT_EQ(result.events.size(), 3u);
  for (const Event& event : result.events) {
    EXPECT_EQ(event.type, EventType::kDelete);
    EXPECT_EQ(event.revision(), 6u);
  }
  EXPECT_EQ(result.ops.at(0).prev_kvs.size(), 3u);
  EXPECT_EQ(result.ops.at(0).prev_kvs[0].key, "/g/1");
  EXPECT_TRUE(sm.Range("/g/", true).empty());
  EXPECT_TRUE(sm.Get("/g").has_value());
  EXPECT_TRUE(sm.Get("/h/1").has_value());
}

TEST(StateMachine, RangeReadsOneKeyOrAPrefixInKeyOrder) {
  StateMachine sm;
  for (const char* key : {"/b", "/a/2", "/a/1", "/a"}) ApplyNext(sm, Put{key, key});
  std::vector<std::string> keys;
  for (const KeyValue& kv : sm.Range("/a", true)) keys.push_back(kv.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"/a", "/a/1", "/a/2"}));
  EXPECT_EQ(sm.Range("/a", false).size(), 1u);
  EXPECT_EQ(sm.Range("", true).size(), 4u);
  EXPECT_TRUE(sm.Range("/c", false).empty());
}

TEST(StateMachine, LeaseRevokeDeletesAttachedKeysAsEventsAtOneRevision) {
  StateMachine sm;
  ASSERT_EQ(ApplyNext(sm, LeaseGrant{7, Duration::Seconds(10)}).granted_lease,
            (Lease{7, Duration::Seconds(10)}));
  ApplyNext(sm, Put{"/primary", "node-a", 7});
  ApplyNext(sm, Put{"/member/a", "up", 7});
  ApplyNext(sm, Put{"/config", "x"});
  EXPECT_EQ(sm.LeaseKeys(7), (std::vector<std::string>{"/member/a", "/primary"}));

  ApplyResult revoked = ApplyNext(sm, LeaseRevoke{7});
  ASSERT_TRUE(revoked.status.ok());
  EXPECT_EQ(revoked.revoked_lease, 7u);
  EXPECT_EQ(revoked.revision, 4u);
  ASSERT_EQ(revoked.events.size(), 2u);
  EXPECT_EQ(revoked.events[0].kv.key, "/member/a");
  EXPECT_EQ(revoked.events[1].kv.key, "/primary");
  EXPECT_EQ(revoked.events[1].type, EventType::kDelete);
  EXPECT_EQ(revoked.events[1].prev_kv->lease, 7u);
  EXPECT_FALSE(sm.Get("/primary").has_value());
  EXPECT_TRUE(sm.Get("/config").has_value());
  EXPECT_TRUE(sm.Leases().empty());
  EXPECT_TRUE(ApplyNext(sm, LeaseRevoke{7}).status.IsNotFound());
}

TEST(StateMachine, LeaseRefreshNamesTheLeaseAndChangesNoKeyNorRevision) {
  StateMachine sm;
  ApplyNext(sm, LeaseGrant{7, Duration::Seconds(10)});
  ApplyNext(sm, Put{"/primary", "node-a", 7});
  const StateMachine before = sm;
  ApplyResult refreshed = ApplyNext(sm, LeaseRefresh{7});
  ASSERT_TRUE(refreshed.status.ok());
  EXPECT_TRUE(refreshed.succeeded);
  EXPECT_EQ(refreshed.refreshed_lease, (Lease{7, Duration::Seconds(10)}));
  EXPECT_TRUE(refreshed.events.empty());
  EXPECT_EQ(refreshed.revision, 1u);
  EXPECT_FALSE(refreshed.granted_lease.has_value());
  EXPECT_FALSE(refreshed.revoked_lease.has_value());
  StateMachine expected = before;
  expected.MarkApplied(sm.applied_index());
  EXPECT_EQ(sm, expected);  // only the applied index moved

  ApplyNext(sm, LeaseRevoke{7});
  ApplyResult late = ApplyNext(sm, LeaseRefresh{7});
  EXPECT_TRUE(late.status.IsNotFound()) << late.status.ToString();
  EXPECT_FALSE(late.succeeded);
  EXPECT_FALSE(late.refreshed_lease.has_value());
}

TEST(StateMachine, PutMovesAKeyBetweenLeases) {
  StateMachine sm;
  ApplyNext(sm, LeaseGrant{1, Duration::Seconds(1)});
  ApplyNext(sm, LeaseGrant{2, Duration::Seconds(1)});
  ApplyNext(sm, Put{"/k", "v", 1});
  ApplyNext(sm, Put{"/k", "v", 2});
  EXPECT_TRUE(sm.LeaseKeys(1).empty());
  EXPECT_EQ(sm.LeaseKeys(2), std::vector<std::string>{"/k"});
  ApplyNext(sm, Put{"/k", "v"});  // detached: survives both revokes
  ApplyNext(sm, LeaseRevoke{1});
  ApplyNext(sm, LeaseRevoke{2});
  EXPECT_EQ(sm.Get("/k")->lease, kNoLease);
}

TEST(StateMachine, DeletingAKeyDetachesItFromItsLease) {
  StateMachine sm;
  ApplyNext(sm, LeaseGrant{1, Duration::Seconds(1)});
  ApplyNext(sm, Put{"/k", "v", 1});
  ApplyNext(sm, Delete{"/k"});
  EXPECT_TRUE(sm.LeaseKeys(1).empty());
  EXPECT_TRUE(ApplyNext(sm, LeaseRevoke{1}).events.empty());
}

TEST(StateMachine, InvalidCommandsAreResultsThatChangeNothing) {
  StateMachine sm;
  ApplyNext(sm, LeaseGrant{1, Duration::Seconds(1)});
  ApplyNext(sm, Put{"/k", "v"});
  const StateMachine before = sm;
  const std::vector<std::pair<Command, StatusCode>> cases = {
      {Put{"", "v"}, StatusCode::kInvalidArgument},
      {Put{"/k", "v", 99}, StatusCode::kNotFound},
      {Delete{""}, StatusCode::kInvalidArgument},
      {LeaseGrant{0, Duration::Seconds(1)}, StatusCode::kInvalidArgument},
      {LeaseGrant{2, Duration::Zero()}, StatusCode::kInvalidArgument},
      {LeaseGrant{1, Duration::Seconds(1)}, StatusCode::kAlreadyExists},
      {LeaseRevoke{2}, StatusCode::kNotFound},
      {LeaseRefresh{2}, StatusCode::kNotFound},
      {Compact{5}, StatusCode::kInvalidArgument},
  };
  for (const auto& [command, code] : cases) {
    ApplyResult result = ApplyNext(sm, command);
    EXPECT_EQ(result.status.code(), code) << result.status.ToString();
    EXPECT_TRUE(result.events.empty());
    EXPECT_EQ(result.revision, 1u);
  }
  StateMachine expected = before;
  expected.MarkApplied(sm.applied_index());
  EXPECT_EQ(sm, expected);
}

TEST(StateMachine, AnIndexAtOrBelowTheAppliedIndexIsIgnored) {
  StateMachine sm;
  ASSERT_TRUE(sm.Apply(5, EncodeCommand(Put{"/k", "v1"})).status.ok());
  ApplyResult again = sm.Apply(5, EncodeCommand(Put{"/k", "v2"}));
  EXPECT_TRUE(again.skipped);
  EXPECT_TRUE(again.status.ok());
  EXPECT_EQ(again.revision, 1u);
  EXPECT_TRUE(sm.Apply(3, EncodeCommand(Delete{"/k"})).skipped);
  EXPECT_EQ(sm.Get("/k")->value, "v1");
  EXPECT_EQ(sm.applied_index(), 5u);

  sm.MarkApplied(8);  // an empty leader entry
  EXPECT_TRUE(sm.Apply(8, EncodeCommand(Delete{"/k"})).skipped);
  EXPECT_FALSE(sm.Apply(9, EncodeCommand(Delete{"/k"})).skipped);
  EXPECT_FALSE(sm.Get("/k").has_value());
}

TEST(StateMachine, WatchFromPastFutureAndCompactedRevisions) {
  StateMachine sm;
  ApplyNext(sm, Put{"/w/a", "1"});  // rev 1
  ApplyNext(sm, Put{"/x", "1"});    // rev 2
  ApplyNext(sm, Put{"/w/b", "1"});  // rev 3
  ApplyNext(sm, Delete{"/w/a"});    // rev 4

  Result<std::vector<Event>> past = sm.WatchFrom("/w/", 2);
  ASSERT_TRUE(past.has_value());
  ASSERT_EQ(past->size(), 2u);
  EXPECT_EQ((*past)[0].kv.key, "/w/b");
  EXPECT_EQ((*past)[1].type, EventType::kDelete);
  EXPECT_EQ((*past)[1].revision(), 4u);
  EXPECT_EQ(sm.WatchFrom("", 1)->size(), 4u);
  EXPECT_TRUE(sm.WatchFrom("/w/", 5)->empty());  // the future: nothing yet

  ASSERT_TRUE(ApplyNext(sm, Compact{3}).status.ok());
  EXPECT_EQ(sm.compacted_revision(), 3u);
  EXPECT_EQ(sm.WatchFrom("/w/", 3)->size(), 2u);
  Result<std::vector<Event>> compacted = sm.WatchFrom("/w/", 2);
  ASSERT_FALSE(compacted.has_value());
  EXPECT_TRUE(IsCompacted(compacted.error())) << compacted.error().ToString();
  EXPECT_TRUE(IsCompacted(ApplyNext(sm, Compact{3}).status));
  EXPECT_TRUE(IsCompacted(ApplyNext(sm, Compact{2}).status));
}

// A random command over a few keys and leases, valid or not.
class CommandGenerator {
 public:
  explicit CommandGenerator(uint64_t seed) : rng_(seed) {}

  Command Next(Revision current) {
    switch (rng_.UniformInt(0, 6)) {
      case 0:
        return Put{Key(), Value(), Lease()};
      case 1:
        return Delete{Key()};
      case 2:
        return DeleteRange{Key()};
      case 3:
        return RandomTxn();
      case 4:
        return LeaseGrant{Lease(), Duration::Seconds(rng_.UniformInt(-1, 3))};
      case 5:
        if (rng_.Chance(0.5)) return LeaseRefresh{Lease()};
        return LeaseRevoke{Lease()};
      default:
        return Compact{current + 1 - static_cast<Revision>(rng_.UniformInt(0, 4))};
    }
  }

  Rng& rng() { return rng_; }

 private:
  std::string Key() {
    static const char* const kKeys[] = {"/a", "/a/1", "/a/2", "/b", "/b/1"};
    return rng_.Chance(0.02) ? "" : kKeys[rng_.UniformInt(0, 4)];
  }
  std::string Value() { return std::string(1, static_cast<char>('a' + rng_.UniformInt(0, 3))); }
  LeaseId Lease() { return static_cast<LeaseId>(rng_.UniformInt(0, 3)); }

  Compare RandomCompare() {
    const auto op = static_cast<CompareOp>(rng_.UniformInt(0, 3));
    const auto number = static_cast<uint64_t>(rng_.UniformInt(0, 5));
    switch (rng_.UniformInt(0, 4)) {
      case 0:
        return Compare::Value(Key(), op, Value());
      case 1:
        return Compare::Version(Key(), op, number);
      case 2:
        return Compare::CreateRevision(Key(), op, number);
      case 3:
        return Compare::ModRevision(Key(), op, number);
      default:
        return Compare::Absent(Key());
    }
  }

  std::vector<TxnOp> RandomOps() {
    std::vector<TxnOp> ops;
    for (int64_t n = rng_.UniformInt(0, 3); n > 0; --n) {
      switch (rng_.UniformInt(0, 3)) {
        case 0:
          ops.push_back(Put{Key(), Value(), Lease()});
          break;
        case 1:
          ops.push_back(Delete{Key()});
          break;
        case 2:
          ops.push_back(DeleteRange{Key()});
          break;
        default:
          ops.push_back(Range{Key(), rng_.Chance(0.5)});
          break;
      }
    }
    return ops;
  }

  Txn RandomTxn() {
    Txn txn;
    for (int64_t n = rng_.UniformInt(0, 2); n > 0; --n) txn.compares.push_back(RandomCompare());
    txn.then_ops = RandomOps();
    txn.else_ops = RandomOps();
    return txn;
  }

  Rng rng_;
};

// Every key attached to a lease is in that lease's key set, and vice versa.
void ExpectLeaseLinksConsistent(const StateMachine& sm) {
  size_t attached = 0;
  for (const KeyValue& kv : sm.Range("", true)) {
    if (kv.lease == kNoLease) continue;
    ++attached;
    const std::vector<std::string> keys = sm.LeaseKeys(kv.lease);
    EXPECT_TRUE(std::find(keys.begin(), keys.end(), kv.key) != keys.end()) << kv.key;
  }
  size_t linked = 0;
  for (const Lease& lease : sm.Leases()) linked += sm.LeaseKeys(lease.id).size();
  EXPECT_EQ(attached, linked);
}

// Random command sequences, some bytes damaged: two replicas that apply the
// same entries stay equal; a rejected entry changes nothing; an accepted one
// raises the revision by at most one and stamps its events with it; the
// result survives a snapshot round trip.
TEST(StateMachine, BoundedFuzzIsDeterministicAndKeepsInvariants) {
  CommandGenerator gen(7);
  StateMachine a, b;
  int rejected = 0;
  for (uint64_t index = 1; index <= 3000; ++index) {
    std::string bytes = EncodeCommand(gen.Next(a.revision()));
    if (gen.rng().Chance(0.1)) {
      bytes[static_cast<size_t>(gen.rng().UniformInt(0, bytes.size() - 1))] =
          static_cast<char>(gen.rng().Next());
    }
    const StateMachine before = a;
    ApplyResult ra = a.Apply(index, bytes);
    ApplyResult rb = b.Apply(index, bytes);
    ASSERT_EQ(ra.status, rb.status);
    ASSERT_EQ(ra.events, rb.events);
    if (!ra.status.ok()) {
      ++rejected;
      StateMachine expected = before;
      expected.MarkApplied(index);
      ASSERT_EQ(a, expected) << "a rejected command changed state: " << ra.status.ToString();
      continue;
    }
    ASSERT_EQ(ra.revision, before.revision() + (ra.events.empty() ? 0 : 1));
    for (const Event& event : ra.events) ASSERT_EQ(event.revision(), ra.revision);
  }
  EXPECT_EQ(a, b);
  ExpectLeaseLinksConsistent(a);
  EXPECT_GT(rejected, 100);
  EXPECT_GT(a.revision(), 500u);
  StateMachine restored;
  ASSERT_TRUE(restored.Restore(a.Snapshot()).ok());
  EXPECT_EQ(restored, a);
}

}  // namespace
}  // namespace baton::store
