#include "agent/write_outcome.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/http_json.h"

namespace baton::agent {
namespace {

TEST(WriteOutcome, OutcomeUnknownIsItsOwnKind) {
  const Status lost = OutcomeUnknownError("leadership lost after the write was proposed");
  EXPECT_TRUE(IsOutcomeUnknown(lost));
  EXPECT_FALSE(IsOutcomeUnknown(Status::Unavailable("no leader")));
  EXPECT_FALSE(IsOutcomeUnknown(Status::Aborted("slow watcher")));
}

TEST(WriteOutcome, NoLeaderIs503AndAnUnknownOutcomeIs504) {
  const admin::HttpResponse no_leader = StatusResponse(Status::Unavailable("no leader"));
  EXPECT_EQ(no_leader.status, 503);
  EXPECT_EQ(nlohmann::json::parse(no_leader.body)["code"], "Unavailable");

  const admin::HttpResponse lost =
      StatusResponse(OutcomeUnknownError("leadership lost after the write was proposed"));
  EXPECT_EQ(lost.status, 504);
  const auto body = nlohmann::json::parse(lost.body);
  EXPECT_EQ(body["code"], "OutcomeUnknown");
  EXPECT_EQ(body["outcome"], "unknown");
  EXPECT_NE(body["error"].get<std::string>().find("leadership lost"), std::string::npos);

  const admin::HttpResponse timeout = StatusResponse(Status::Timeout("write not applied in time"));
  EXPECT_EQ(timeout.status, 504);
  EXPECT_EQ(nlohmann::json::parse(timeout.body)["outcome"], "unknown");
}

}  // namespace
}  // namespace baton::agent
