#include "config/load_agent_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/test_text.h"

namespace baton::config {
namespace {

// A complete config for node n1. Line numbers matter: the error tests below
// assert them (line 3 is node.id, line 7 listen.peer, lines 10-12 the peers,
// lines 14-18 timing, lines 19-22 tls).
constexpr std::string_view kValid = R"(node:
  name: n1
  id: 1
cluster:
  name: demo
listen:
  peer: "127.0.0.1:7101"
  admin: "127.0.0.1:7201"
peers:
  - { name: n1, id: 1, address: "127.0.0.1:7101" }
  - { name: n2, id: 2, address: "127.0.0.1:7102" }
  - { name: n3, id: 3, address: "127.0.0.1:7103" }
data_dir: /var/lib/baton/n1
timing:
  tick: 10ms
  heartbeat: 50ms
  election_timeout: 500ms
  clock_drift_margin: 50ms
tls:
  ca: ca.pem
  cert: n1.pem
  key: n1.key
admin:
  token_file: admin.token
log:
  level: debug
  format: json
)";

// kValid with the first occurrence of `from` replaced by `to`.
std::string Edit(std::string_view from, std::string_view to) { return Replaced(kValid, from, to); }

TEST(ParseAgentConfig, ReadsACompleteFile) {
  Result<AgentConfig> parsed = ParseAgentConfig(kValid, "/etc/baton/n1.yaml");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  const AgentConfig& c = *parsed;
  EXPECT_EQ(c.node.name, "n1");
  EXPECT_EQ(c.node.id, 1u);
  EXPECT_EQ(c.cluster.name, "demo");
  EXPECT_EQ(c.listen.peer, (HostPort{"127.0.0.1", 7101}));
  EXPECT_EQ(c.listen.admin, (HostPort{"127.0.0.1", 7201}));
  ASSERT_EQ(c.peers.size(), 3u);
  EXPECT_EQ(c.peers[2].name, "n3");
  EXPECT_EQ(c.peers[2].id, 3u);
  EXPECT_EQ(c.peers[2].address, (HostPort{"127.0.0.1", 7103}));
  EXPECT_EQ(c.data_dir, "/var/lib/baton/n1");
  EXPECT_EQ(c.timing.tick, Duration::Millis(10));
  EXPECT_EQ(c.timing.election_ticks(), 50);
  EXPECT_EQ(c.timing.heartbeat_ticks(), 5);
  EXPECT_EQ(c.timing.clock_drift_margin, Duration::Millis(50));
  EXPECT_EQ(c.tls.ca, "/etc/baton/ca.pem");
  EXPECT_EQ(c.tls.cert, "/etc/baton/n1.pem");
  EXPECT_EQ(c.tls.key, "/etc/baton/n1.key");
  EXPECT_FALSE(c.tls.insecure_plaintext);
  EXPECT_EQ(c.admin.token_file, "/etc/baton/admin.token");
  EXPECT_EQ(c.log.level, LogLevel::kDebug);
  EXPECT_EQ(c.log.format, LogFormat::kJson);
}

TEST(ParseAgentConfig, OptionalSectionsTakeTheirDefaults) {
  Result<AgentConfig> parsed = ParseAgentConfig(
      "node: { name: n1, id: 1 }\n"
      "cluster: { name: demo }\n"
      "listen: { peer: \"127.0.0.1:7101\", admin: \"127.0.0.1:7201\" }\n"
      "peers: [{ name: n1, id: 1, address: \"127.0.0.1:7101\" }]\n"
      "data_dir: /tmp/n1\n"
      "tls: { insecure_plaintext: true }\n",
      "n1.yaml");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->timing.election_timeout, Duration::Millis(500));
  EXPECT_EQ(parsed->admin.token_file, "");
  EXPECT_EQ(parsed->log.level, LogLevel::kInfo);
  EXPECT_TRUE(parsed->tls.insecure_plaintext);
}

TEST(ParseAgentConfig, UnknownKeySuggestsTheKeyMeant) {
  EXPECT_EQ(ErrorFor(Edit("  election_timeout:", "  electon_timeout:")),
            "n1.yaml:17: timing.electon_timeout: unknown key (did you mean 'election_timeout'?)");
  EXPECT_EQ(ErrorFor(Edit("data_dir:", "datadir:")),
            "n1.yaml:13: datadir: unknown key (did you mean 'data_dir'?)");
  EXPECT_EQ(ErrorFor(Edit("log:", "logging:")), "n1.yaml:25: logging: unknown key");
}

TEST(ParseAgentConfig, MalformedValuesNameLineKeyAndText) {
  EXPECT_EQ(ErrorFor(Edit("\"127.0.0.1:7101\"", "\"127.0.0.1\"")),
            "n1.yaml:7: listen.peer: expected host:port, got \"127.0.0.1\"");
  EXPECT_EQ(ErrorFor(Edit("id: 1\n", "id: abc\n")),
            "n1.yaml:3: node.id: expected a positive integer, got \"abc\"");
  EXPECT_EQ(ErrorFor(Edit("id: 2,", "id: two,")),
            "n1.yaml:11: peers[1].id: expected a positive integer, got \"two\"");
  EXPECT_EQ(ErrorFor(Edit("tick: 10ms", "tick: 10")),
            "n1.yaml:15: timing.tick: expected a duration such as 500ms or 10s, got \"10\"");
  EXPECT_EQ(ErrorFor(Edit("level: debug", "level: verbose")),
            "n1.yaml:26: log.level: expected one of debug, info, warn, error, got \"verbose\"");
  EXPECT_EQ(ErrorFor(Edit("  key: n1.key\n", "  key: n1.key\n  insecure_plaintext: no\n")),
            "n1.yaml:23: tls.insecure_plaintext: expected true or false, got \"no\"");
  EXPECT_EQ(ErrorFor(Edit("cluster:\n  name: demo", "cluster: demo")),
            "n1.yaml:4: cluster: expected a mapping, got \"demo\"");
}

TEST(ParseAgentConfig, MissingRequiredKeysNameTheEnclosingSection) {
  EXPECT_EQ(ErrorFor(Edit("  id: 1\n", "")), "n1.yaml:1: node.id: missing required key");
  EXPECT_EQ(ErrorFor(Edit("  admin: \"127.0.0.1:7201\"\n", "")),
            "n1.yaml:6: listen.admin: missing required key");
  EXPECT_EQ(ErrorFor(Edit(", address: \"127.0.0.1:7103\"", "")),
            "n1.yaml:12: peers[2].address: missing required key");
  EXPECT_EQ(ErrorFor(Edit("data_dir: /var/lib/baton/n1\n", "")),
            "n1.yaml:1: data_dir: missing required key");
}

TEST(ParseAgentConfig, CrossFieldRulesNameTheLineOfTheKeyTheyBlame) {
  EXPECT_EQ(ErrorFor(Edit("heartbeat: 50ms", "heartbeat: 55ms")),
            "n1.yaml:16: timing.heartbeat: must be a multiple of timing.tick (10ms), got 55ms");
  EXPECT_EQ(ErrorFor(Edit("election_timeout: 500ms", "election_timeout: 505ms")),
            "n1.yaml:17: timing.election_timeout: must be a multiple of timing.tick (10ms), got "
            "505ms");
  EXPECT_EQ(ErrorFor(Edit("election_timeout: 500ms", "election_timeout: 100ms")),
            "n1.yaml:17: timing.election_timeout: must be at least 3 * timing.heartbeat (150ms), "
            "got 100ms");
  EXPECT_EQ(ErrorFor(Edit("clock_drift_margin: 50ms", "clock_drift_margin: 300ms")),
            "n1.yaml:18: timing.clock_drift_margin: must be less than timing.election_timeout / 2 "
            "(250ms), got 300ms");
  EXPECT_EQ(ErrorFor(Edit("id: 1\n", "id: 4\n")),
            "n1.yaml:3: node.id: 4 is not the id of any entry in peers");
  EXPECT_EQ(ErrorFor(Edit("name: n1\n", "name: n9\n")),
            "n1.yaml:2: node.name: 'n9' differs from peers[0].name 'n1', the entry with this "
            "node's id");
  EXPECT_EQ(ErrorFor(Edit("peer: \"127.0.0.1:7101\"", "peer: \"127.0.0.1:7109\"")),
            "n1.yaml:7: listen.peer: 127.0.0.1:7109 differs from peers[0].address 127.0.0.1:7101, "
            "this node's entry");
  EXPECT_EQ(ErrorFor(Edit("id: 3,", "id: 2,")), "n1.yaml:12: peers[2].id: 2 is also in peers[1]");
  EXPECT_EQ(ErrorFor(Edit("name: n3,", "name: n2,")),
            "n1.yaml:12: peers[2].name: 'n2' is also in peers[1]");
  EXPECT_EQ(ErrorFor(Edit("\"127.0.0.1:7103\"", "\"127.0.0.1:7102\"")),
            "n1.yaml:12: peers[2].address: 127.0.0.1:7102 is also in peers[1]");
  EXPECT_EQ(ErrorFor(Edit("admin: \"127.0.0.1:7201\"", "admin: \"127.0.0.1:7101\"")),
            "n1.yaml:8: listen.admin: must differ from listen.peer (127.0.0.1:7101)");
  EXPECT_EQ(ErrorFor(Edit("name: demo", "name: \"my demo\"")),
            "n1.yaml:5: cluster.name: expected letters, digits, '.', '_' or '-', got \"my demo\"");
}

TEST(ParseAgentConfig, StoreHistoryBoundsAreReadAndValidated) {
  Result<AgentConfig> defaults = ParseAgentConfig(kValid, "n1.yaml");
  ASSERT_TRUE(defaults.has_value()) << defaults.error().ToString();
  EXPECT_EQ(defaults->store.history_revisions, 10000u);
  EXPECT_EQ(defaults->store.history_bytes, uint64_t{64} << 20);
  Result<AgentConfig> set = ParseAgentConfig(Edit("format: json\n",
                                                  "format: json\nstore:\n  history_revisions: 500\n"
                                                  "  history_bytes: 2000000\n"),
                                             "n1.yaml");
  ASSERT_TRUE(set.has_value()) << set.error().ToString();
  EXPECT_EQ(set->store.history_revisions, 500u);
  EXPECT_EQ(set->store.history_bytes, 2000000u);
  EXPECT_NE(ErrorFor(Edit("format: json\n", "format: json\nstore: { history_revisions: 50 }\n"))
                .find("store.history_revisions: must be at least 100, got 50"),
            std::string::npos);
  EXPECT_NE(ErrorFor(Edit("format: json\n", "format: json\nstore: { history_bytes: 1000 }\n"))
                .find("store.history_bytes: must be at least 1048576"),
            std::string::npos);
}

TEST(ParseAgentConfig, TlsIsAllThreeFilesOrExplicitPlaintext) {
  EXPECT_EQ(ErrorFor(Edit("tls:\n  ca: ca.pem\n  cert: n1.pem\n  key: n1.key\n", "")),
            "n1.yaml:1: tls: peer traffic is never plaintext by default; set all of tls.ca, "
            "tls.cert and tls.key, or insecure_plaintext: true");
  EXPECT_EQ(ErrorFor(Edit("  key: n1.key\n", "")),
            "n1.yaml:19: tls.key: missing; set all of tls.ca, tls.cert and tls.key, or "
            "insecure_plaintext: true");
  EXPECT_EQ(ErrorFor(Edit("  key: n1.key\n", "  key: n1.key\n  insecure_plaintext: true\n")),
            "n1.yaml:23: tls.insecure_plaintext: true conflicts with tls.ca; set all of tls.ca, "
            "tls.cert and tls.key, or insecure_plaintext: true");
  EXPECT_EQ(ErrorFor(Edit("  ca: ca.pem\n  cert: n1.pem\n  key: n1.key\n",
                          "  insecure_plaintext: true\n")),
            "");
}

TEST(ParseAgentConfig, RelativePathsResolveAgainstTheConfigFilesDirectory) {
  const std::string text = Edit("data_dir: /var/lib/baton/n1", "data_dir: data/n1");
  Result<AgentConfig> in_etc = ParseAgentConfig(
      Edit("token_file: admin.token", "token_file: ../secrets/admin.token"), "/etc/baton/n1.yaml");
  ASSERT_TRUE(in_etc.has_value()) << in_etc.error().ToString();
  EXPECT_EQ(in_etc->admin.token_file, "/etc/secrets/admin.token");
  EXPECT_EQ(in_etc->data_dir, "/var/lib/baton/n1");  // absolute paths stay as written

  Result<AgentConfig> nested = ParseAgentConfig(text, "conf/cluster/n1.yaml");
  ASSERT_TRUE(nested.has_value()) << nested.error().ToString();
  EXPECT_EQ(nested->data_dir, "conf/cluster/data/n1");
  EXPECT_EQ(nested->tls.ca, "conf/cluster/ca.pem");

  Result<AgentConfig> here = ParseAgentConfig(text, "n1.yaml");
  ASSERT_TRUE(here.has_value()) << here.error().ToString();
  EXPECT_EQ(here->data_dir, "data/n1");
  EXPECT_EQ(here->tls.key, "n1.key");
}

TEST(LoadAgentConfig, ReadsTheFileAndNamesItInErrors) {
  const std::filesystem::path dir = std::filesystem::path(testing::TempDir()).lexically_normal();
  const std::string path = (dir / "load_agent_config_test_n1.yaml").string();
  {
    std::ofstream file(path);
    file << Edit("tick: 10ms", "tikc: 10ms");
  }
  Result<AgentConfig> broken = LoadAgentConfig(path);
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().message(),
            path + ":15: timing.tikc: unknown key (did you mean 'tick'?)");
  {
    std::ofstream file(path);
    file << kValid;
  }
  Result<AgentConfig> loaded = LoadAgentConfig(path);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  EXPECT_EQ(loaded->tls.ca, (dir / "ca.pem").string());
}

TEST(LoadAgentConfig, AnUnreadableFileIsAnIOError) {
  Result<AgentConfig> missing = LoadAgentConfig("/nonexistent/baton/n1.yaml");
  ASSERT_FALSE(missing.has_value());
  EXPECT_TRUE(missing.error().IsIOError());
  EXPECT_EQ(missing.error().message(), "/nonexistent/baton/n1.yaml: No such file or directory");
  Result<AgentConfig> directory = LoadAgentConfig(testing::TempDir());
  ASSERT_FALSE(directory.has_value());
  EXPECT_TRUE(directory.error().IsIOError());
}

TEST(LoadAgentConfig, TheThreeNodeExampleParsesAndIsOneCluster) {
  const std::string dir = std::string(BATON_SOURCE_DIR) + "/examples/three-node";
  for (uint64_t id = 1; id <= 3; ++id) {
    const std::string name = "n" + std::to_string(id);
    Result<AgentConfig> c = LoadAgentConfig(dir + "/" + name + ".yaml");
    ASSERT_TRUE(c.has_value()) << c.error().ToString();
    EXPECT_EQ(c->node.name, name);
    EXPECT_EQ(c->node.id, id);
    EXPECT_EQ(c->cluster.name, "example");
    EXPECT_EQ(c->listen.peer, (HostPort{"127.0.0.1", static_cast<uint16_t>(7100 + id)}));
    EXPECT_EQ(c->listen.admin, (HostPort{"127.0.0.1", static_cast<uint16_t>(7200 + id)}));
    EXPECT_EQ(c->peers.size(), 3u);
    EXPECT_EQ(c->data_dir, "/tmp/baton-example/" + name);
    EXPECT_EQ(c->tls.ca, dir + "/certs/ca.pem");
    EXPECT_EQ(c->tls.cert, dir + "/certs/" + name + ".pem");
    EXPECT_EQ(c->tls.key, dir + "/certs/" + name + ".key");
  }
}

}  // namespace
}  // namespace baton::config
