#include "core/status.h"

#include <gtest/gtest.h>

#include "core/result.h"

namespace baton {
namespace {

TEST(Status, OkHasNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s.message(), "");
}

TEST(Status, FactoriesSetCodeAndMessage) {
  Status s = Status::Corruption("bad crc at offset 12");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_FALSE(s.IsNotFound());
  EXPECT_EQ(s.ToString(), "Corruption: bad crc at offset 12");
}

TEST(Status, CopiesAreIndependent) {
  Status a = Status::IOError("disk full");
  Status b = a;
  a = Status::Ok();
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(b.ToString(), "IOError: disk full");
}

TEST(Status, WithContextPrefixesMessage) {
  EXPECT_EQ(Status::NotFound("key").WithContext("get /a").ToString(), "NotFound: get /a: key");
  EXPECT_TRUE(Status::Ok().WithContext("x").ok());
}

Status FailsWhenNegative(int x) {
  if (x < 0) return Status::InvalidArgument("negative");
  return Status::Ok();
}

Status Chain(int x) {
  BATON_RETURN_IF_ERROR(FailsWhenNegative(x));
  return Status::Aborted("reached the end");
}

TEST(Status, ReturnIfErrorStopsAtTheFirstError) {
  EXPECT_TRUE(Chain(-1).IsInvalidArgument());
  EXPECT_EQ(Chain(1).code(), StatusCode::kAborted);
}

}  // namespace
}  // namespace baton
