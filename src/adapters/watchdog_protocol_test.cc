#include "adapters/watchdog_protocol.h"

#include <gtest/gtest.h>

namespace baton::adapters::watchdog {
namespace {

TEST(WatchdogProtocol, ArmAndDisarmRoundTrip) {
  Request arm;
  arm.member = "cache/r1";
  arm.deadline = Instant::FromNanos(123'456'789'000);
  arm.command = {"/bin/sh", "-c", "echo \"x\" > /tmp/y"};
  arm.env = {{"BATON_MEMBER", "r1"}};
  arm.timeout = Duration::Millis(2500);
  const std::string line = Encode(arm);
  ASSERT_EQ(line.back(), '\n');
  ASSERT_EQ(line.find('\n'), line.size() - 1) << "one request, one line";
  Result<Request> back = Decode(line.substr(0, line.size() - 1));
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(back->op, Request::Op::kArm);
  EXPECT_EQ(back->member, "cache/r1");
  EXPECT_EQ(back->deadline, arm.deadline);
  EXPECT_EQ(back->command, arm.command);
  EXPECT_EQ(back->env, arm.env);
  EXPECT_EQ(back->timeout, arm.timeout);

  Request disarm;
  disarm.op = Request::Op::kDisarm;
  disarm.member = "cache/r1";
  Result<Request> undone = Decode(Encode(disarm));
  ASSERT_TRUE(undone.has_value());
  EXPECT_EQ(undone->op, Request::Op::kDisarm);
}

TEST(WatchdogProtocol, MalformedRequestsAreRefused) {
  for (const char* bad : {"", "garbage", "[]", R"({"op":"arm"})", R"({"op":"fire","member":"m"})",
                          R"({"op":"arm","member":"m","deadline_ns":1,"timeout_ms":0,)"
                          R"("command":["x"],"env":{}})",
                          R"({"op":"arm","member":"m","deadline_ns":1,"timeout_ms":5,)"
                          R"("command":[],"env":{}})",
                          R"({"op":"arm","member":"m","deadline_ns":1,"timeout_ms":5,)"
                          R"("command":[1],"env":{}})",
                          R"({"op":"arm","member":"","deadline_ns":1,"timeout_ms":5,)"
                          R"("command":["x"],"env":{}})"}) {
    EXPECT_TRUE(Decode(bad).status().IsInvalidArgument()) << bad;
  }
}

}  // namespace
}  // namespace baton::adapters::watchdog
