#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "probe/prober.h"
#include "probe/test_util.h"

namespace baton::probe {
namespace {

TEST(ExecProbeTest, ExitZeroPassesAndKeepsOutput) {
  ProbeOutcome outcome = RunProbe(ExecSpec{.command = {"echo out; echo err >&2"}, .shell = true},
                                  Duration::Seconds(2));
  EXPECT_TRUE(outcome.result.ok) << outcome.result.output;
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.stdout_text, "out\n");
  EXPECT_EQ(outcome.stderr_text, "err\n");
  EXPECT_EQ(outcome.result.output, "out\nerr\n");
}

TEST(ExecProbeTest, ArgvRunsWithoutAShell) {
  ProbeOutcome outcome =
      RunProbe(ExecSpec{.command = {"echo", "$HOME;", "x"}}, Duration::Seconds(2));
  EXPECT_TRUE(outcome.result.ok);
  EXPECT_EQ(outcome.stdout_text, "$HOME; x\n");
}

// A child inherits none of the agent's descriptors beyond stdin, stdout and
// stderr: a watchdog or service holding the agent's listening socket kept a
// restarted agent from binding its port.
TEST(ExecProbeTest, TheChildInheritsNoOtherDescriptor) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);  // not close-on-exec
  ASSERT_GE(listener, 3);
  ProbeOutcome outcome = RunProbe(
      ExecSpec{.command = {"for f in /proc/$$/fd/*; do readlink $f; done; true"}, .shell = true},
      Duration::Seconds(2));
  ::close(listener);
  EXPECT_TRUE(outcome.result.ok) << outcome.result.output;
  EXPECT_EQ(outcome.stdout_text.find("socket:"), std::string::npos)
      << "the socket was inherited: " << outcome.stdout_text;
}

TEST(ExecProbeTest, NonZeroExitFailsWithItsOutput) {
  ProbeOutcome outcome =
      RunProbe(ExecSpec{.command = {"echo replica lag too high >&2; exit 3"}, .shell = true},
               Duration::Seconds(2));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.result.output, "exec: exit 3\nreplica lag too high\n");
}

TEST(ExecProbeTest, TimeoutKillsTheProcessGroup) {
  testing::TempDir dir;
  const std::string pid_file = dir.path() + "/child.pid";
  // The shell starts a background sleeper in the same group, then hangs.
  ProbeOutcome outcome = RunProbe(
      ExecSpec{.command = {"echo started; sleep 30 & echo $! > " + pid_file + "; sleep 30"},
               .shell = true},
      Duration::Millis(300));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output, "exec: timed out after 300ms (process group killed)\nstarted\n");
  EXPECT_GE(outcome.result.latency, Duration::Millis(300));
  EXPECT_LT(outcome.result.latency, Duration::Millis(1000));
  pid_t sleeper = 0;
  std::ifstream(pid_file) >> sleeper;
  ASSERT_GT(sleeper, 0);
  // The grandchild was in the group: it is gone (reaped by init) shortly.
  EXPECT_TRUE(
      testing::WaitUntil([&] { return !testing::ProcessAlive(sleeper); }, Duration::Seconds(5)));
}

TEST(ExecProbeTest, MissingCommandIsAClearError) {
  ProbeOutcome outcome =
      RunProbe(ExecSpec{.command = {"/nonexistent/check-health"}}, Duration::Seconds(1));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output, "exec: no such file: /nonexistent/check-health");
  outcome = RunProbe(ExecSpec{.command = {"no-such-command-on-path"}}, Duration::Seconds(1));
  EXPECT_EQ(outcome.result.output, "exec: no such file: no-such-command-on-path");
}

TEST(ExecProbeTest, OutputIsBounded) {
  ProbeOutcome outcome =
      RunProbe(ExecSpec{.command = {"head -c 100000 /dev/zero | tr '\\0' x"}, .shell = true},
               Duration::Seconds(5));
  EXPECT_TRUE(outcome.result.ok) << outcome.result.output.substr(0, 200);
  EXPECT_EQ(outcome.stdout_text, std::string(4096, 'x'));
}

}  // namespace
}  // namespace baton::probe
