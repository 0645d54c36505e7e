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

// PostgreSQL refuses to run as root: initdb and postgres run as the
// `postgres` user in a temporary directory it owns.
TEST(PostgresProbeTest, PrimaryPassesThenFailsOnceStopped) {
  const passwd* pw = getpwnam("postgres");
  ASSERT_NE(pw, nullptr) << "this test needs a `postgres` system user to run PostgreSQL as";
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  testing::TempDir dir;
  ASSERT_EQ(chown(dir.path().c_str(), uid, gid), 0);
  const std::string data = dir.path() + "/data";
  const std::string log = dir.path() + "/postgres.log";

  testing::ChildProcess initdb(
      {std::string(kBin) + "initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"}, log,
      uid, gid);
  const std::optional<int> initdb_status = initdb.Wait(Duration::Seconds(120));
  ASSERT_TRUE(initdb_status.has_value()) << "initdb did not finish; see " << log;
  ASSERT_TRUE(WIFEXITED(*initdb_status) && WEXITSTATUS(*initdb_status) == 0)
      << "initdb failed; see " << log;

  const uint16_t port = testing::FreePort();
  auto postgres = std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{std::string(kBin) + "postgres", "-D", data, "-p",
                               std::to_string(port), "-k", dir.path(), "-c",
                               "listen_addresses=127.0.0.1", "-c", "fsync=off"},
      log, uid, gid);
  const PostgresSpec spec{.host = "127.0.0.1", .port = port};
  ProbeOutcome outcome;
  ASSERT_TRUE(
      testing::WaitUntil([&] { return (outcome = RunProbe(spec, Duration::Seconds(2))).result.ok; },
                         Duration::Seconds(60)))
      << outcome.result.output << "; see " << log;
  EXPECT_EQ(outcome.role, Role::kPrimary);
  ASSERT_TRUE(outcome.position.has_value());
  EXPECT_GT(*outcome.position, 0u);
  EXPECT_NE(outcome.position_text.find('/'), std::string::npos);
  EXPECT_EQ(outcome.result.output, "postgres: role primary, lsn " + outcome.position_text);

  postgres->Signal(SIGINT);  // fast shutdown
  ASSERT_TRUE(postgres->Wait(Duration::Seconds(30)).has_value());
  outcome = RunProbe(spec, Duration::Seconds(2));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output.rfind("postgres: connect: ", 0), 0u) << outcome.result.output;
  EXPECT_EQ(outcome.role, Role::kUnknown);
}

TEST(PostgresProbeTest, UnresolvableHost) {
  ProbeOutcome outcome =
      RunProbe(PostgresSpec{.host = "no-such-host.invalid"}, Duration::Seconds(5));
  EXPECT_FALSE(outcome.result.ok);
  EXPECT_EQ(outcome.result.output.rfind("resolve: no-such-host.invalid: ", 0), 0u)
      << outcome.result.output;
}

}  // namespace
}  // namespace baton::probe
