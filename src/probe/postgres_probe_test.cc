#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>

#include "probe/prober.h"
#include "probe/test_util.h"

namespace baton::probe {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin/";

// PostgreSQL refuses to run as root: its tools run as the `postgres` user in
// a temporary directory it owns. Every server is ended by pid in teardown.
class PostgresProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const passwd* pw = getpwnam("postgres");
    ASSERT_NE(pw, nullptr) << "this test needs a `postgres` system user to run PostgreSQL as";
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
    ASSERT_EQ(chown(dir_.path().c_str(), uid_, gid_), 0);
    log_ = dir_.path() + "/postgres.log";
  }

  // Runs a PostgreSQL tool to completion as the postgres user.
  void RunTool(std::vector<std::string> argv) {
    const std::string what = argv[0];
    argv[0] = kBin + argv[0];
    testing::ChildProcess tool(argv, log_, uid_, gid_);
    const std::optional<int> status = tool.Wait(Duration::Seconds(120));
    ASSERT_TRUE(status.has_value()) << what << " did not finish; see " << log_;
    ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << what << " failed; see " << log_;
  }

  // Starts a server on `data` and waits until the probe passes.
  std::unique_ptr<testing::ChildProcess> StartServer(const std::string& data, uint16_t port,
                                                     ProbeOutcome* outcome) {
    auto server = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{std::string(kBin) + "postgres", "-D", data, "-p",
                                 std::to_string(port), "-k", dir_.path(), "-c",
                                 "listen_addresses=127.0.0.1", "-c", "fsync=off"},
        log_, uid_, gid_);
    const PostgresSpec spec{.host = "127.0.0.1", .port = port};
    testing::WaitUntil([&] { return (*outcome = RunProbe(spec, Duration::Seconds(2))).result.ok; },
                       Duration::Seconds(60));
    return server;
  }

  testing::TempDir dir_;
  std::string log_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

TEST_F(PostgresProbeTest, PrimaryPassesThenFailsOnceStopped) {
  const std::string data = dir_.path() + "/primary";
  ASSERT_NO_FATAL_FAILURE(
      RunTool({"initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"}));
  const uint16_t port = testing::FreePort();
  ProbeOutcome outcome;
  auto postgres = StartServer(data, port, &outcome);
  ASSERT_TRUE(outcome.result.ok) << outcome.result.output << "; see " << log_;
  EXPECT_EQ(outcome.role, Role::kPrimary);
  ASSERT_TRUE(outcome.position.has_value());
  EXPECT_GT(*outcome.position, 0u);
  EXPECT_NE(outcome.position_text.find('/'), std::string::npos);
  EXPECT_EQ(outcome.result.output, "postgres: role primary, lsn " + outcome.position_text);

  postgres->Signal(SIGINT);  // fast shutdown
  ASSERT_TRUE(postgres->Wait(Duration::Seconds(30)).has_value());
  outcome = RunProbe(PostgresSpec{.host = "127.0.0.1", .port = port}, Duration::Seconds(2));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output.rfind("postgres: connect: ", 0), 0u) << outcome.result.output;
  EXPECT_EQ(outcome.role, Role::kUnknown);
}

TEST_F(PostgresProbeTest, StreamingReplicaReportsRoleAndReplayLsn) {
  const std::string primary_data = dir_.path() + "/primary";
  ASSERT_NO_FATAL_FAILURE(
      RunTool({"initdb", "-D", primary_data, "-U", "postgres", "-A", "trust", "--no-sync"}));
  const uint16_t primary_port = testing::FreePort();
  ProbeOutcome outcome;
  auto primary = StartServer(primary_data, primary_port, &outcome);
  ASSERT_TRUE(outcome.result.ok) << outcome.result.output << "; see " << log_;

  const std::string replica_data = dir_.path() + "/replica";
  ASSERT_NO_FATAL_FAILURE(
      RunTool({"pg_basebackup", "-h", "127.0.0.1", "-p", std::to_string(primary_port), "-U",
               "postgres", "-D", replica_data, "-R", "-X", "stream", "--no-sync"}));
  const uint16_t replica_port = testing::FreePort();
  auto replica = StartServer(replica_data, replica_port, &outcome);
  ASSERT_TRUE(outcome.result.ok) << outcome.result.output << "; see " << log_;
  EXPECT_EQ(outcome.role, Role::kReplica);
  ASSERT_TRUE(outcome.position.has_value()) << outcome.result.output;
  EXPECT_EQ(outcome.result.output, "postgres: role replica, lsn " + outcome.position_text);
}

TEST(PostgresProbeResolveTest, UnresolvableHost) {
  ProbeOutcome outcome =
      RunProbe(PostgresSpec{.host = "no-such-host.invalid"}, Duration::Seconds(5));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output.rfind("resolve: no-such-host.invalid: ", 0), 0u)
      << outcome.result.output;
}

}  // namespace
}  // namespace baton::probe
