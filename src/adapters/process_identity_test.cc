#include "adapters/process_identity.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapters/redis_connection.h"
#include "probe/test_util.h"

namespace baton::adapters {
namespace {

namespace t = probe::testing;

TEST(ProcessIdentityTest, NamesThisProcessAndRoundTripsAsText) {
  Result<ProcessIdentity> self = IdentifyProcess(getpid());
  ASSERT_TRUE(self.has_value()) << self.status().ToString();
  EXPECT_EQ(self->pid, getpid());
  EXPECT_GT(self->start_ticks, 0u);
  Result<ProcessIdentity> parsed = ParseProcessIdentity(self->ToString());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, *self);
}

TEST(ProcessIdentityTest, MalformedTextIsRefused) {
  for (const char* text : {"", "12", "12:", ":5", "x:5", "12:5x", "0:5", "-3:5"}) {
    EXPECT_FALSE(ParseProcessIdentity(text).has_value()) << text;
  }
}

TEST(ProcessIdentityTest, KillEndsThatProcessAndSparesARecycledPid) {
  t::TempDir dir;
  t::ChildProcess child({"/bin/sleep", "30"}, dir.path() + "/sleep.log");
  Result<ProcessIdentity> id = IdentifyProcess(child.pid());
  ASSERT_TRUE(id.has_value());

  // Same pid, another start time: not the process that was seen.
  ProcessIdentity other = *id;
  other.start_ticks += 1;
  EXPECT_TRUE(KillProcess(other, SteadyNow() + Duration::Seconds(1)).ok());
  EXPECT_FALSE(child.Wait(Duration::Millis(100)).has_value()) << "a different process was killed";

  EXPECT_TRUE(KillProcess(*id, SteadyNow() + Duration::Seconds(2)).ok());
  const std::optional<int> exit = child.Wait(Duration::Seconds(2));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(WIFSIGNALED(*exit) && WTERMSIG(*exit) == SIGKILL);
  EXPECT_TRUE(KillProcess(*id, SteadyNow() + Duration::Seconds(1)).ok()) << "gone already";
}

}  // namespace
}  // namespace baton::adapters
