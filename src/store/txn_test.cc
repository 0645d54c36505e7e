// Txn: compares of every kind and operator choose the branch; the branch runs
// as one atomic change at one revision.
#include <gtest/gtest.h>

#include "store/state_machine.h"

namespace baton::store {
namespace {

class TxnTest : public ::testing::Test {
 protected:
  // "/k" = "m" at create_revision 1, mod_revision 3, version 2; "/other" at 2.
  void SetUp() override {
    Apply(Put{"/k", "a"});
    Apply(Put{"/other", "o"});
    Apply(Put{"/k", "m"});
  }

  ApplyResult Apply(const Command& command) {
    return sm_.Apply(sm_.applied_index() + 1, EncodeCommand(command));
  }

  // Whether `compare` holds, judged by which branch a Txn ran.
  bool Holds(const Compare& compare) {
    ApplyResult result = Apply(Txn{{compare}, {}, {}});
    EXPECT_TRUE(result.status.ok()) << result.status.ToString();
    return result.succeeded;
  }

  StateMachine sm_;
};

TEST_F(TxnTest, ValueComparesEveryOperator) {
  EXPECT_TRUE(Holds(Compare::Value("/k", CompareOp::kEqual, "m")));
  EXPECT_FALSE(Holds(Compare::Value("/k", CompareOp::kEqual, "a")));
  EXPECT_TRUE(Holds(Compare::Value("/k", CompareOp::kNotEqual, "a")));
  EXPECT_FALSE(Holds(Compare::Value("/k", CompareOp::kNotEqual, "m")));
  EXPECT_TRUE(Holds(Compare::Value("/k", CompareOp::kLess, "z")));
  EXPECT_FALSE(Holds(Compare::Value("/k", CompareOp::kLess, "m")));
  EXPECT_TRUE(Holds(Compare::Value("/k", CompareOp::kGreater, "b")));
  EXPECT_FALSE(Holds(Compare::Value("/k", CompareOp::kGreater, "m")));
}

TEST_F(TxnTest, VersionComparesEveryOperator) {
  EXPECT_TRUE(Holds(Compare::Version("/k", CompareOp::kEqual, 2)));
  EXPECT_FALSE(Holds(Compare::Version("/k", CompareOp::kEqual, 1)));
  EXPECT_TRUE(Holds(Compare::Version("/k", CompareOp::kNotEqual, 1)));
  EXPECT_TRUE(Holds(Compare::Version("/k", CompareOp::kLess, 3)));
  EXPECT_FALSE(Holds(Compare::Version("/k", CompareOp::kLess, 2)));
  EXPECT_TRUE(Holds(Compare::Version("/k", CompareOp::kGreater, 1)));
  EXPECT_FALSE(Holds(Compare::Version("/k", CompareOp::kGreater, 2)));
}

TEST_F(TxnTest, CreateAndModRevisionCompares) {
  EXPECT_TRUE(Holds(Compare::CreateRevision("/k", CompareOp::kEqual, 1)));
  EXPECT_FALSE(Holds(Compare::CreateRevision("/k", CompareOp::kNotEqual, 1)));
  EXPECT_TRUE(Holds(Compare::CreateRevision("/k", CompareOp::kLess, 2)));
  EXPECT_FALSE(Holds(Compare::CreateRevision("/k", CompareOp::kGreater, 1)));
  EXPECT_TRUE(Holds(Compare::ModRevision("/k", CompareOp::kEqual, 3)));
  EXPECT_TRUE(Holds(Compare::ModRevision("/k", CompareOp::kNotEqual, 1)));
  EXPECT_FALSE(Holds(Compare::ModRevision("/k", CompareOp::kLess, 3)));
  EXPECT_TRUE(Holds(Compare::ModRevision("/k", CompareOp::kGreater, 2)));
}

TEST_F(TxnTest, AMissingKeyIsAbsentHasZeroMetadataAndFailsValueCompares) {
  EXPECT_TRUE(Holds(Compare::Absent("/missing")));
  EXPECT_FALSE(Holds(Compare::Absent("/k")));
  EXPECT_TRUE(Holds(Compare::Version("/missing", CompareOp::kEqual, 0)));
  EXPECT_TRUE(Holds(Compare::CreateRevision("/missing", CompareOp::kEqual, 0)));
  EXPECT_TRUE(Holds(Compare::ModRevision("/missing", CompareOp::kLess, 1)));
  EXPECT_FALSE(Holds(Compare::Value("/missing", CompareOp::kEqual, "")));
  EXPECT_FALSE(Holds(Compare::Value("/missing", CompareOp::kNotEqual, "x")));
}

TEST_F(TxnTest, AllComparesMustHoldForTheThenBranch) {
  EXPECT_TRUE(Holds(Compare::Version("/k", CompareOp::kEqual, 2)));
  ApplyResult result =
      Apply(Txn{{Compare::Version("/k", CompareOp::kEqual, 2), Compare::Absent("/other")},
                {Put{"/then", "1"}},
                {Put{"/else", "1"}}});
  EXPECT_FALSE(result.succeeded);
  EXPECT_TRUE(sm_.Get("/else").has_value());
  EXPECT_FALSE(sm_.Get("/then").has_value());
}

// The failover controller's compare-and-swap on the epoch: the first Txn wins,
// the second, built on the same read, sees the else branch and the new value.
TEST_F(TxnTest, CompareAndSwapThenAndElse) {
  const Revision seen = sm_.Get("/k")->mod_revision;
  Txn cas{{Compare::ModRevision("/k", CompareOp::kEqual, seen)},
          {Put{"/k", "epoch-2"}, Put{"/primary", "b"}},
          {Range{"/k", false}}};

  ApplyResult won = Apply(cas);
  ASSERT_TRUE(won.status.ok());
  EXPECT_TRUE(won.succeeded);
  EXPECT_EQ(won.revision, 4u);
  ASSERT_EQ(won.ops.size(), 2u);
  EXPECT_EQ(won.ops[0].prev_kvs.at(0).value, "m");
  ASSERT_EQ(won.events.size(), 2u);
  EXPECT_EQ(won.events[0].revision(), 4u);
  EXPECT_EQ(won.events[1].revision(), 4u);
  EXPECT_EQ(sm_.Get("/primary")->mod_revision, 4u);

  ApplyResult lost = Apply(cas);
  ASSERT_TRUE(lost.status.ok());
  EXPECT_FALSE(lost.succeeded);
  EXPECT_EQ(lost.revision, 4u);  // the else branch only read
  ASSERT_EQ(lost.ops.size(), 1u);
  EXPECT_EQ(lost.ops[0].kvs.at(0).value, "epoch-2");
  EXPECT_TRUE(lost.events.empty());
}

TEST_F(TxnTest, OpsRunInOrderAndSeeEarlierWritesOfTheBranch) {
  ApplyResult result = Apply(Txn{{},
                                 {Put{"/g/1", "x"}, Put{"/g/2", "y"}, Range{"/g/", true},
                                  DeleteRange{"/g/"}, Range{"/g/", true}, Delete{"/k"}},
                                 {}});
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(result.ops.size(), 6u);
  EXPECT_EQ(result.ops[2].kvs.size(), 2u);
  EXPECT_EQ(result.ops[3].prev_kvs.size(), 2u);
  EXPECT_TRUE(result.ops[4].kvs.empty());
  EXPECT_EQ(result.ops[5].prev_kvs.at(0).key, "/k");
  EXPECT_EQ(result.revision, 4u);  // five changes, one revision
  EXPECT_EQ(result.events.size(), 5u);
  EXPECT_EQ(sm_.WatchFrom("", 4)->size(), 5u);
}

TEST_F(TxnTest, AnInvalidOpInTheChosenBranchRejectsTheWholeTxn) {
  const StateMachine before = sm_;
  ApplyResult result = Apply(Txn{{}, {Put{"/a", "1"}, Put{"/b", "2", 42}}, {}});
  EXPECT_TRUE(result.status.IsNotFound()) << result.status.ToString();
  EXPECT_FALSE(result.succeeded);
  EXPECT_TRUE(result.events.empty());
  EXPECT_FALSE(sm_.Get("/a").has_value());
  StateMachine expected = before;
  expected.MarkApplied(sm_.applied_index());
  EXPECT_EQ(sm_, expected);

  EXPECT_TRUE(Apply(Txn{{Compare::Absent("")}, {}, {}}).status.IsInvalidArgument());
}

TEST_F(TxnTest, AnInvalidOpInTheBranchNotTakenIsHarmless) {
  ApplyResult result =
      Apply(Txn{{Compare::Absent("/missing")}, {Put{"/a", "1"}}, {Put{"", "bad"}}});
  EXPECT_TRUE(result.status.ok());
  EXPECT_TRUE(result.succeeded);
  EXPECT_TRUE(sm_.Get("/a").has_value());
}

}  // namespace
}  // namespace baton::store
