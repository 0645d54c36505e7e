#include "failover/schema.h"

#include <gtest/gtest.h>

#include "store/state_machine.h"

namespace baton::failover {
namespace {

MemberRecord SampleMember() {
  MemberRecord r;
  r.member = "b";
  r.health = detect::Health::kHealthy;
  r.role = MemberRole::kReplica;
  r.position = 1234567;
  r.epoch_seen = 7;
  r.acked_position = 1234000;
  r.following = "a";
  r.observed_down_by = {"n1", "n3"};
  r.last_write_epoch = 6;
  return r;
}

TEST(SchemaTest, KeysLiveUnderTheGroupPrefix) {
  EXPECT_EQ(GroupKey("cache"), "/baton/groups/cache/group");
  EXPECT_EQ(LeaseKey("cache"), "/baton/groups/cache/lease");
  EXPECT_EQ(MemberKey("cache", "b"), "/baton/groups/cache/members/b");
  EXPECT_EQ(ServingKey("cache"), "/baton/groups/cache/serving");
  EXPECT_EQ(SyncKey("cache"), "/baton/groups/cache/sync");
  EXPECT_TRUE(store::HasPrefix(MemberKey("cache", "b"), GroupPrefix("cache")));
}

TEST(SchemaTest, RecordsRoundTrip) {
  const GroupRecord g{9, "b", GroupState::kSwitchover, "+switchover", "c", true, 8};
  EXPECT_EQ(*DecodeGroupRecord(Encode(g)), g);
  const LeaseRecord l{"b", "n2", 9};
  EXPECT_EQ(*DecodeLeaseRecord(Encode(l)), l);
  EXPECT_EQ(*DecodeMemberRecord(Encode(SampleMember())), SampleMember());
  const ServingRecord s{4, {"a", "c"}};
  EXPECT_EQ(*DecodeServingRecord(Encode(s)), s);
  const SyncRecord sync{3, "a", {"b"}, {"c"}};
  EXPECT_EQ(*DecodeSyncRecord(Encode(sync)), sync);
  EXPECT_TRUE(DecodeSyncRecord(Encode(s)).error().IsCorruption());
}

TEST(SchemaTest, DamagedBytesAreCorruptionValues) {
  const std::string good = Encode(SampleMember());
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_TRUE(DecodeMemberRecord(good.substr(0, n)).error().IsCorruption()) << n;
  }
  EXPECT_TRUE(DecodeMemberRecord(good + "x").error().IsCorruption());
  EXPECT_TRUE(DecodeGroupRecord(good).error().IsCorruption());  // wrong record type
  std::string bad_role = good;
  bad_role[2 + 1 + 1 + 1] = 9;  // format, type, name "b" (len + byte), health, then role
  EXPECT_TRUE(DecodeMemberRecord(bad_role).error().IsCorruption());
}

// The CAS transactions, applied to a real state machine.
class SchemaTxnTest : public ::testing::Test {
 protected:
  store::ApplyResult Apply(const store::Command& c) {
    return sm_.Apply(++index_, store::EncodeCommand(c));
  }
  store::Revision GroupRevision() { return sm_.Get(GroupKey("cache"))->mod_revision; }

  store::StateMachine sm_;
  uint64_t index_ = 0;
};

TEST_F(SchemaTxnTest, PromotionNeedsTheSeenRevisionAndNoLease) {
  const GroupRecord e1{1, "a", GroupState::kStable, "", "", false};
  ASSERT_TRUE(Apply(GroupCas("cache", 0, e1, LeaseRule::kRequireAbsent)).succeeded);
  ASSERT_TRUE(Apply(store::LeaseGrant{5, Duration::Seconds(10)}).status.ok());
  ASSERT_TRUE(Apply(AcquireLeaseTxn("cache", GroupRevision(), {"a", "n1", 1}, 5)).succeeded);

  const GroupRecord e2{2, "b", GroupState::kFailover, "lease-expired", "", false};
  EXPECT_FALSE(Apply(GroupCas("cache", GroupRevision(), e2, LeaseRule::kRequireAbsent)).succeeded)
      << "a lease is held";
  EXPECT_FALSE(Apply(GroupCas("cache", GroupRevision() - 1, e2, LeaseRule::kTake)).succeeded)
      << "stale revision";
  EXPECT_TRUE(Apply(GroupCas("cache", GroupRevision(), e2, LeaseRule::kTake)).succeeded);
  EXPECT_FALSE(sm_.Get(LeaseKey("cache")).has_value());
  EXPECT_EQ(DecodeGroupRecord(sm_.Get(GroupKey("cache"))->value)->epoch, 2u);
}

TEST_F(SchemaTxnTest, ServingCasRaisesTheEpochOnlyFromTheSeenRecord) {
  const ServingRecord none;
  const ServingRecord first{1, {"a", "b", "c"}};
  const ServingRecord second{2, {"a", "c"}};
  ASSERT_TRUE(Apply(ServingCas("cache", none, first)).succeeded);
  EXPECT_FALSE(Apply(ServingCas("cache", none, ServingRecord{1, {"a"}})).succeeded)
      << "a second coordinator that never saw the first record";
  EXPECT_FALSE(Apply(ServingCas("cache", ServingRecord{1, {"a"}}, second)).succeeded)
      << "a different record at the same epoch";
  ASSERT_TRUE(Apply(ServingCas("cache", first, second)).succeeded);
  EXPECT_FALSE(Apply(ServingCas("cache", first, ServingRecord{2, {"b"}})).succeeded)
      << "the epoch moved on";
  EXPECT_EQ(*DecodeServingRecord(sm_.Get(ServingKey("cache"))->value), second);
}

TEST_F(SchemaTxnTest, ReleaseDeletesOnlyOwnLeaseAndReportsFenced) {
  ASSERT_TRUE(Apply(GroupCas("cache", 0, {1, "a", GroupState::kStable, "", "", false},
                             LeaseRule::kRequireAbsent))
                  .succeeded);
  ASSERT_TRUE(Apply(store::LeaseGrant{5, Duration::Seconds(10)}).status.ok());
  ASSERT_TRUE(Apply(AcquireLeaseTxn("cache", GroupRevision(), {"a", "n1", 1}, 5)).succeeded);
  MemberRecord fenced;
  fenced.member = "a";
  fenced.role = MemberRole::kFenced;
  EXPECT_FALSE(Apply(ReleaseLeaseTxn("cache", {"a", "n1", 0}, fenced)).succeeded);
  const store::ApplyResult r = Apply(ReleaseLeaseTxn("cache", {"a", "n1", 1}, fenced));
  EXPECT_TRUE(r.succeeded);
  EXPECT_EQ(r.events.size(), 2u) << "lease delete and fenced report in one revision";
  EXPECT_EQ(DecodeMemberRecord(sm_.Get(MemberKey("cache", "a"))->value)->role, MemberRole::kFenced);
}

TEST_F(SchemaTxnTest, SyncSetIsWrittenOnlyByTheLeaseHolderAtTheSeenRevision) {
  ASSERT_TRUE(Apply(GroupCas("cache", 0, {1, "a", GroupState::kStable, "", "", false},
                             LeaseRule::kRequireAbsent))
                  .succeeded);
  const SyncRecord first{1, "a", {"b"}, {}};
  EXPECT_FALSE(Apply(SyncCas("cache", 0, {"a", "n1", 1}, first)).succeeded) << "no lease held";
  ASSERT_TRUE(Apply(store::LeaseGrant{5, Duration::Seconds(10)}).status.ok());
  ASSERT_TRUE(Apply(AcquireLeaseTxn("cache", GroupRevision(), {"a", "n1", 1}, 5)).succeeded);
  EXPECT_FALSE(Apply(SyncCas("cache", 0, {"b", "n2", 1}, first)).succeeded) << "not the holder";
  ASSERT_TRUE(Apply(SyncCas("cache", 0, {"a", "n1", 1}, first)).succeeded);
  const store::Revision seen = sm_.Get(SyncKey("cache"))->mod_revision;
  const SyncRecord second{1, "a", {"c"}, {}};
  EXPECT_FALSE(Apply(SyncCas("cache", 0, {"a", "n1", 1}, second)).succeeded) << "stale revision";
  EXPECT_TRUE(Apply(SyncCas("cache", seen, {"a", "n1", 1}, second)).succeeded);
  EXPECT_EQ(*DecodeSyncRecord(sm_.Get(SyncKey("cache"))->value), second);
}

}  // namespace
}  // namespace baton::failover
