#include "core/result.h"

#include <gtest/gtest.h>

#include <string>

namespace baton {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  BATON_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(Result, HoldsAValue) {
  Result<std::string> r = std::string("abc");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, "abc");
  EXPECT_EQ(r->size(), 3u);
  EXPECT_TRUE(r.status().ok());
}

TEST(Result, HoldsAnError) {
  Result<int> r = Half(3);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsInvalidArgument());
  EXPECT_EQ(r.value_or(-1), -1);
}

TEST(Result, AssignOrReturnPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_FALSE(Quarter(6).has_value());
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> r = Half(1);
  EXPECT_DEATH((void)r.value(), "value\\(\\) of an error Result");
}

TEST(CheckDeathTest, FailedCheckPrintsItsReason) {
  EXPECT_DEATH(BATON_CHECK(1 + 1 == 3) << "arithmetic broke", "arithmetic broke");
}

}  // namespace
}  // namespace baton
