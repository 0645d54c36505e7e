#include "store/state_machine.h"

#include <gtest/gtest.h>

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

// Random command sequences: two replicas that apply the same entries end up
// equal, and malformed entries among them never crash and change nothing.
TEST(StateMachine, BoundedFuzzIsDeterministicAndNeverCrashes) {
  Rng rng(7);
  StateMachine a, b;
  const std::vector<std::string> keys = {"/a", "/a/1", "/a/2", "/b", "/b/1"};
  auto key = [&] { return keys[static_cast<size_t>(rng.UniformInt(0, keys.size() - 1))]; };
  int rejected = 0;
  for (uint64_t index = 1; index <= 3000; ++index) {
    Command command;
    switch (rng.UniformInt(0, 6)) {
      case 0:
        command = Put{key(), std::to_string(index), static_cast<LeaseId>(rng.UniformInt(0, 3))};
        break;
      case 1:
        command = Delete{key()};
        break;
      case 2:
        command = DeleteRange{key()};
        break;
      case 3:
        command = Txn{
            {Compare::Version(key(), CompareOp::kGreater, 1)}, {Put{key(), "t"}}, {Delete{key()}}};
        break;
      case 4:
        command = LeaseGrant{static_cast<LeaseId>(rng.UniformInt(1, 3)), Duration::Seconds(1)};
        break;
      case 5:
        command = LeaseRevoke{static_cast<LeaseId>(rng.UniformInt(1, 3))};
        break;
      default:
        command = Compact{a.revision() - static_cast<Revision>(rng.UniformInt(0, 3))};
        break;
    }
    std::string bytes = EncodeCommand(command);
    if (rng.Chance(0.2)) {
      bytes[static_cast<size_t>(rng.UniformInt(0, bytes.size() - 1))] =
          static_cast<char>(rng.Next());
    }
    const StateMachine before = a;
    ApplyResult ra = a.Apply(index, bytes);
    ApplyResult rb = b.Apply(index, bytes);
    ASSERT_EQ(ra.status, rb.status);
    if (!ra.status.ok()) {
      ++rejected;
      StateMachine expected = before;
      expected.MarkApplied(index);
      ASSERT_EQ(a, expected) << "a rejected command changed state: " << ra.status.ToString();
    }
  }
  EXPECT_EQ(a, b);
  EXPECT_GT(rejected, 0);
  EXPECT_GT(a.revision(), 100u);
}

}  // namespace
}  // namespace baton::store
