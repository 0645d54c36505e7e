#include "supervise/supervisor.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "net/worker_pool.h"
#include "probe/probe_scheduler.h"
#include "probe/test_util.h"

namespace baton::supervise {
namespace {

using probe::testing::ProcessAlive;

class SupervisorTest : public ::testing::Test {
 protected:
  SupervisorConfig Config(std::vector<std::string> command) {
    SupervisorConfig config;
    config.member = "m1";
    config.command = std::move(command);
    config.log_path = dir_.path() + "/m1.log";
    config.stop_grace = Duration::Millis(300);
    config.poll_interval = Duration::Millis(20);
    config.restart.initial_backoff = Duration::Millis(50);
    config.restart.max_backoff = Duration::Millis(200);
    return config;
  }

  std::unique_ptr<Supervisor> Make(SupervisorConfig config) {
    return std::make_unique<Supervisor>(loop_, std::move(config),
                                        [this](const detect::Event& e) { events_.push_back(e); });
  }

  int Count(const std::string& name) const {
    int n = 0;
    for (const detect::Event& e : events_) n += e.name == name;
    return n;
  }

  const detect::Event* Last(const std::string& name) const {
    for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
      if (it->name == name) return &*it;
    }
    return nullptr;
  }

  probe::testing::TempDir dir_;
  net::EventLoop loop_;
  std::vector<detect::Event> events_;
};

TEST_F(SupervisorTest, ColdStandbyStartsOnDemandAndRestartsWhenKilled) {
  auto sup = Make(Config({"sleep", "30"}));
  EXPECT_EQ(sup->state(), ProcessState::kStopped);
  EXPECT_EQ(sup->pid(), -1);
  ASSERT_TRUE(sup->Start().ok());
  const pid_t first = sup->pid();
  ASSERT_GT(first, 0);
  EXPECT_TRUE(ProcessAlive(first));
  EXPECT_EQ(sup->Start().code(), StatusCode::kFailedPrecondition);

  kill(first, SIGKILL);
  ASSERT_TRUE(
      loop_.RunUntil([&] { return sup->state() == ProcessState::kRunning && sup->pid() != first; },
                     Duration::Seconds(5)));
  EXPECT_TRUE(ProcessAlive(sup->pid()));
  EXPECT_EQ(sup->starts(), 2);
  ASSERT_NE(Last("+exited"), nullptr);
  EXPECT_EQ(Last("+exited")->Field("status"), "signal Killed");
  EXPECT_EQ(Last("+restart")->Field("reason"), "exited: signal Killed");
  EXPECT_EQ(Count("+started"), 2);
}

TEST_F(SupervisorTest, CrashLoopStopsRestartingAndMarksUnhealthy) {
  SupervisorConfig config = Config({"/bin/sh", "-c", "echo crashing; exit 3"});
  config.restart.max_restarts = 2;
  auto sup = Make(config);
  ASSERT_TRUE(sup->Start().ok());
  ASSERT_TRUE(loop_.RunUntil([&] { return sup->state() == ProcessState::kCrashLoop; },
                             Duration::Seconds(5)));
  EXPECT_FALSE(sup->healthy());
  EXPECT_EQ(sup->starts(), 3);  // the first run and two restarts
  EXPECT_EQ(Count("+restart"), 2);
  ASSERT_EQ(Count("+crash-loop"), 1);
  EXPECT_EQ(Last("+crash-loop")->Field("reason"), "exited: exit 3");
  loop_.RunUntil([] { return false; }, Duration::Millis(300));
  EXPECT_EQ(sup->starts(), 3);

  std::ifstream log(config.log_path);
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_EQ(text.str(), "crashing\ncrashing\ncrashing\n");

  sup->ClearCrashLoop();
  EXPECT_TRUE(sup->healthy());
  EXPECT_EQ(sup->state(), ProcessState::kStopped);
  EXPECT_EQ(Count("-crash-loop"), 1);
}

TEST_F(SupervisorTest, StopEndsTheProcessWithSigterm) {
  auto sup = Make(Config({"sleep", "30"}));
  ASSERT_TRUE(sup->Start().ok());
  const pid_t pid = sup->pid();
  bool stopped = false;
  sup->Stop([&] { stopped = true; });
  EXPECT_EQ(sup->state(), ProcessState::kStopping);
  ASSERT_TRUE(loop_.RunUntil([&] { return stopped; }, Duration::Seconds(5)));
  EXPECT_EQ(sup->state(), ProcessState::kStopped);
  EXPECT_FALSE(ProcessAlive(pid));
  EXPECT_EQ(Last("+stopped")->Field("signal"), "SIGTERM");
  EXPECT_EQ(Count("+restart"), 0);
  loop_.RunUntil([] { return false; }, Duration::Millis(200));
  EXPECT_EQ(sup->starts(), 1);
}

TEST_F(SupervisorTest, StopEscalatesToSigkillAfterTheGrace) {
  // Ignored signals stay ignored across exec, so the sleeper ignores it too.
  auto sup = Make(Config({"/bin/sh", "-c", "trap '' TERM; sleep 30"}));
  ASSERT_TRUE(sup->Start().ok());
  const pid_t pid = sup->pid();
  loop_.RunUntil([] { return false; }, Duration::Millis(100));  // let the trap be set
  const Instant start = loop_.Now();
  bool stopped = false;
  sup->Stop([&] { stopped = true; });
  ASSERT_TRUE(loop_.RunUntil([&] { return stopped; }, Duration::Seconds(5)));
  EXPECT_GE(loop_.Now() - start, Duration::Millis(300));
  EXPECT_EQ(Last("+stopped")->Field("signal"), "SIGKILL");
  EXPECT_FALSE(ProcessAlive(pid));
}

TEST_F(SupervisorTest, MissingCommandIsAClearError) {
  auto sup = Make(Config({"/nonexistent/server"}));
  const Status started = sup->Start();
  EXPECT_EQ(started.message(), "exec: no such file: /nonexistent/server");
  EXPECT_EQ(sup->state(), ProcessState::kStopped);
  EXPECT_EQ(Last("+start-failed")->Field("error"), "exec: no such file: /nonexistent/server");
}

// The agent's glue, end to end: a redis-server run by the Supervisor, a
// redis liveness check in a ProbeScheduler; the server is frozen (SIGSTOP),
// the check turns unhealthy, the Supervisor kills and restarts it, the check
// is reset and sees the new process healthy.
TEST_F(SupervisorTest, LivenessFailureRestartsTheMember) {
  const uint16_t port = probe::testing::FreePort();
  SupervisorConfig config =
      Config({"/usr/bin/redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1",
              "--save", "", "--appendonly", "no", "--dir", dir_.path()});
  auto sup = Make(config);
  net::WorkerPool pool(loop_, 2);
  Rng rng(1);
  probe::ProbeScheduler checks(loop_, pool, rng, [&](const probe::CheckReport& r) {
    for (const detect::Event& e : r.events) {
      events_.push_back(e);
      if (e.name == "+unhealthy") sup->OnLivenessFailed(r.check + " unhealthy");
    }
  });
  ASSERT_TRUE(sup->Start().ok());
  checks.Add("live",
             detect::CheckConfig{.kind = detect::CheckKind::kLiveness,
                                 .interval = Duration::Millis(100),
                                 .timeout = Duration::Millis(80),
                                 .rise = 1,
                                 .fall = 2,
                                 .jitter = Duration::Zero(),
                                 .start_period = Duration::Seconds(5)},
             probe::RedisSpec{.host = "127.0.0.1", .port = port});
  ASSERT_TRUE(loop_.RunUntil([&] { return Count("+healthy") == 1; }, Duration::Seconds(10)));

  const pid_t frozen = sup->pid();
  kill(frozen, SIGSTOP);
  ASSERT_TRUE(
      loop_.RunUntil([&] { return sup->state() == ProcessState::kRunning && sup->pid() != frozen; },
                     Duration::Seconds(10)));
  EXPECT_EQ(Last("+restart")->Field("reason"), "liveness: live unhealthy");
  EXPECT_EQ(Last("+stopped")->Field("signal"), "SIGKILL");  // a stopped process ignores TERM
  EXPECT_FALSE(ProcessAlive(frozen));

  // A restarted member gets a fresh check (a new start period).
  checks.Reset("live");
  events_.clear();
  ASSERT_TRUE(loop_.RunUntil([&] { return Count("+healthy") == 1; }, Duration::Seconds(10)));
  EXPECT_EQ(checks.LastOutcome("live")->role, probe::Role::kPrimary);
}

}  // namespace
}  // namespace baton::supervise
