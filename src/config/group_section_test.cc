// The groups: and sentinel: sections: a complete file, then one test per
// kind of mistake, each asserting the key path and the line it is reported at.
#include <gtest/gtest.h>

#include <variant>

#include "config/load_agent_config.h"
#include "config/test_text.h"

namespace baton::config {
namespace {

// Lines matter: the error tests assert them.
constexpr std::string_view kValid = R"(node: {name: n1, id: 1}
cluster: {name: demo}
listen: {peer: "127.0.0.1:7101", admin: "127.0.0.1:7201"}
peers:
  - {name: n1, id: 1, address: "127.0.0.1:7101"}
  - {name: n2, id: 2, address: "127.0.0.1:7102"}
data_dir: /var/lib/baton/n1
tls: {insecure_plaintext: true}
detection: {heartbeat_interval: 50ms, detector: fixed, threshold: 4.5, health_refresh: 2s}
sentinel:
  listen: 127.0.0.1:26379
groups:
  - name: cache
    mode: active-passive
    replication: semi-sync
    sync_acks: 1
    lease_ttl: 3s
    drift_margin: 500ms
    failover: manual
    failback: automatic
    failback_stable: 1m
    max_lag_bytes: 4096
    timeouts: {fence: 5s, promote: 2s, command_attempts: 2}
    tilt: {max_tick_gap: 1s, period: 10s}
    fencing: {command: [/usr/local/bin/stonith, --node], timeout: 7s}
    notify: {command: [logger, -t, baton], webhook: "http://127.0.0.1:9000/x", timeout: 2s}
    proxy: {read_write: "127.0.0.1:6400", balance: round-robin}
    members:
      - name: r1
        node: n1
        address: 127.0.0.1:7001
        priority: 0
        standby: warm
        adapter: {kind: redis, password_file: redis.pass, port: 7001}
        checks:
          - name: ping
            kind: liveness
            interval: 200ms
            timeout: 100ms
            rise: 1
            fall: 2
            jitter: 0
            redis: {host: 127.0.0.1, port: 7001, password_file: redis.pass}
          - name: page
            http: {host: 127.0.0.1, port: 8080, path: /health, expect_status: [200, "204-299"]}
          - name: lag
            kind: deep
            exec: {shell: "test -f /tmp/ok", output_limit: 100}
        supervise:
          command: [redis-server, --port, "7001"]
          log_path: logs/r1.log
          stop_grace: 2s
          restart: {initial_backoff: 100ms, multiplier: 1.5, max_restarts: 2, budget_window: 1m}
      - name: r2
        node: n2
        address: 127.0.0.1:7002
        adapter: {kind: exec}
        checks:
          - {name: port, tcp: {host: 127.0.0.1, port: 7002}}
          - {name: pg, postgres: {host: 127.0.0.1, user: baton}}
admin: {token_file: /etc/baton/admin.token}
)";

// kValid with the first occurrence of `from` replaced by `to`.
std::string Edit(std::string_view from, std::string_view to) { return Replaced(kValid, from, to); }

TEST(GroupSection, ReadsEveryKey) {
  Result<AgentConfig> parsed = ParseAgentConfig(kValid, "/etc/baton/n1.yaml");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  const AgentConfig& c = *parsed;
  EXPECT_EQ(c.detection.heartbeat_interval, Duration::Millis(50));
  EXPECT_EQ(c.detection.detector, DetectorKind::kFixed);
  EXPECT_EQ(c.detection.EffectiveThreshold(), 4.5);
  EXPECT_EQ(c.detection.health_refresh, Duration::Seconds(2));
  ASSERT_TRUE(c.sentinel.has_value());
  EXPECT_EQ(*c.sentinel, (HostPort{"127.0.0.1", 26379}));
  ASSERT_EQ(c.groups.size(), 1u);
  const GroupSpec& g = c.groups[0];
  EXPECT_EQ(g.line, 13);
  EXPECT_EQ(g.group.name, "cache");
  EXPECT_EQ(g.group.replication, failover::Replication::kSemiSync);
  EXPECT_EQ(g.group.lease_ttl, Duration::Seconds(3));
  EXPECT_EQ(g.group.drift_margin, Duration::Millis(500));
  EXPECT_EQ(g.group.failover, failover::FailoverMode::kManual);
  EXPECT_EQ(g.group.failback, failover::Failback::kAutomatic);
  EXPECT_EQ(g.group.failback_stable, Duration::Seconds(60));
  EXPECT_EQ(g.group.max_lag_bytes, 4096u);
  EXPECT_EQ(g.group.timeouts.fence, Duration::Seconds(5));
  EXPECT_EQ(g.group.timeouts.promote, Duration::Seconds(2));
  EXPECT_EQ(g.group.timeouts.wait_promotion, Duration::Seconds(15));  // default kept
  EXPECT_EQ(g.group.timeouts.command_attempts, 2);
  EXPECT_EQ(g.group.tilt.max_tick_gap, Duration::Seconds(1));
  EXPECT_TRUE(g.group.fencing_hook);
  ASSERT_TRUE(g.fencing.has_value());
  EXPECT_EQ(g.fencing->command, (std::vector<std::string>{"/usr/local/bin/stonith", "--node"}));
  EXPECT_EQ(g.fencing->timeout, Duration::Seconds(7));
  ASSERT_TRUE(g.notify.has_value());
  EXPECT_EQ(g.notify->webhook, "http://127.0.0.1:9000/x");
  EXPECT_EQ(g.notify->command.size(), 3u);
  EXPECT_EQ(g.proxy.at("read_write").value, "127.0.0.1:6400");
  EXPECT_EQ(g.proxy.at("balance").line, 27);

  ASSERT_EQ(g.group.members.size(), 2u);
  const failover::MemberConfig& r1 = g.group.members[0];
  EXPECT_EQ(r1.name, "r1");
  EXPECT_EQ(r1.node, "n1");
  EXPECT_EQ(r1.address, "127.0.0.1:7001");
  EXPECT_EQ(r1.priority, 0);
  EXPECT_EQ(r1.standby, failover::StandbyKind::kWarm);
  EXPECT_EQ(g.group.members[1].priority, 100);

  const MemberSpec* spec = g.FindMember("r1");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->adapter.kind, "redis");
  EXPECT_EQ(spec->adapter.settings.size(), 2u);
  EXPECT_EQ(spec->adapter.settings.at("port").value, "7001");
  EXPECT_EQ(spec->adapter.settings.at("password_file").line, 34);
  ASSERT_EQ(spec->checks.size(), 3u);
  const CheckSpec& ping = spec->checks[0];
  EXPECT_EQ(ping.name, "ping");
  EXPECT_EQ(ping.line, 36);
  EXPECT_EQ(ping.config.kind, detect::CheckKind::kLiveness);
  EXPECT_EQ(ping.config.interval, Duration::Millis(200));
  EXPECT_EQ(ping.config.timeout, Duration::Millis(100));
  EXPECT_EQ(ping.config.rise, 1);
  EXPECT_EQ(ping.config.fall, 2);
  EXPECT_EQ(ping.config.jitter, Duration::Zero());
  ASSERT_TRUE(std::holds_alternative<probe::RedisSpec>(ping.probe));
  EXPECT_EQ(std::get<probe::RedisSpec>(ping.probe).port, 7001);
  EXPECT_EQ(ping.password_file, "/etc/baton/redis.pass");
  const auto& http = std::get<probe::HttpSpec>(spec->checks[1].probe);
  EXPECT_EQ(http.path, "/health");
  ASSERT_EQ(http.expected_status.size(), 2u);
  EXPECT_EQ(http.expected_status[1].lo, 204);
  EXPECT_EQ(http.expected_status[1].hi, 299);
  EXPECT_EQ(spec->checks[1].config.kind, detect::CheckKind::kReadiness);
  const auto& exec = std::get<probe::ExecSpec>(spec->checks[2].probe);
  EXPECT_TRUE(exec.shell);
  EXPECT_EQ(exec.command, (std::vector<std::string>{"test -f /tmp/ok"}));
  EXPECT_EQ(exec.output_limit_bytes, 100u);

  ASSERT_TRUE(spec->supervise.has_value());
  EXPECT_EQ(spec->supervise->member, "r1");
  EXPECT_EQ(spec->supervise->command.size(), 3u);
  EXPECT_EQ(spec->supervise->log_path, "/etc/baton/logs/r1.log");
  EXPECT_EQ(spec->supervise->stop_grace, Duration::Seconds(2));
  EXPECT_EQ(spec->supervise->restart.multiplier, 1.5);
  EXPECT_EQ(spec->supervise->restart.max_restarts, 2);

  const MemberSpec* r2 = g.FindMember("r2");
  ASSERT_NE(r2, nullptr);
  EXPECT_FALSE(r2->supervise.has_value());
  EXPECT_EQ(std::get<probe::TcpSpec>(r2->checks[0].probe).port, 7002);
  const auto& pg = std::get<probe::PostgresSpec>(r2->checks[1].probe);
  EXPECT_EQ(pg.user, "baton");
  EXPECT_EQ(pg.port, 5432);
  EXPECT_EQ(g.FindMember("r3"), nullptr);
}

TEST(GroupSection, GroupsAndSentinelAreOptional) {
  std::string text(kValid);
  text = text.substr(0, text.find("sentinel:"));
  Result<AgentConfig> parsed = ParseAgentConfig(text, "n1.yaml");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_TRUE(parsed->groups.empty());
  EXPECT_FALSE(parsed->sentinel.has_value());
}

struct BadCase {
  std::string_view from;
  std::string_view to;
  std::string_view error;
};

class GroupSectionError : public testing::TestWithParam<BadCase> {};

TEST_P(GroupSectionError, NamesKeyAndLine) {
  EXPECT_EQ(ErrorFor(Edit(GetParam().from, GetParam().to)), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GroupSectionError,
    testing::Values(
        BadCase{"detector: fixed", "detector: gossip",
                "n1.yaml:9: detection.detector: expected one of phi, fixed, got \"gossip\""},
        BadCase{"health_refresh: 2s", "health_refresh: 100ms",
                "n1.yaml:9: detection.health_refresh: must be at least 1s, got 100ms"},
        BadCase{"threshold: 4.5", "threshold: -1",
                "n1.yaml:9: detection.threshold: must be positive"},
        BadCase{"  listen: 127.0.0.1:26379", "  listen: 26379",
                "n1.yaml:11: sentinel.listen: expected host:port, got \"26379\""},
        BadCase{"  listen: 127.0.0.1:26379", "  listen: 127.0.0.1:7201",
                "n1.yaml:11: sentinel.listen: 127.0.0.1:7201 is already listen.peer or "
                "listen.admin"},
        BadCase{"    mode: active-passive", "    mode: hot",
                "n1.yaml:14: groups[0].mode: expected one of active-passive, active-active, got "
                "\"hot\""},
        BadCase{"    lease_ttl: 3s", "    lease_tll: 3s",
                "n1.yaml:17: groups[0].lease_tll: unknown key (did you mean 'lease_ttl'?)"},
        BadCase{"    sync_acks: 1", "    sync_acks: [1]",
                "n1.yaml:16: groups[0].sync_acks: expected a non-negative integer, got a "
                "sequence"},
        BadCase{"    sync_acks: 1", "    sync_acks: 2",
                "n1.yaml:16: groups[0].sync_acks: sync_acks must be in [1, members - 1], got 2"},
        BadCase{"    drift_margin: 500ms", "    drift_margin: 1s",
                "n1.yaml:18: groups[0].drift_margin: drift_margin (1s) must be < lease_ttl / 3 "
                "(1s) so the primary renews at least twice before self-fencing"},
        BadCase{"{fence: 5s,", "{fence: 1s,",
                "n1.yaml:23: groups[0].timeouts.fence: timeouts.fence (1s) must be > lease_ttl + "
                "drift_margin"},
        BadCase{"command_attempts: 2}", "command_attempts: x}",
                "n1.yaml:23: groups[0].timeouts.command_attempts: expected a non-negative "
                "integer, got \"x\""},
        BadCase{"fencing: {command: [/usr/local/bin/stonith, --node], timeout: 7s}",
                "fencing: {timeout: 7s}",
                "n1.yaml:25: groups[0].fencing.command: missing required key"},
        BadCase{"fencing: {command: [/usr/local/bin/stonith, --node]", "fencing: {command: [[a]]",
                "n1.yaml:25: groups[0].fencing.command[0]: expected a string, got a sequence"},
        BadCase{"webhook: \"http://127.0.0.1:9000/x\"", "webhook: \"https://x/\"",
                "n1.yaml:26: groups[0].notify.webhook: expected http://host[:port]/path, got "
                "\"https://x/\""},
        BadCase{"notify: {command: [logger, -t, baton], webhook: \"http://127.0.0.1:9000/x\", "
                "timeout: 2s}",
                "notify: {timeout: 2s}",
                "n1.yaml:26: groups[0].notify: give a command, a webhook or both"},
        BadCase{"proxy: {read_write: \"127.0.0.1:6400\"", "proxy: {read_write: [1]",
                "n1.yaml:27: groups[0].proxy.read_write: expected a scalar, got a sequence"},
        BadCase{"    members:\n", "    memberz:\n",
                "n1.yaml:28: groups[0].memberz: unknown key (did you mean 'members'?)"},
        BadCase{"        node: n1", "        node: n9",
                "n1.yaml:30: groups[0].members[0].node: 'n9' is not the name of any entry in "
                "peers"},
        BadCase{"      - name: r2", "      - name: r1",
                "n1.yaml:54: groups[0].members[1].name: 'r1' is also groups[0].members[0].name"},
        BadCase{"        address: 127.0.0.1:7001", "        address: localhost",
                "n1.yaml:31: groups[0].members[0].address: expected host:port, got "
                "\"localhost\""},
        BadCase{"        standby: warm", "        standby: tepid",
                "n1.yaml:33: groups[0].members[0].standby: expected one of hot, warm, cold, got "
                "\"tepid\""},
        BadCase{"adapter: {kind: exec}", "adapter: {type: exec}",
                "n1.yaml:57: groups[0].members[1].adapter.kind: missing required key"},
        BadCase{"        adapter: {kind: exec}\n", "",
                "n1.yaml:54: groups[0].members[1].adapter: missing required key"},
        BadCase{"            interval: 200ms", "            interval: 200",
                "n1.yaml:38: groups[0].members[0].checks[0].interval: expected a duration such "
                "as 500ms or 10s, got \"200\""},
        BadCase{"            timeout: 100ms", "            timeout: 300ms",
                "n1.yaml:39: groups[0].members[0].checks[0].timeout: check timeout (300ms) must "
                "be < interval (200ms) so that at most one probe is in flight"},
        BadCase{"            rise: 1", "            rise: 0",
                "n1.yaml:40: groups[0].members[0].checks[0].rise: check rise must be >= 1, got 0"},
        BadCase{"          - name: page", "          - name: ping",
                "n1.yaml:44: groups[0].members[0].checks[1].name: 'ping' is also "
                "groups[0].members[0].checks[0].name"},
        BadCase{"            kind: deep", "            kind: shallow",
                "n1.yaml:47: groups[0].members[0].checks[2].kind: expected one of liveness, "
                "readiness, deep, got \"shallow\""},
        BadCase{"            redis: {host: 127.0.0.1, port: 7001, password_file: redis.pass}",
                "            redis: {host: 127.0.0.1, port: 70001}",
                "n1.yaml:43: groups[0].members[0].checks[0].redis.port: expected a port "
                "(1-65535), got \"70001\""},
        BadCase{"            redis: {host: 127.0.0.1, port: 7001, password_file: redis.pass}",
                "            redis: {host: 127.0.0.1, pasword: x}",
                "n1.yaml:43: groups[0].members[0].checks[0].redis.pasword: unknown key"},
        BadCase{"            redis: {host: 127.0.0.1, port: 7001, password_file: redis.pass}",
                "            tcp: {host: 127.0.0.1, port: 7001}\n"
                "            redis: {host: 127.0.0.1}",
                "n1.yaml:36: groups[0].members[0].checks[0]: has more than one probe; give "
                "exactly one of tcp, http, exec, redis or postgres"},
        BadCase{"          - {name: port, tcp: {host: 127.0.0.1, port: 7002}}",
                "          - {name: port}",
                "n1.yaml:59: groups[0].members[1].checks[0]: needs one probe: tcp, http, exec, "
                "redis or postgres"},
        BadCase{"          - {name: port, tcp: {host: 127.0.0.1, port: 7002}}",
                "          - {name: port, tcp: {host: \"\", port: 7002}}",
                "n1.yaml:59: groups[0].members[1].checks[0].tcp: tcp check needs a host"},
        BadCase{"expect_status: [200, \"204-299\"]", "expect_status: [200, \"ok\"]",
                "n1.yaml:45: groups[0].members[0].checks[1].http.expect_status[1]: expected a "
                "status code or a range \"200-299\", got \"ok\""},
        BadCase{"exec: {shell: \"test -f /tmp/ok\"", "exec: {command: [a], shell: \"b\"",
                "n1.yaml:48: groups[0].members[0].checks[2].exec.command: give exactly one of "
                "command and shell"},
        BadCase{"          log_path: logs/r1.log\n", "",
                "n1.yaml:49: groups[0].members[0].supervise.log_path: missing required key"},
        BadCase{"          stop_grace: 2s", "          stop_grace: soon",
                "n1.yaml:52: groups[0].members[0].supervise.stop_grace: expected a duration such "
                "as 500ms or 10s, got \"soon\""},
        BadCase{"multiplier: 1.5", "multiplier: 0.5",
                "n1.yaml:53: groups[0].members[0].supervise.restart.multiplier: restart "
                "multiplier must be >= 1, got 0.500000"},
        BadCase{"multiplier: 1.5", "multiplier: lots",
                "n1.yaml:53: groups[0].members[0].supervise.restart.multiplier: expected a "
                "number, got \"lots\""},
        BadCase{"          command: [redis-server, --port, \"7001\"]", "          command: []",
                "n1.yaml:50: groups[0].members[0].supervise.command: must name a program"},
        BadCase{"sentinel:\n  listen: 127.0.0.1:26379\n", "sentinel: on\n",
                "n1.yaml:10: sentinel: expected a mapping, got \"on\""}));

// Followers send their failover writes to the store leader's admin API with
// the token: without one, or with an admin address the others cannot reach,
// failover would silently never happen.
TEST(GroupSection, GroupsNeedAnAdminTokenAndAnAdminAddressThePeersReach) {
  EXPECT_EQ(ErrorFor(Edit("admin: {token_file: /etc/baton/admin.token}\n", "")),
            "n1.yaml:12: groups: need admin.token_file: the other agents send their failover "
            "writes to the store leader's admin API with that token (docs/agent.md)");
  std::string remote_peer = Edit(R"(- {name: n2, id: 2, address: "127.0.0.1:7102"})",
                                 R"(- {name: n2, id: 2, address: "10.0.0.2:7102"})");
  EXPECT_EQ(ErrorFor(remote_peer),
            "n1.yaml:3: listen.admin: 127.0.0.1:7201 is loopback, but peer n2 "
            "(10.0.0.2:7102) is on another host and could not reach it; groups need an admin "
            "address the other agents reach");
  EXPECT_EQ(
      ErrorFor(Replaced(remote_peer, R"(admin: "127.0.0.1:7201")", R"(admin: "10.0.0.1:7201")")),
      "");
}

TEST(GroupSection, GroupNamesAreUnique) {
  std::string text(kValid);
  const size_t start = text.find("  - name: cache");
  const size_t end = text.find("\nadmin:") + 1;
  text.insert(end, text.substr(start, end - start));
  EXPECT_EQ(ErrorFor(text), "n1.yaml:61: groups[1].name: 'cache' is also groups[0].name");
}

}  // namespace
}  // namespace baton::config
