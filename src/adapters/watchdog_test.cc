// A real watchdog process armed by a real client: it fences at the deadline
// (not before), re-arming postpones it, disarming prevents it, and a killed
// or stopped client does not.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "adapters/watchdog_client.h"
#include "probe/test_util.h"

namespace baton::adapters {
namespace {

using probe::testing::ProcessAlive;
using probe::testing::TempDir;

Instant Now() {
  return Instant::FromNanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now().time_since_epoch())
                                .count());
}

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// When `path` was first seen (polled every 2 ms), or nullopt after `timeout`.
std::optional<Instant> FirstSeen(const std::string& path, Duration timeout) {
  const Instant end = Now() + timeout;
  while (Now() < end) {
    if (Exists(path)) return Now();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return std::nullopt;
}

// Waits for a watchdog to exit on its own; kills it if it does not.
bool EndsOnItsOwn(pid_t pid) {
  const bool ended =
      probe::testing::WaitUntil([&] { return !ProcessAlive(pid); }, Duration::Seconds(3));
  if (!ended) kill(pid, SIGKILL);
  waitpid(pid, nullptr, WNOHANG);  // reap it if it is our child
  return ended;
}

class WatchdogTest : public ::testing::Test {
 protected:
  WatchdogTest() {
    fence_.argv = {"/bin/sh", "-c", "echo \"$BATON_MEMBER $BATON_FENCED_BY\" >> " + Fenced()};
    fence_.env = {{"BATON_MEMBER", "r1"}, {"BATON_FENCED_BY", "watchdog"}};
  }

  std::unique_ptr<WatchdogClient> StartClient() {
    Result<std::unique_ptr<WatchdogClient>> client =
        WatchdogClient::Start({BATON_WATCHDOG_PROCESS}, dir_.path() + "/watchdog.log");
    EXPECT_TRUE(client.has_value()) << client.error().ToString();
    return client.has_value() ? std::move(*client) : nullptr;
  }

  std::string Fenced() const { return dir_.path() + "/fenced"; }
  std::string Log() const { return ReadFile(dir_.path() + "/watchdog.log"); }

  TempDir dir_;
  ExecCommand fence_;
  const Duration fence_timeout_ = Duration::Seconds(2);
  // Fence seen at most this long after the deadline: spawning the fence
  // command and polling for its file, on a loaded 2-core machine under ASan
  // (the watchdog itself starts it within about 1 ms).
  const Duration slack_ = Duration::Millis(500);
};

TEST_F(WatchdogTest, FencesAtTheDeadlineWhenNotRenewed) {
  auto client = StartClient();
  const pid_t pid = client->pid();
  const Instant deadline = Now() + Duration::Millis(400);
  ASSERT_TRUE(client->Arm("cache/r1", fence_, fence_timeout_, deadline).ok());
  const std::optional<Instant> seen = FirstSeen(Fenced(), Duration::Seconds(3));
  ASSERT_TRUE(seen.has_value()) << Log();
  EXPECT_GE(*seen, deadline) << "fenced before the deadline";
  EXPECT_LE(*seen, deadline + slack_) << "fenced " << (*seen - deadline).ToString() << " late";
  EXPECT_EQ(ReadFile(Fenced()), "r1 watchdog\n");
  // The fence command wrote the file; the log line follows its exit.
  EXPECT_TRUE(probe::testing::WaitUntil(
      [&] { return Log().find("fenced member=cache/r1 attempt=1") != std::string::npos; },
      Duration::Seconds(2)))
      << Log();
  client.reset();
  EXPECT_TRUE(EndsOnItsOwn(pid));
}

TEST_F(WatchdogTest, RearmingPostponesTheFence) {
  auto client = StartClient();
  const pid_t pid = client->pid();
  Instant deadline;
  for (const Instant end = Now() + Duration::Millis(1200); Now() < end;) {
    deadline = Now() + Duration::Millis(600);
    ASSERT_TRUE(client->Arm("cache/r1", fence_, fence_timeout_, deadline).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(Exists(Fenced())) << "fenced while being re-armed";
  const std::optional<Instant> seen = FirstSeen(Fenced(), Duration::Seconds(3));
  ASSERT_TRUE(seen.has_value());
  EXPECT_GE(*seen, deadline);
  EXPECT_LE(*seen, deadline + slack_);
  client.reset();
  EXPECT_TRUE(EndsOnItsOwn(pid));
}

TEST_F(WatchdogTest, DisarmPreventsTheFenceAndLetsItExit) {
  auto client = StartClient();
  const pid_t pid = client->pid();
  ASSERT_TRUE(client->Arm("cache/r1", fence_, fence_timeout_, Now() + Duration::Millis(600)).ok());
  ASSERT_TRUE(client->Arm("cache/r2", fence_, fence_timeout_, Now() + Duration::Millis(600)).ok());
  ASSERT_TRUE(client->Disarm("cache/r1").ok());
  ASSERT_TRUE(client->Disarm("cache/r2").ok());
  ASSERT_TRUE(client->Disarm("cache/unknown").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_FALSE(Exists(Fenced()));
  EXPECT_TRUE(client->Arm("", fence_, fence_timeout_, Now()).IsInvalidArgument());
  client.reset();
  EXPECT_TRUE(EndsOnItsOwn(pid)) << "a disarmed watchdog must exit with its agent";
  EXPECT_FALSE(Exists(Fenced()));
}

// In a forked child: start a watchdog, arm it `in` from now, write
// "<watchdog pid> <deadline ns>" to `out`, then wait to be killed.
[[noreturn]] void ArmingAgent(int out, const std::string& log, const ExecCommand& fence,
                              Duration in) {
  Result<std::unique_ptr<WatchdogClient>> client =
      WatchdogClient::Start({BATON_WATCHDOG_PROCESS}, log);
  if (!client.has_value()) _exit(1);
  const Instant deadline = Now() + in;
  if (!(*client)->Arm("cache/r1", fence, Duration::Seconds(2), deadline).ok()) _exit(2);
  const std::string line =
      std::to_string((*client)->pid()) + " " + std::to_string(deadline.nanos()) + "\n";
  if (write(out, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(3);
  for (;;) pause();
}

// The agent (a child process) arms the watchdog and then gets `signal`.
void AgentGetsSignal(const std::string& fenced, const std::string& log, const ExecCommand& fence,
                     int signal) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t agent = fork();
  ASSERT_GE(agent, 0);
  if (agent == 0) {
    close(fds[0]);
    ArmingAgent(fds[1], log, fence, Duration::Millis(600));
  }
  close(fds[1]);
  pollfd p = {.fd = fds[0], .events = POLLIN, .revents = 0};
  char buf[128] = {};
  const bool got = poll(&p, 1, 5000) == 1 && read(fds[0], buf, sizeof buf - 1) > 0;
  close(fds[0]);
  kill(agent, signal);
  ASSERT_TRUE(got) << "the agent did not arm the watchdog";
  long long watchdog = 0;
  long long deadline_ns = 0;
  ASSERT_EQ(sscanf(buf, "%lld %lld", &watchdog, &deadline_ns), 2);
  const Instant deadline = Instant::FromNanos(deadline_ns);

  const std::optional<Instant> seen = FirstSeen(fenced, Duration::Seconds(3));
  EXPECT_TRUE(seen.has_value()) << ReadFile(log);
  if (seen.has_value()) {
    EXPECT_GE(*seen, deadline);
    EXPECT_LE(*seen, deadline + Duration::Millis(500));
  }
  kill(agent, SIGKILL);
  waitpid(agent, nullptr, 0);
  EXPECT_TRUE(EndsOnItsOwn(static_cast<pid_t>(watchdog)));
}

TEST_F(WatchdogTest, AKilledAgentDoesNotPreventTheFence) {
  AgentGetsSignal(Fenced(), dir_.path() + "/watchdog.log", fence_, SIGKILL);
  EXPECT_NE(Log().find("agent gone; keeping 1 armed deadline(s)"), std::string::npos) << Log();
}

TEST_F(WatchdogTest, AStoppedAgentDoesNotPreventTheFence) {
  AgentGetsSignal(Fenced(), dir_.path() + "/watchdog.log", fence_, SIGSTOP);
  EXPECT_NE(Log().find("fenced member=cache/r1"), std::string::npos) << Log();
}

}  // namespace
}  // namespace baton::adapters
