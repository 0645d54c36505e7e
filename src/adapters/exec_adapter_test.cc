// The exec adapter against a real script: a tiny "service" whose role,
// position and replication source live in files of a temp directory.
#include "adapters/exec_adapter.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "probe/test_util.h"

namespace baton::adapters {
namespace {

using probe::testing::ChildProcess;
using probe::testing::TempDir;

constexpr const char* kService = R"SH(#!/bin/sh
# A service whose state lives in files of $1. BATON_OPERATION says what to do.
d=$1
op=$BATON_OPERATION
echo "$op epoch=$BATON_EPOCH primary=$BATON_PRIMARY_ADDRESS group=$BATON_GROUP member=$BATON_MEMBER address=$BATON_MEMBER_ADDRESS deadline_ms=$BATON_DEADLINE_MS" >> "$d/calls"
if [ -f "$d/down" ] && [ "$op" != fence ] && [ "$op" != start ]; then
  echo "service is down" >&2; exit 69
fi
case "$op" in
  start) rm -f "$d/down"; echo replica > "$d/role" ;;
  stop) touch "$d/down" ;;
  promote)
    if [ -f "$d/refuse" ]; then echo "some noise" >&2; echo "refusing: behind by 10 bytes" >&2; exit 1; fi
    echo primary > "$d/role"; echo "$BATON_EPOCH" > "$d/epoch"; rm -f "$d/following" ;;
  demote) echo replica > "$d/role" ;;
  fence) echo fenced > "$d/role" ;;
  follow) echo replica > "$d/role"; echo "$BATON_PRIMARY_ADDRESS" > "$d/following" ;;
  pause_writes) echo writes-paused > "$d/role" ;;
  resume_writes) echo primary > "$d/role" ;;
  observe)
    printf 'role=%s position=%s history=h1\n' "$(cat "$d/role")" "$(cat "$d/position")"
    if [ -f "$d/following" ]; then echo "following=$(cat "$d/following")"; fi ;;
  divergence) echo "fork_position=90 lost_bytes=$(( $(cat "$d/position") - 90 )) saved_copy=$d/saved" ;;
esac
exit 0
)SH";

Instant Now() {
  return Instant::FromNanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now().time_since_epoch())
                                .count());
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ExecAdapterTest : public ::testing::Test {
 protected:
  ExecAdapterTest() {
    WriteFile(Path("svc.sh"), kService);
    chmod(Path("svc.sh").c_str(), 0755);
    WriteFile(Path("role"), "replica\n");
    WriteFile(Path("position"), "100\n");
    const std::string argv = "[" + Path("svc.sh") + ", " + dir_.path() + "]";
    int line = 10;
    for (const char* op : {"start", "stop", "promote", "demote", "fence", "follow", "pause_writes",
                           "resume_writes", "divergence"}) {
      config_.settings[op] = {argv, line++};
    }
    // One command as a shell line, to cover both forms.
    config_.settings["observe"] = {Path("svc.sh") + " " + dir_.path() + " 2>&1", line++};
    config_.kind = "exec";
  }

  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }

  std::unique_ptr<Adapter> Make() {
    Result<std::unique_ptr<Adapter>> made = MakeExecAdapter(config_, identity_);
    EXPECT_TRUE(made.has_value()) << made.error().ToString();
    return made.has_value() ? std::move(*made) : nullptr;
  }

  Status MakeError() {
    Result<std::unique_ptr<Adapter>> made = MakeExecAdapter(config_, identity_);
    return made.has_value() ? Status::Ok() : made.error();
  }

  static Instant In(Duration d) { return Now() + d; }

  TempDir dir_;
  AdapterConfig config_;
  MemberIdentity identity_{"cache", "r1", "127.0.0.1:7001"};
};

TEST_F(ExecAdapterTest, PromoteObserveFollowRoundTrip) {
  auto adapter = Make();
  ASSERT_TRUE(adapter->Promote(7, In(Duration::Seconds(5))).ok());
  EXPECT_EQ(ReadFile(Path("epoch")), "7\n");
  Result<MemberState> state = adapter->Observe(In(Duration::Seconds(5)));
  ASSERT_TRUE(state.has_value()) << state.error().ToString();
  EXPECT_EQ(state->role, failover::MemberRole::kPrimary);
  EXPECT_EQ(state->position, 100u);
  EXPECT_EQ(state->history, "h1");
  EXPECT_EQ(state->following, "");

  ASSERT_TRUE(adapter->Follow("127.0.0.1:7002", 8, In(Duration::Seconds(5))).ok());
  state = adapter->Observe(In(Duration::Seconds(5)));
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->role, failover::MemberRole::kReplica);
  EXPECT_EQ(state->following, "127.0.0.1:7002");

  ASSERT_TRUE(adapter->PauseWrites(In(Duration::Seconds(5))).ok());
  EXPECT_EQ(adapter->Observe(In(Duration::Seconds(5)))->role, failover::MemberRole::kWritesPaused);
  ASSERT_TRUE(adapter->ResumeWrites(In(Duration::Seconds(5))).ok());
  ASSERT_TRUE(adapter->Demote(9, In(Duration::Seconds(5))).ok());
  ASSERT_TRUE(adapter->Fence(In(Duration::Seconds(5))).ok());
  EXPECT_EQ(adapter->Observe(In(Duration::Seconds(5)))->role, failover::MemberRole::kFenced);
}

TEST_F(ExecAdapterTest, ArgumentsArriveAsEnvironment) {
  auto adapter = Make();
  ASSERT_TRUE(adapter->Follow("127.0.0.1:7002", 8, In(Duration::Seconds(4))).ok());
  const std::string calls = ReadFile(Path("calls"));
  EXPECT_NE(calls.find("follow epoch=8 primary=127.0.0.1:7002 group=cache member=r1 "
                       "address=127.0.0.1:7001 deadline_ms="),
            std::string::npos)
      << calls;
  const int deadline_ms = std::stoi(calls.substr(calls.find("deadline_ms=") + 12));
  EXPECT_GT(deadline_ms, 3000);
  EXPECT_LE(deadline_ms, 4000);
}

TEST_F(ExecAdapterTest, ExitStatusMapsToStatusWithStderrTail) {
  auto adapter = Make();
  WriteFile(Path("refuse"), "");
  Status refused = adapter->Promote(3, In(Duration::Seconds(5)));
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.message(),
            "exec adapter cache/r1 promote: exit 1: some noise\nrefusing: behind by 10 bytes");

  WriteFile(Path("down"), "");
  Status down = adapter->Demote(3, In(Duration::Seconds(5)));
  EXPECT_TRUE(down.IsUnavailable()) << down.ToString();
  EXPECT_EQ(down.message(), "exec adapter cache/r1 demote: exit 69: service is down");
  // Fence succeeds on a member that is down (the script's promise).
  EXPECT_TRUE(adapter->Fence(In(Duration::Seconds(5))).ok());
  ASSERT_TRUE(adapter->Start(In(Duration::Seconds(5))).ok());
  EXPECT_TRUE(adapter->Demote(3, In(Duration::Seconds(5))).ok());
}

TEST_F(ExecAdapterTest, DeadlineKillsTheWholeProcessGroup) {
  config_.settings["promote"] = {"sleep 1 && touch " + Path("late") + " & sleep 10", 3};
  auto adapter = Make();
  const Instant start = Now();
  Status timed_out = adapter->Promote(1, In(Duration::Millis(300)));
  const Duration took = Now() - start;
  EXPECT_TRUE(timed_out.IsTimeout()) << timed_out.ToString();
  EXPECT_NE(timed_out.message().find("timed out after"), std::string::npos);
  EXPECT_GE(took, Duration::Millis(290));
  EXPECT_LT(took, Duration::Millis(1000));
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_FALSE(std::ifstream(Path("late")).good()) << "a process of the group survived";
}

TEST_F(ExecAdapterTest, PastDeadlineDoesNotRun) {
  auto adapter = Make();
  EXPECT_TRUE(adapter->Promote(1, Now() - Duration::Seconds(1)).IsTimeout());
}

TEST_F(ExecAdapterTest, ObserveOutputErrorsNameTheKey) {
  config_.settings["observe"] = {"echo role=primary postion=5", 4};
  Status bad = Make()->Observe(In(Duration::Seconds(5))).status();
  EXPECT_TRUE(bad.IsInvalidArgument());
  EXPECT_EQ(bad.message(), "exec adapter cache/r1 observe: output: unknown key `postion`");
}

TEST_F(ExecAdapterTest, Divergence) {
  WriteFile(Path("position"), "130\n");
  Result<Divergence> d = Make()->MeasureDivergence("127.0.0.1:7002", In(Duration::Seconds(5)));
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  EXPECT_EQ(d->fork_position, 90u);
  EXPECT_EQ(d->lost_bytes, 40u);
  EXPECT_EQ(d->saved_copy, Path("saved"));
}

TEST_F(ExecAdapterTest, UnconfiguredOperationsAreNotSupported) {
  config_.settings.erase("start");
  config_.settings.erase("divergence");
  auto adapter = Make();
  EXPECT_EQ(adapter->Start(In(Duration::Seconds(1))).code(), StatusCode::kNotSupported);
  EXPECT_EQ(adapter->MeasureDivergence("x:1", In(Duration::Seconds(1))).status().code(),
            StatusCode::kNotSupported);
  std::atomic<bool> cancel{false};
  EXPECT_EQ(adapter->WaitUntilGone(cancel).code(), StatusCode::kNotSupported);
}

TEST_F(ExecAdapterTest, FactoryNamesKeysAndLines) {
  config_.settings["promte"] = {"x", 14};
  EXPECT_EQ(MakeError().message(), "exec adapter: unknown key `promte` (line 14)");
  config_.settings.erase("promte");
  config_.settings.erase("fence");
  EXPECT_EQ(MakeError().message(),
            "exec adapter: missing key `fence` (adapter settings from line 10)");
  config_.settings["fence"] = {"[\"unclosed]", 22};
  EXPECT_EQ(MakeError().message(), "exec adapter: `fence` (line 22): unclosed quote");
  config_.settings["fence"] = {"true", 22};
  config_.settings["pid_file"] = {Path("pid"), 23};
  config_.settings["watch"] = {"sleep 100", 24};
  EXPECT_EQ(MakeError().message(),
            "exec adapter: `watch` (line 24) and `pid_file` exclude each other");
  config_.settings["pid_file"] = {"", 23};
  EXPECT_EQ(MakeError().message(), "exec adapter: `pid_file` (line 23): empty path");
}

TEST_F(ExecAdapterTest, WaitUntilGoneSeesThePidExit) {
  ChildProcess member({"/bin/sleep", "30"}, Path("member.log"));
  WriteFile(Path("pid"), std::to_string(member.pid()) + "\n");
  config_.settings["pid_file"] = {Path("pid"), 30};
  auto adapter = Make();
  std::atomic<bool> cancel{false};
  Status gone;
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    gone = adapter->WaitUntilGone(cancel);
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(returned.load());
  const Instant killed = Now();
  member.Signal(SIGKILL);
  // Reaping is what makes the exit visible to a pidfd for our own child.
  EXPECT_TRUE(member.Wait(Duration::Seconds(5)).has_value());
  EXPECT_TRUE(probe::testing::WaitUntil([&] { return returned.load(); }, Duration::Seconds(5)));
  EXPECT_LT(Now() - killed, Duration::Millis(500));
  waiter.join();
  EXPECT_TRUE(gone.IsUnavailable()) << gone.ToString();
  EXPECT_NE(gone.message().find("exited"), std::string::npos);

  // Nothing to watch: seen gone at once.
  EXPECT_TRUE(adapter->WaitUntilGone(cancel).IsUnavailable());
}

TEST_F(ExecAdapterTest, WaitUntilGoneCancels) {
  ChildProcess member({"/bin/sleep", "30"}, Path("member.log"));
  WriteFile(Path("pid"), std::to_string(member.pid()));
  config_.settings["pid_file"] = {Path("pid"), 30};
  auto adapter = Make();
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  });
  EXPECT_EQ(adapter->WaitUntilGone(cancel).code(), StatusCode::kAborted);
  canceller.join();
}

TEST_F(ExecAdapterTest, WaitUntilGoneRunsTheWatchCommand) {
  WriteFile(Path("alive"), "");
  config_.settings["watch"] = {"while [ -f " + Path("alive") +
                                   " ]; do sleep 0.05; done; "
                                   "echo member exited >&2",
                               31};
  auto adapter = Make();
  std::atomic<bool> cancel{false};
  Status gone;
  std::thread waiter([&] { gone = adapter->WaitUntilGone(cancel); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::remove(Path("alive").c_str());
  waiter.join();
  EXPECT_TRUE(gone.IsUnavailable());
  EXPECT_EQ(gone.message(),
            "exec adapter cache/r1 watch: the watch command ended (exit 0): member exited");

  WriteFile(Path("alive"), "");
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  });
  EXPECT_EQ(adapter->WaitUntilGone(cancel).code(), StatusCode::kAborted);
  canceller.join();
}

TEST_F(ExecAdapterTest, WatchdogFenceCommand) {
  Result<ExecCommand> fence = WatchdogFenceCommand(config_, identity_);
  ASSERT_TRUE(fence.has_value());
  EXPECT_EQ(fence->argv, (std::vector<std::string>{Path("svc.sh"), dir_.path()}));
  EXPECT_EQ(fence->env.at("BATON_MEMBER"), "r1");
  EXPECT_EQ(fence->env.at("BATON_OPERATION"), "fence");
  EXPECT_EQ(fence->env.at("BATON_FENCED_BY"), "watchdog");

  AdapterConfig redis;
  redis.kind = "redis";
  EXPECT_TRUE(WatchdogFenceCommand(redis, identity_).status().IsNotFound());
  redis.settings["watchdog_fence"] = {"[/bin/kill, -STOP, '1234']", 5};
  EXPECT_EQ(WatchdogFenceCommand(redis, identity_)->argv,
            (std::vector<std::string>{"/bin/kill", "-STOP", "1234"}));
}

}  // namespace
}  // namespace baton::adapters
