#include <gtest/gtest.h>
#include <signal.h>

#include <memory>

#include "probe/prober.h"
#include "probe/test_util.h"

namespace baton::probe {
namespace {

// A real redis-server on 127.0.0.1, ended by pid in the destructor.
std::unique_ptr<testing::ChildProcess> StartRedis(const testing::TempDir& dir, uint16_t port,
                                                  const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {"/usr/bin/redis-server",
                                   "--port",
                                   std::to_string(port),
                                   "--bind",
                                   "127.0.0.1",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--dir",
                                   dir.path()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return std::make_unique<testing::ChildProcess>(
      argv, dir.path() + "/redis-" + std::to_string(port) + ".log");
}

RedisSpec At(uint16_t port) { return RedisSpec{.host = "127.0.0.1", .port = port}; }

TEST(RedisProbeTest, PrimaryPassesThenFailsOnceKilled) {
  testing::TempDir dir;
  const uint16_t port = testing::FreePort();
  auto redis = StartRedis(dir, port);
  ProbeOutcome outcome;
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return (outcome = RunProbe(At(port), Duration::Millis(500))).result.ok; },
      Duration::Seconds(10)))
      << outcome.result.output;
  EXPECT_EQ(outcome.role, Role::kPrimary);
  ASSERT_TRUE(outcome.position.has_value());
  EXPECT_EQ(outcome.result.output.rfind("redis: PONG, role primary, offset ", 0), 0u);

  redis->Signal(SIGKILL);
  ASSERT_TRUE(redis->Wait(Duration::Seconds(5)).has_value());
  outcome = RunProbe(At(port), Duration::Millis(500));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output,
            "connect: 127.0.0.1:" + std::to_string(port) + ": Connection refused");
  EXPECT_EQ(outcome.role, Role::kUnknown);
}

TEST(RedisProbeTest, ReplicaReportsRoleAndOffset) {
  testing::TempDir dir;
  const uint16_t primary_port = testing::FreePort();
  auto primary = StartRedis(dir, primary_port);
  const uint16_t replica_port = testing::FreePort();
  auto replica =
      StartRedis(dir, replica_port, {"--replicaof", "127.0.0.1", std::to_string(primary_port)});
  ProbeOutcome outcome;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        outcome = RunProbe(At(replica_port), Duration::Millis(500));
        return outcome.result.ok && outcome.position.has_value();
      },
      Duration::Seconds(15)))
      << outcome.result.output;
  EXPECT_EQ(outcome.role, Role::kReplica);
}

TEST(RedisProbeTest, WrongPasswordFailsWithTheServerError) {
  testing::TempDir dir;
  const uint16_t port = testing::FreePort();
  auto redis = StartRedis(dir, port, {"--requirepass", "secret"});
  RedisSpec spec = At(port);
  spec.password = "secret";
  ProbeOutcome outcome;
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return (outcome = RunProbe(spec, Duration::Millis(500))).result.ok; },
      Duration::Seconds(10)))
      << outcome.result.output;
  spec.password = "wrong";
  outcome = RunProbe(spec, Duration::Millis(500));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output.rfind("redis: AUTH: ", 0), 0u) << outcome.result.output;
}

}  // namespace
}  // namespace baton::probe
