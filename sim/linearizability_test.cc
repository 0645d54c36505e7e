#include "sim/linearizability.h"

#include <gtest/gtest.h>

namespace baton::sim {
namespace {

Instant T(int64_t ms) { return Instant() + Duration::Millis(ms); }

HistoryOp Put(int64_t invoke, int64_t complete, std::string value, std::string key = "k") {
  static uint64_t next_id = 1;
  HistoryOp op;
  op.id = next_id++;
  op.kind = KvOpKind::kPut;
  op.key = std::move(key);
  op.value = std::move(value);
  op.invoke = T(invoke);
  op.complete = T(complete);
  return op;
}
HistoryOp Append(int64_t invoke, int64_t complete, std::string value, std::string key = "k") {
  HistoryOp op = Put(invoke, complete, std::move(value), std::move(key));
  op.kind = KvOpKind::kAppend;
  return op;
}
HistoryOp Get(int64_t invoke, int64_t complete, std::string output, std::string key = "k") {
  HistoryOp op = Put(invoke, complete, "", std::move(key));
  op.kind = KvOpKind::kGet;
  op.output = std::move(output);
  return op;
}
HistoryOp Indeterminate(HistoryOp op) {
  op.indeterminate = true;
  op.complete = Instant();
  return op;
}

LinearizabilityVerdict Check(const History& h) { return CheckLinearizable(h).verdict; }

TEST(LinearizabilityTest, SequentialHistoryIsLinearizable) {
  EXPECT_EQ(Check({Put(0, 1, "a"), Get(2, 3, "a"), Append(4, 5, "b"), Get(6, 7, "ab")}),
            LinearizabilityVerdict::kLinearizable);
}

TEST(LinearizabilityTest, StaleReadAfterCompletedWriteIsAViolation) {
  // put(b) completed at 3; a read that starts at 4 still returns a.
  const History h = {Put(0, 1, "a"), Put(2, 3, "b"), Get(4, 5, "a")};
  const LinearizabilityResult result = CheckLinearizable(h);
  EXPECT_EQ(result.verdict, LinearizabilityVerdict::kViolation);
  EXPECT_NE(result.detail.find("key 'k'"), std::string::npos);
}

TEST(LinearizabilityTest, ConcurrentOpsMayTakeEffectInEitherOrder) {
  // Two overlapping appends; readers saw both orders at different times: the
  // first read is concurrent with both, so "yx" is fine only if y went first.
  EXPECT_EQ(Check({Append(0, 10, "x"), Append(1, 9, "y"), Get(11, 12, "yx")}),
            LinearizabilityVerdict::kLinearizable);
  EXPECT_EQ(Check({Append(0, 10, "x"), Append(1, 9, "y"), Get(11, 12, "xy")}),
            LinearizabilityVerdict::kLinearizable);
  EXPECT_EQ(Check({Append(0, 10, "x"), Append(1, 9, "y"), Get(11, 12, "x")}),
            LinearizabilityVerdict::kViolation);
}

TEST(LinearizabilityTest, ReadsMustAgreeOnOneOrder) {
  // Reads after both appends finish cannot see two different orders.
  EXPECT_EQ(Check({Append(0, 10, "x"), Append(1, 9, "y"), Get(11, 12, "xy"), Get(13, 14, "yx")}),
            LinearizabilityVerdict::kViolation);
}

TEST(LinearizabilityTest, IndeterminateWriteMayOrMayNotHappen) {
  EXPECT_EQ(Check({Indeterminate(Append(0, 0, "x")), Get(5, 6, "")}),
            LinearizabilityVerdict::kLinearizable);
  EXPECT_EQ(Check({Indeterminate(Append(0, 0, "x")), Get(5, 6, "x")}),
            LinearizabilityVerdict::kLinearizable);
  // It may take effect long after it was invoked...
  EXPECT_EQ(Check({Indeterminate(Append(0, 0, "x")), Get(5, 6, ""), Get(100, 101, "x")}),
            LinearizabilityVerdict::kLinearizable);
  // ...but once seen it cannot be un-seen, and never before its invocation.
  EXPECT_EQ(Check({Indeterminate(Append(0, 0, "x")), Get(5, 6, "x"), Get(100, 101, "")}),
            LinearizabilityVerdict::kViolation);
  EXPECT_EQ(Check({Get(0, 1, "x"), Indeterminate(Append(5, 0, "x"))}),
            LinearizabilityVerdict::kViolation);
}

TEST(LinearizabilityTest, UnobservedIndeterminateWritesCostNothing) {
  // Forty timed-out appends nobody ever read: without pruning, every subset
  // of them would be a state to explore.
  History h;
  for (int i = 0; i < 40; ++i) {
    h.push_back(Indeterminate(Append(i, 0, "c0." + std::to_string(i) + ";")));
  }
  h.push_back(Put(50, 51, "c1.1;"));
  h.push_back(Get(52, 53, "c1.1;"));
  EXPECT_EQ(CheckLinearizable(h, 100).verdict, LinearizabilityVerdict::kLinearizable);
}

TEST(LinearizabilityTest, IndeterminateReadsAreIgnored) {
  EXPECT_EQ(Check({Put(0, 1, "a"), Indeterminate(Get(2, 0, "zzz"))}),
            LinearizabilityVerdict::kLinearizable);
}

TEST(LinearizabilityTest, KeysAreCheckedIndependently) {
  EXPECT_EQ(Check({Put(0, 1, "a", "k1"), Put(0, 1, "b", "k2"), Get(2, 3, "a", "k1"),
                   Get(2, 3, "b", "k2")}),
            LinearizabilityVerdict::kLinearizable);
  EXPECT_EQ(Check({Put(0, 1, "a", "k1"), Get(2, 3, "a", "k2")}),
            LinearizabilityVerdict::kViolation);
}

TEST(LinearizabilityTest, BoundHitIsUnknownNotViolation) {
  // Many concurrent indeterminate appends and a read that matches no order:
  // the search space explodes before it can prove a violation.
  History h;
  for (int i = 0; i < 16; ++i) h.push_back(Indeterminate(Append(0, 0, std::string(1, 'a' + i))));
  h.push_back(Get(10, 11, "impossible"));
  const LinearizabilityResult result = CheckLinearizable(h, 1000);
  EXPECT_EQ(result.verdict, LinearizabilityVerdict::kUnknown);
  EXPECT_NE(result.detail.find("bound"), std::string::npos);
}

}  // namespace
}  // namespace baton::sim
