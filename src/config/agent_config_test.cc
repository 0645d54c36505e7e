#include "config/agent_config.h"

#include <gtest/gtest.h>

namespace baton::config {
namespace {

// The config of node n1 in a three-node cluster, consistent in every field.
AgentConfig ValidConfig() {
  AgentConfig c;
  c.node = {"n1", 1};
  c.cluster.name = "demo";
  c.listen.peer = {"127.0.0.1", 7101};
  c.listen.admin = {"127.0.0.1", 7201};
  c.peers = {{"n1", 1, {"127.0.0.1", 7101}},
             {"n2", 2, {"127.0.0.1", 7102}},
             {"n3", 3, {"127.0.0.1", 7103}}};
  c.data_dir = "/var/lib/baton/n1";
  c.tls = {"ca.pem", "n1.pem", "n1.key", false};
  return c;
}

TEST(AgentConfig, DefaultsAreTheDocumentedOnes) {
  const AgentConfig c;
  EXPECT_EQ(c.timing.tick, Duration::Millis(10));
  EXPECT_EQ(c.timing.heartbeat, Duration::Millis(50));
  EXPECT_EQ(c.timing.election_timeout, Duration::Millis(500));
  EXPECT_EQ(c.timing.clock_drift_margin, Duration::Millis(50));
  EXPECT_FALSE(c.tls.insecure_plaintext);
  EXPECT_EQ(c.log.level, LogLevel::kInfo);
  EXPECT_EQ(c.log.format, LogFormat::kText);
}

TEST(AgentConfig, ValidConfigPassesAndTicksAreDerivedFromTheTick) {
  AgentConfig c = ValidConfig();
  EXPECT_EQ(c.Check(), std::nullopt);
  EXPECT_TRUE(c.Validate().ok());
  EXPECT_EQ(c.timing.election_ticks(), 50);
  EXPECT_EQ(c.timing.heartbeat_ticks(), 5);
  c.timing.tick = Duration::Millis(25);
  EXPECT_EQ(c.timing.election_ticks(), 20);
  EXPECT_EQ(c.timing.heartbeat_ticks(), 2);
}

TEST(AgentConfig, ValidateNamesTheKey) {
  AgentConfig c = ValidConfig();
  c.data_dir.clear();
  EXPECT_EQ(c.Validate().ToString(), "InvalidArgument: data_dir: must be set");
}

// Each case breaks one rule of a valid config and names the violation expected.
struct BrokenRule {
  const char* rule;
  void (*mutate)(AgentConfig*);
  Violation expected;
};

class AgentConfigRule : public testing::TestWithParam<BrokenRule> {};

TEST_P(AgentConfigRule, IsReportedAtTheKeyItBlames) {
  AgentConfig c = ValidConfig();
  GetParam().mutate(&c);
  EXPECT_EQ(c.Check(), GetParam().expected);
}

const BrokenRule kRules[] = {
    {"names are words",
     [](AgentConfig* c) { c->node.name = "n 1"; },
     {"node.name", "expected letters, digits, '.', '_' or '-', got \"n 1\""}},
    {"the cluster has a name",
     [](AgentConfig* c) { c->cluster.name = ""; },
     {"cluster.name", "must not be empty"}},
    {"node id is positive",
     [](AgentConfig* c) { c->node.id = 0; },
     {"node.id", "must be positive"}},
    {"admin and peer listeners differ",
     [](AgentConfig* c) { c->listen.admin = c->listen.peer; },
     {"listen.admin", "must differ from listen.peer (127.0.0.1:7101)"}},
    {"peers are listed",
     [](AgentConfig* c) { c->peers.clear(); },
     {"peers", "must list the initial voters, this node included"}},
    {"peer ids are unique",
     [](AgentConfig* c) { c->peers[2].id = 2; },
     {"peers[2].id", "2 is also in peers[1]"}},
    {"peer names are unique",
     [](AgentConfig* c) { c->peers[2].name = "n1"; },
     {"peers[2].name", "'n1' is also in peers[0]"}},
    {"peer addresses are unique",
     [](AgentConfig* c) { c->peers[1].address.port = 7101; },
     {"peers[1].address", "127.0.0.1:7101 is also in peers[0]"}},
    {"this node is a peer",
     [](AgentConfig* c) { c->node.id = 4; },
     {"node.id", "4 is not the id of any entry in peers"}},
    {"this node's peer entry has its name",
     [](AgentConfig* c) { c->peers[0].name = "n4"; },
     {"node.name", "'n1' differs from peers[0].name 'n4', the entry with this node's id"}},
    {"listen.peer is this node's peer address",
     [](AgentConfig* c) { c->listen.peer.port = 7109; },
     {"listen.peer",
      "127.0.0.1:7109 differs from peers[0].address 127.0.0.1:7101, this node's entry"}},
    {"tick is positive",
     [](AgentConfig* c) { c->timing.tick = Duration::Zero(); },
     {"timing.tick", "must be positive"}},
    {"heartbeat is a multiple of tick",
     [](AgentConfig* c) { c->timing.heartbeat = Duration::Millis(55); },
     {"timing.heartbeat", "must be a multiple of timing.tick (10ms), got 55ms"}},
    {"election timeout is a multiple of tick",
     [](AgentConfig* c) { c->timing.election_timeout = Duration::Millis(505); },
     {"timing.election_timeout", "must be a multiple of timing.tick (10ms), got 505ms"}},
    {"election timeout is at least three heartbeats",
     [](AgentConfig* c) { c->timing.election_timeout = Duration::Millis(140); },
     {"timing.election_timeout", "must be at least 3 * timing.heartbeat (150ms), got 140ms"}},
    {"drift margin is under half the election timeout",
     [](AgentConfig* c) { c->timing.clock_drift_margin = Duration::Millis(250); },
     {"timing.clock_drift_margin",
      "must be less than timing.election_timeout / 2 (250ms), got 250ms"}},
    {"TLS is never silently off",
     [](AgentConfig* c) { c->tls = {}; },
     {"tls",
      "peer traffic is never plaintext by default; set all of tls.ca, tls.cert and tls.key, "
      "or insecure_plaintext: true"}},
    {"TLS needs all three files",
     [](AgentConfig* c) { c->tls.key.clear(); },
     {"tls.key", "missing; set all of tls.ca, tls.cert and tls.key, or insecure_plaintext: true"}},
    {"plaintext excludes TLS files",
     [](AgentConfig* c) { c->tls.insecure_plaintext = true; },
     {"tls.insecure_plaintext",
      "true conflicts with tls.ca; set all of tls.ca, tls.cert and tls.key, or "
      "insecure_plaintext: true"}},
};

INSTANTIATE_TEST_SUITE_P(EveryRule, AgentConfigRule, testing::ValuesIn(kRules),
                         [](const testing::TestParamInfo<BrokenRule>& info) {
                           std::string name;
                           for (const char* p = info.param.rule; *p; ++p) {
                             if (std::isalnum(static_cast<unsigned char>(*p))) name += *p;
                           }
                           return name;
                         });

TEST(AgentConfig, ExplicitPlaintextWithoutFilesIsAccepted) {
  AgentConfig c = ValidConfig();
  c.tls = {};
  c.tls.insecure_plaintext = true;
  EXPECT_EQ(c.Check(), std::nullopt);
}

}  // namespace
}  // namespace baton::config
