#include "config/limits_section.h"

#include <gtest/gtest.h>

#include "config/load_agent_config.h"
#include "config/test_text.h"

namespace baton::config {
namespace {

constexpr std::string_view kBase = R"(node: { name: n1, id: 1 }
cluster: { name: demo }
listen: { peer: "127.0.0.1:7101", admin: "127.0.0.1:7201" }
peers:
  - { name: n1, id: 1, address: "127.0.0.1:7101" }
  - { name: n2, id: 2, address: "127.0.0.1:7102" }
data_dir: /tmp/n1
timing: { tick: 10ms, heartbeat: 50ms, election_timeout: 500ms }
tls: { insecure_plaintext: true }
)";

std::string With(std::string_view extra) { return std::string(kBase) + std::string(extra); }

TEST(LimitsSection, DefaultsWhenLeftOut) {
  Result<AgentConfig> c = ParseAgentConfig(kBase, "n1.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->limits.admin.max_connections, 256u);
  EXPECT_EQ(c->limits.admin.max_unauthenticated, 64u);
  EXPECT_EQ(c->limits.admin.idle_timeout, Duration::Seconds(10));
  EXPECT_EQ(c->limits.peer.max_connections, 64u);
  EXPECT_EQ(c->limits.sentinel.idle_timeout, Duration::Zero());
  EXPECT_EQ(c->limits.reserved_descriptors, 128u);
}

TEST(LimitsSection, ReadsEveryKey) {
  Result<AgentConfig> c = ParseAgentConfig(
      With("limits:\n"
           "  admin: { max_connections: 100, max_unauthenticated: 10, handshake_timeout: 2s, "
           "idle_timeout: 30s }\n"
           "  peer: { max_connections: 8, max_unauthenticated: 4, handshake_timeout: 1s }\n"
           "  sentinel: { max_connections: 50, idle_timeout: 5m }\n"
           "  reserved_descriptors: 200\n"),
      "n1.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->limits.admin.max_connections, 100u);
  EXPECT_EQ(c->limits.admin.max_unauthenticated, 10u);
  EXPECT_EQ(c->limits.admin.handshake_timeout, Duration::Seconds(2));
  EXPECT_EQ(c->limits.admin.idle_timeout, Duration::Seconds(30));
  EXPECT_EQ(c->limits.peer.max_connections, 8u);
  EXPECT_EQ(c->limits.peer.handshake_timeout, Duration::Seconds(1));
  EXPECT_EQ(c->limits.sentinel.max_connections, 50u);
  EXPECT_EQ(c->limits.sentinel.max_unauthenticated, 50u);
  EXPECT_EQ(c->limits.sentinel.idle_timeout, Duration::Seconds(300));
  EXPECT_EQ(c->limits.reserved_descriptors, 200u);
}

TEST(LimitsSection, ErrorsNameTheKey) {
  EXPECT_NE(ErrorFor(With("limits: { admin: { max_unauthenticated: 300 } }\n"))
                .find("limits.admin.max_unauthenticated: must be 1 to max_connections (256)"),
            std::string::npos);
  EXPECT_NE(ErrorFor(With("limits: { peer: { max_connections: 1, max_unauthenticated: 1 } }\n"))
                .find("limits.peer.max_connections: must be at least the number of peers (2)"),
            std::string::npos);
  EXPECT_NE(ErrorFor(With("limits: { admin: { handshake_timeout: 0 } }\n"))
                .find("limits.admin.handshake_timeout"),
            std::string::npos);
  EXPECT_NE(ErrorFor(With("limits: { peer: { idle_timeout: 1s } }\n")).find("unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorFor(With("limits: { reserved_descriptors: 3 }\n"))
                .find("limits.reserved_descriptors: must be 16 to 65536"),
            std::string::npos);
}

TEST(TimingBounds, OverflowingDurationsAreErrorsNotWrappedValues) {
  const std::string overflow =
      Replaced(kBase, "election_timeout: 500ms", "election_timeout: 18446744074s");
  const std::string error = ErrorFor(overflow);
  EXPECT_NE(error.find("timing.election_timeout"), std::string::npos) << error;
  EXPECT_EQ(error.find("290"), std::string::npos) << error;
}

TEST(TimingBounds, ElectionTimeoutAndTickAreBounded) {
  EXPECT_NE(ErrorFor(Replaced(kBase, "election_timeout: 500ms", "election_timeout: 876000h"))
                .find("timing.election_timeout: must be at most 60s"),
            std::string::npos);
  EXPECT_NE(ErrorFor(Replaced(kBase, "tick: 10ms, heartbeat: 50ms", "tick: 100us, heartbeat: 50ms"))
                .find("timing.tick: must be 1ms to 1s"),
            std::string::npos);
}

TEST(TimingBounds, GroupLeaseMustOutliveAnElection) {
  const std::string group =
      "groups:\n"
      "  - name: g\n"
      "    lease_ttl: 30ms\n"
      "    drift_margin: 5ms\n"
      "    timeouts: { fence: 100ms }\n"
      "    members:\n"
      "      - { name: a, node: n1, address: \"127.0.0.1:6379\", adapter: { kind: exec } }\n";
  const std::string error = ErrorFor(With(group));
  EXPECT_NE(error.find("groups[0].lease_ttl: must be longer than timing.election_timeout "
                       "(500ms), got 30ms"),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace baton::config
