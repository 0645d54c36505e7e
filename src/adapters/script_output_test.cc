#include "adapters/script_output.h"

#include <gtest/gtest.h>

namespace baton::adapters {
namespace {

TEST(ParseObserveOutput, ReadsEveryKeyAcrossLines) {
  Result<MemberState> state = ParseObserveOutput(
      "role=replica position=1234\nhistory=abc following=127.0.0.1:7001 link=down\n"
      "detail=link up  since 3s\n");
  ASSERT_TRUE(state.has_value()) << state.error().ToString();
  EXPECT_EQ(state->role, failover::MemberRole::kReplica);
  EXPECT_EQ(state->position, 1234u);
  EXPECT_EQ(state->history, "abc");
  EXPECT_EQ(state->following, "127.0.0.1:7001");
  EXPECT_EQ(state->detail, "link up  since 3s");
  EXPECT_EQ(state->replicating, false);
  EXPECT_EQ(ParseObserveOutput("role=primary")->replicating, std::nullopt) << "not said";
  EXPECT_FALSE(ParseObserveOutput("role=replica link=slow").has_value());
}

TEST(ParseObserveOutput, RoleNamesMatchTheSchema) {
  EXPECT_EQ(ParseObserveOutput("role=writes-paused")->role, failover::MemberRole::kWritesPaused);
  EXPECT_EQ(ParseObserveOutput("role=primary")->role, failover::MemberRole::kPrimary);
  EXPECT_EQ(ParseObserveOutput("role=fenced")->role, failover::MemberRole::kFenced);
  EXPECT_EQ(ParseObserveOutput("role=stopped")->role, failover::MemberRole::kStopped);
}

TEST(ParseObserveOutput, NamesWhatIsWrong) {
  EXPECT_EQ(ParseObserveOutput("position=3").error().message(), "no role= in the output");
  EXPECT_EQ(ParseObserveOutput("role=master").error().message(),
            "role=master: not one of primary, writes-paused, replica, fenced, stopped, unknown");
  EXPECT_EQ(ParseObserveOutput("role=primary position=12x").error().message(),
            "position=12x: not a non-negative integer");
  EXPECT_EQ(ParseObserveOutput("role=primary position=-1").error().message(),
            "position=-1: not a non-negative integer");
  EXPECT_EQ(ParseObserveOutput("role=primary postion=1").error().message(),
            "unknown key `postion`");
  EXPECT_EQ(ParseObserveOutput("role=primary oops").error().message(),
            "expected key=value, got `oops`");
}

TEST(ParseDivergenceOutput, ReadsAndRequires) {
  Result<Divergence> d = ParseDivergenceOutput("fork_position=100 lost_bytes=20 saved_copy=/x/y");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->fork_position, 100u);
  EXPECT_EQ(d->lost_bytes, 20u);
  EXPECT_EQ(d->saved_copy, "/x/y");
  EXPECT_EQ(ParseDivergenceOutput("fork_position=1").error().message(), "no lost_bytes=");
}

TEST(ParseCommandSetting, ShellLineOrFlowList) {
  EXPECT_EQ(*ParseCommandSetting("echo hi | cat"),
            (std::vector<std::string>{"/bin/sh", "-c", "echo hi | cat"}));
  EXPECT_EQ(*ParseCommandSetting("[/usr/bin/svc, promote, \"a, b\", 'c d', '']"),
            (std::vector<std::string>{"/usr/bin/svc", "promote", "a, b", "c d", ""}));
  EXPECT_EQ(*ParseCommandSetting(" [ /bin/true ] "), (std::vector<std::string>{"/bin/true"}));
  EXPECT_EQ(ParseCommandSetting("").error().message(), "empty command");
  EXPECT_EQ(ParseCommandSetting("[]").error().message(), "empty command list");
  EXPECT_EQ(ParseCommandSetting("[\"a, b]").error().message(), "unclosed quote");
  EXPECT_EQ(ParseCommandSetting("[\"a\" b]").error().message(), "expected `,` after a quoted item");
}

}  // namespace
}  // namespace baton::adapters
