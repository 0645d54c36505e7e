// RedisAdapter against real redis-servers (Debian's) on 127.0.0.1, started
// per test with no persistence in a temporary directory and ended by pid.
#include "adapters/redis_adapter.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "probe/test_util.h"

namespace baton::adapters {
namespace {

namespace t = probe::testing;

Instant In(Duration d) { return SteadyNow() + d; }

class Server {
 public:
  // With `config_file`, the options go into a file the server is started
  // from (CONFIG REWRITE then keeps what the adapter set); else on argv.
  explicit Server(const t::TempDir& dir, std::vector<std::string> extra = {},
                  bool config_file = false)
      : port_(t::FreePort()), log_(dir.path() + "/redis-" + std::to_string(port_) + ".log") {
    // Options as pairs: no persistence, immediate diskless sync for fast tests.
    const std::vector<std::pair<std::string, std::string>> options = {
        {"port", std::to_string(port_)},
        {"bind", "127.0.0.1"},
        {"save", ""},
        {"appendonly", "no"},
        {"repl-diskless-sync-delay", "0"},
        {"dir", dir.path()},
        {"dbfilename", "dump-" + std::to_string(port_) + ".rdb"}};
    argv_ = {"/usr/bin/redis-server"};
    if (config_file) {
      const std::string path = dir.path() + "/redis-" + std::to_string(port_) + ".conf";
      std::ofstream conf(path);
      for (const auto& [name, value] : options) {
        conf << name << " " << (value.empty() ? "\"\"" : value) << "\n";
      }
      argv_.push_back(path);
    } else {
      for (const auto& [name, value] : options) {
        argv_.push_back("--" + name);
        argv_.push_back(value);
      }
    }
    argv_.insert(argv_.end(), extra.begin(), extra.end());
    Start();
  }
  // kill -9, then the same command line again (an operator's restart).
  void Restart() {
    process_->Signal(SIGKILL);
    ASSERT_TRUE(process_->Wait(Duration::Seconds(5)).has_value());
    Start();
  }
  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  t::ChildProcess& process() { return *process_; }

  // A client connection (WAIT counts the writes of its own connection).
  Result<std::unique_ptr<RedisConnection>> Connect(Duration timeout = Duration::Seconds(2)) {
    RedisEndpoint e{.host = "127.0.0.1",
                    .port = port_,
                    .password = "",
                    .connect_timeout = Duration::Millis(500)};
    return RedisConnection::Open(e, In(timeout));
  }
  // One command on a fresh client connection.
  Result<RedisReply> Run(const std::vector<std::string>& args,
                         Duration timeout = Duration::Seconds(2)) {
    Result<std::unique_ptr<RedisConnection>> c = Connect(timeout);
    if (!c.has_value()) return c.error();
    return (*c)->Run(args, In(timeout));
  }
  std::map<std::string, std::string> Info() {
    Result<RedisReply> r = Run({"INFO", "replication"});
    return r.has_value() ? ParseInfo(r->text) : std::map<std::string, std::string>{};
  }

 private:
  void Start() {
    process_ = std::make_unique<t::ChildProcess>(argv_, log_);
    // Up once it answers, even with an error (NOAUTH when a password is set).
    EXPECT_TRUE(t::WaitUntil(
        [&] {
          Result<RedisReply> r = Run({"PING"});
          return r.has_value() || r.error().code() == StatusCode::kFailedPrecondition;
        },
        Duration::Seconds(10)));
  }

  uint16_t port_;
  std::string log_;
  std::vector<std::string> argv_;
  std::unique_ptr<t::ChildProcess> process_;
};

const failover::GroupConfig kAsyncGroup;  // replication async, lease_ttl 10s

// A semi-sync group of `members` (addresses) needing `acks` acknowledgements.
failover::GroupConfig SemiSync(int acks, const std::vector<std::string>& members,
                               Duration lease_ttl = Duration::Seconds(10)) {
  failover::GroupConfig g;
  g.replication = failover::Replication::kSemiSync;
  g.sync_acks = acks;
  g.lease_ttl = lease_ttl;
  for (size_t i = 0; i < members.size(); ++i) {
    failover::MemberConfig m;
    m.name = "r" + std::to_string(i + 1);
    m.node = "n" + std::to_string(i + 1);
    m.address = members[i];
    g.members.push_back(m);
  }
  return g;
}

std::unique_ptr<Adapter> AdapterFor(const Server& s,
                                    std::map<std::string, AdapterSetting> settings = {},
                                    const failover::GroupConfig& group = kAsyncGroup) {
  AdapterConfig config{.kind = "redis", .settings = std::move(settings)};
  Result<std::unique_ptr<Adapter>> a = MakeRedisAdapter(config, s.address(), group);
  EXPECT_TRUE(a.has_value()) << a.status().ToString();
  return std::move(*a);
}

const Duration kStep = Duration::Seconds(5);

TEST(RedisAdapterConfigTest, DefaultsComeFromTheMemberAddress) {
  Result<RedisAdapterOptions> o =
      ParseRedisAdapterConfig({.kind = "redis", .settings = {}}, "10.0.0.5:7001", kAsyncGroup);
  ASSERT_TRUE(o.has_value()) << o.status().ToString();
  EXPECT_EQ(o->endpoint.host, "10.0.0.5");
  EXPECT_EQ(o->endpoint.port, 7001);
  EXPECT_EQ(o->min_replicas_to_write, 0);
  EXPECT_EQ(o->min_replicas_max_lag, 10);
}

TEST(RedisAdapterConfigTest, TheWatchdogFenceKeyIsLeftToTheWatchdog) {
  AdapterConfig c{.kind = "redis",
                  .settings = {{"watchdog_fence", {"redis-cli -p 7001 shutdown nosave", 3}}}};
  EXPECT_TRUE(ParseRedisAdapterConfig(c, "127.0.0.1:7001", kAsyncGroup).has_value());
}

TEST(RedisAdapterConfigTest, BadValuesNameTheKeyAndLine) {
  AdapterConfig c{.kind = "redis", .settings = {{"min_replicas_max_lag", {"0", 12}}}};
  Result<RedisAdapterOptions> o = ParseRedisAdapterConfig(c, "127.0.0.1:1", kAsyncGroup);
  ASSERT_FALSE(o.has_value());
  EXPECT_EQ(o.error().message(),
            "line 12: adapter.min_replicas_max_lag: expected seconds 1-3600, got \"0\"");
  c.settings = {{"connect_timout", {"1s", 7}}};
  o = ParseRedisAdapterConfig(c, "127.0.0.1:1", kAsyncGroup);
  ASSERT_FALSE(o.has_value());
  EXPECT_EQ(o.error().message().rfind("line 7: adapter.connect_timout: unknown key", 0), 0u)
      << o.error().message();
  c.settings = {{"connect_timeout", {"soon", 3}}};
  EXPECT_FALSE(ParseRedisAdapterConfig(c, "127.0.0.1:1", kAsyncGroup).has_value());
  EXPECT_FALSE(ParseRedisAdapterConfig({.kind = "redis", .settings = {}}, "nohost", kAsyncGroup)
                   .has_value());
  c.settings = {{"password_file", {"/nonexistent/redis.pass", 5}}};
  o = ParseRedisAdapterConfig(c, "127.0.0.1:1", kAsyncGroup);
  ASSERT_FALSE(o.has_value());
  EXPECT_EQ(o.error().message(),
            "line 5: adapter.password_file: expected a readable file holding the password, got "
            "\"/nonexistent/redis.pass\"");
}

TEST(RedisAdapterConfigTest, SemiSyncAndSyncSetMinReplicasFromTheGroup) {
  const std::vector<std::string> members = {"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"};
  const failover::GroupConfig semi = SemiSync(2, members, Duration::Seconds(3));
  Result<RedisAdapterOptions> o =
      ParseRedisAdapterConfig({.kind = "redis", .settings = {}}, members[0], semi);
  ASSERT_TRUE(o.has_value()) << o.status().ToString();
  EXPECT_EQ(o->min_replicas_to_write, 2);
  EXPECT_EQ(o->acked_replicas, 2);
  EXPECT_EQ(o->min_replicas_max_lag, 3) << "one lease_ttl, in whole seconds";

  AdapterConfig c{.kind = "redis", .settings = {{"min_replicas_to_write", {"1", 8}}}};
  o = ParseRedisAdapterConfig(c, members[0], semi);
  ASSERT_FALSE(o.has_value());
  EXPECT_EQ(o.error().message(),
            "line 8: adapter.min_replicas_to_write: expected at least 2 (replication semi-sync "
            "needs that many replicas to acknowledge a write), or unset, got \"1\"");
  c.settings = {{"min_replicas_to_write", {"3", 8}}, {"min_replicas_max_lag", {"5", 9}}};
  o = ParseRedisAdapterConfig(c, members[0], semi);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->min_replicas_to_write, 3);
  EXPECT_EQ(o->min_replicas_max_lag, 5);

  failover::GroupConfig sync = SemiSync(1, members);
  sync.replication = failover::Replication::kSync;
  sync.members[2].standby = failover::StandbyKind::kWarm;
  o = ParseRedisAdapterConfig({.kind = "redis", .settings = {}}, members[0], sync);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->acked_replicas, 1) << "every other hot standby: r2 (r3 is warm)";
  EXPECT_EQ(o->min_replicas_to_write, 1);
}

// Semi-sync with sync_acks 2 on three real servers: Promote sets
// min-replicas-to-write 2, and the primary reports as acknowledged exactly
// what two replicas confirmed (what a client's WAIT 2 covers), never a write
// only one replica has, and never less after a replica leaves.
TEST(RedisAdapterTest, SemiSyncPrimaryReportsWhatEnoughReplicasAcknowledged) {
  t::TempDir dir;
  Server a(dir), b(dir), c(dir);
  const failover::GroupConfig group =
      SemiSync(2, {a.address(), b.address(), c.address()}, Duration::Seconds(1));
  auto ad_a = AdapterFor(a, {}, group);
  auto ad_b = AdapterFor(b, {}, group);
  auto ad_c = AdapterFor(c, {}, group);
  ASSERT_TRUE(ad_a->Promote(1, In(kStep)).ok());
  EXPECT_EQ(a.Run({"CONFIG", "GET", "min-replicas-to-write"})->elements.at(1).text, "2");
  ASSERT_TRUE(ad_b->Follow(a.address(), 1, In(kStep)).ok());
  ASSERT_TRUE(ad_c->Follow(a.address(), 1, In(kStep)).ok());
  EXPECT_EQ(b.Run({"CONFIG", "GET", "min-replicas-to-write"})->elements.at(1).text, "2")
      << "kept on a replica (Redis ignores it there), so a replica promoted by hand has it";

  // A write both replicas confirmed (WAIT 2) is acknowledged.
  Result<std::unique_ptr<RedisConnection>> client = a.Connect();
  ASSERT_TRUE(client.has_value());
  // SET, the primary's offset right after it, then WAIT 2 (whose GETACK
  // moves the offset on): (replicas that acknowledged, offset of the write).
  auto write_and_wait = [&](const std::string& key, const std::string& value, int timeout_ms) {
    EXPECT_TRUE((*client)->Run({"SET", key, value}, In(kStep)).has_value());
    Result<RedisReply> info = (*client)->Run({"INFO", "replication"}, In(kStep));
    Result<RedisReply> acks = (*client)->Run({"WAIT", "2", std::to_string(timeout_ms)}, In(kStep));
    return std::make_pair(
        acks.has_value() ? acks->integer : -1,
        info.has_value() ? std::stoull(ParseInfo(info->text)["master_repl_offset"]) : 0);
  };
  ASSERT_TRUE(t::WaitUntil(
      [&] {
        return a.Run({"SET", "k0", "v"}).has_value();
      },
      Duration::Seconds(10)));
  const auto [acks1, both] = write_and_wait("k1", "v", 5000);
  ASSERT_EQ(acks1, 2);
  Result<MemberState> s = ad_a->Observe(In(kStep));
  ASSERT_TRUE(s.has_value()) << s.status().ToString();
  EXPECT_EQ(s->role, failover::MemberRole::kPrimary);
  EXPECT_GE(s->acked_position, both);
  EXPECT_LE(s->acked_position, s->position);
  EXPECT_EQ(ad_b->Observe(In(kStep))->acked_position, 0u) << "a replica acknowledges nothing";

  // c stops acknowledging: a write only b confirmed is not acknowledged.
  c.process().Signal(SIGSTOP);
  const auto [acks2, one] = write_and_wait("k2", std::string(1000, 'x'), 300);
  EXPECT_EQ(acks2, 1);
  s = ad_a->Observe(In(kStep));
  ASSERT_TRUE(s.has_value());
  EXPECT_GE(s->position, one);
  EXPECT_LT(s->acked_position, one);
  const failover::Position acked = s->acked_position;
  EXPECT_GE(acked, both);

  // b leaves too: what was acknowledged stays acknowledged.
  ASSERT_TRUE(ad_b->Promote(2, In(kStep)).ok());
  c.process().Signal(SIGCONT);
  ASSERT_TRUE(ad_c->Follow(b.address(), 2, In(kStep)).ok());
  s = ad_a->Observe(In(kStep));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->acked_position, acked);
}

TEST(RedisAdapterTest, FollowThenPromoteAndObservePositionsAdvance) {
  t::TempDir dir;
  Server a(dir), b(dir);
  auto ad_a = AdapterFor(a);
  auto ad_b = AdapterFor(b);
  ASSERT_TRUE(ad_b->Follow(a.address(), 1, In(kStep)).ok());
  ASSERT_TRUE(ad_b->Follow(a.address(), 1, In(kStep)).ok());  // idempotent
  Result<MemberState> sb = Status::Unavailable("not observed");
  ASSERT_TRUE(t::WaitUntil(
      [&] {
        sb = ad_b->Observe(In(kStep));
        return sb.has_value() && sb->detail.starts_with("link up");
      },
      Duration::Seconds(10)));
  EXPECT_EQ(sb->role, failover::MemberRole::kReplica);
  EXPECT_EQ(sb->following, a.address());
  EXPECT_EQ(sb->replicating, true);

  Result<MemberState> sa = ad_a->Observe(In(kStep));
  ASSERT_TRUE(sa.has_value());
  EXPECT_EQ(sa->role, failover::MemberRole::kPrimary);
  EXPECT_EQ(sa->replicating, std::nullopt) << "a primary has no stream to judge";
  const failover::Position before = sa->position;
  ASSERT_TRUE(a.Run({"SET", "k", std::string(500, 'x')}).has_value());
  ASSERT_TRUE(t::WaitUntil(
      [&] {
        sb = ad_b->Observe(In(kStep));
        return sb.has_value() && sb->position >= before + 500;
      },
      Duration::Seconds(10)));
  EXPECT_EQ(sb->history, ad_a->Observe(In(kStep))->history);

  ASSERT_TRUE(ad_b->Promote(2, In(kStep)).ok());
  ASSERT_TRUE(ad_b->Promote(2, In(kStep)).ok());  // idempotent
  sb = ad_b->Observe(In(kStep));
  ASSERT_TRUE(sb.has_value());
  EXPECT_EQ(sb->role, failover::MemberRole::kPrimary);
  EXPECT_TRUE(b.Run({"SET", "k2", "v"}).has_value());
  Result<RedisReply> got = b.Run({"GET", "k"});
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->text, std::string(500, 'x'));
}

TEST(RedisAdapterTest, FenceRefusesWritesAtOnceAndPassesOnADeadServer) {
  t::TempDir dir;
  Server a(dir);
  auto ad = AdapterFor(a);
  ASSERT_TRUE(a.Run({"SET", "k", "1"}).has_value());
  ASSERT_TRUE(ad->Fence(In(kStep)).ok());
  Result<RedisReply> write = a.Run({"SET", "k", "2"});
  ASSERT_FALSE(write.has_value());
  EXPECT_NE(write.error().message().find("NOREPLICAS"), std::string::npos)
      << write.error().message();
  Result<RedisReply> read = a.Run({"GET", "k"});
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->text, "1");
  Result<MemberState> s = ad->Observe(In(kStep));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->role, failover::MemberRole::kFenced);

  // Promote lifts the fence.
  ASSERT_TRUE(ad->Promote(3, In(kStep)).ok());
  EXPECT_TRUE(a.Run({"SET", "k", "3"}).has_value());

  a.process().Signal(SIGKILL);
  ASSERT_TRUE(a.process().Wait(Duration::Seconds(5)).has_value());
  EXPECT_TRUE(ad->Fence(In(kStep)).ok());
  EXPECT_TRUE(ad->Observe(In(kStep)).status().IsUnavailable());
}

TEST(RedisAdapterTest, FenceClosesClientConnectionsButNotReplicasOrSubscribers) {
  t::TempDir dir;
  Server a(dir), b(dir);
  auto ad_a = AdapterFor(a);
  auto ad_b = AdapterFor(b);
  ASSERT_TRUE(ad_b->Follow(a.address(), 1, In(kStep)).ok());
  ASSERT_TRUE(
      t::WaitUntil([&] { return a.Info()["connected_slaves"] == "1"; }, Duration::Seconds(10)));
  ASSERT_TRUE(ad_a->Observe(In(kStep)).has_value());  // the adapter's own connection is open
  Result<std::unique_ptr<RedisConnection>> client = a.Connect();
  ASSERT_TRUE(client.has_value());
  ASSERT_TRUE((*client)->Run({"SET", "k", "1"}, In(kStep)).has_value());
  Result<std::unique_ptr<RedisConnection>> subscriber = a.Connect();
  ASSERT_TRUE(subscriber.has_value());
  ASSERT_TRUE((*subscriber)->Run({"SUBSCRIBE", "c"}, In(kStep)).has_value());

  ASSERT_TRUE(ad_a->Fence(In(kStep)).ok());
  // The client reads EOF: it must reconnect (and a Sentinel client rediscovers).
  EXPECT_TRUE((*client)->Run({"PING"}, In(kStep)).status().IsUnavailable());
  // The replica's link and the subscriber survive; the fence holds.
  EXPECT_EQ(a.Info()["connected_slaves"], "1");
  Result<RedisReply> clients = a.Run({"CLIENT", "LIST", "TYPE", "pubsub"});
  ASSERT_TRUE(clients.has_value());
  EXPECT_NE(clients->text.find("cmd=subscribe"), std::string::npos) << clients->text;
  Result<MemberState> s = ad_a->Observe(In(kStep));
  ASSERT_TRUE(s.has_value()) << s.status().ToString();
  EXPECT_EQ(s->role, failover::MemberRole::kFenced);
  Result<RedisReply> write = a.Run({"SET", "k", "2"});
  ASSERT_FALSE(write.has_value());
  EXPECT_NE(write.error().message().find("NOREPLICAS"), std::string::npos);
  // A client that came back is closed again at the next Observe.
  Result<std::unique_ptr<RedisConnection>> returned = a.Connect();
  ASSERT_TRUE(returned.has_value());
  ASSERT_TRUE((*returned)->Run({"GET", "k"}, In(kStep)).has_value());
  ASSERT_TRUE(ad_a->Observe(In(kStep)).has_value());
  EXPECT_TRUE((*returned)->Run({"PING"}, In(kStep)).status().IsUnavailable());
  // A second fence (a retry) succeeds too.
  EXPECT_TRUE(ad_a->Fence(In(kStep)).ok());
}

TEST(RedisAdapterTest, PasswordFromAFile) {
  t::TempDir dir;
  Server a(dir, {"--requirepass", "s3cret"});
  std::ofstream(dir.path() + "/redis.pass") << "s3cret\n";
  auto ad = AdapterFor(a, {{"password_file", {dir.path() + "/redis.pass", 2}}});
  Result<MemberState> s = ad->Observe(In(kStep));
  ASSERT_TRUE(s.has_value()) << s.status().ToString();
  EXPECT_EQ(s->role, failover::MemberRole::kPrimary);
  auto wrong = AdapterFor(a);
  EXPECT_NE(wrong->Observe(In(kStep)).status().message().find("NOAUTH"), std::string::npos);
}

TEST(RedisAdapterTest, FenceOnAHungServerWhoseProcessIsUnknownIsNotConfirmed) {
  t::TempDir dir;
  Server a(dir);
  auto ad = AdapterFor(a, {{"connect_timeout", {"200ms", 1}}});
  a.process().Signal(SIGSTOP);
  const Status s = ad->Fence(In(Duration::Millis(500)));
  a.process().Signal(SIGCONT);
  EXPECT_FALSE(s.ok());
}

// A hung server resumed later would take writes beside the new primary: the
// fence kills the process Observe learned once it gives no answer within
// fence_timeout, well before the command's own deadline.
TEST(RedisAdapterTest, FenceKillsAHungLocalServerWithinTheFenceTimeout) {
  t::TempDir dir;
  Server a(dir);
  auto ad = AdapterFor(a, {{"fence_timeout", {"150ms", 1}}});
  Result<MemberState> seen = ad->Observe(In(kStep));
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->process.substr(0, seen->process.find(':')), std::to_string(a.process().pid()));
  a.process().Signal(SIGSTOP);
  const Instant start = SteadyNow();
  EXPECT_TRUE(ad->Fence(In(kStep)).ok());
  EXPECT_LT(SteadyNow() - start, Duration::Seconds(2));
  const std::optional<int> exit = a.process().Wait(Duration::Seconds(2));
  ASSERT_TRUE(exit.has_value()) << "the hung server still runs";
  EXPECT_TRUE(WIFSIGNALED(*exit) && WTERMSIG(*exit) == SIGKILL);
}

// A fence sent from another node must never kill by pid: the pid it knows
// means nothing on this host.
TEST(RedisAdapterTest, ARemoteFencerNeverKills) {
  t::TempDir dir;
  Server a(dir);
  Result<RedisAdapterOptions> o =
      ParseRedisAdapterConfig({.kind = "redis", .settings = {}}, a.address(), kAsyncGroup);
  ASSERT_TRUE(o.has_value());
  o->local = false;
  o->fence_timeout = Duration::Millis(150);
  RedisAdapter remote(*o);
  ASSERT_TRUE(remote.Observe(In(kStep)).has_value());
  a.process().Signal(SIGSTOP);
  EXPECT_FALSE(remote.Fence(In(Duration::Seconds(1))).ok());
  EXPECT_FALSE(a.process().Wait(Duration::Millis(200)).has_value()) << "it was killed";
  a.process().Signal(SIGCONT);
}

// Promote, Follow and Fence keep the role in the server's config file with
// the fence set: a restarted former primary refuses writes, a restarted
// replica replicates again, and neither comes back a writable primary.
TEST(RedisAdapterTest, ARestartedServerComesBackFencedOrReplicating) {
  t::TempDir dir;
  Server a(dir, {}, /*config_file=*/true);
  Server b(dir, {}, /*config_file=*/true);
  auto ad = AdapterFor(a);
  auto bd = AdapterFor(b);
  ASSERT_TRUE(ad->Promote(1, In(kStep)).ok());
  ASSERT_TRUE(a.Run({"SET", "k", "1"}).has_value()) << "a promoted member takes writes";
  ASSERT_TRUE(bd->Follow(a.address(), 1, In(kStep)).ok());

  a.Restart();  // the primary crashed and an operator restarted it
  Result<RedisReply> write = a.Run({"SET", "k", "2"});
  ASSERT_FALSE(write.has_value()) << "a restarted former primary took a write";
  EXPECT_NE(write.error().message().find("NOREPLICAS"), std::string::npos);
  Result<MemberState> as = ad->Observe(In(kStep));
  ASSERT_TRUE(as.has_value());
  EXPECT_EQ(as->role, failover::MemberRole::kFenced);

  b.Restart();
  EXPECT_EQ(b.Info()["role"], "slave");
  EXPECT_EQ(b.Info()["master_port"], std::to_string(a.port()));

  ASSERT_TRUE(bd->Promote(2, In(kStep)).ok());
  ASSERT_TRUE(bd->Fence(In(kStep)).ok());
  b.Restart();
  EXPECT_FALSE(b.Run({"SET", "k", "3"}).has_value()) << "a fenced member came back writable";
}

// Without a config file the role cannot be kept, and Observe says so.
TEST(RedisAdapterTest, AServerWithoutAConfigFileSaysItsRoleIsNotKept) {
  t::TempDir dir;
  Server a(dir);
  auto ad = AdapterFor(a);
  ASSERT_TRUE(ad->Fence(In(kStep)).ok());
  Result<MemberState> s = ad->Observe(In(kStep));
  ASSERT_TRUE(s.has_value());
  EXPECT_NE(s->detail.find("role not kept across a restart"), std::string::npos) << s->detail;
}

TEST(RedisAdapterTest, MinReplicasToWriteMakesALonePrimaryRefuseWrites) {
  t::TempDir dir;
  Server a(dir), b(dir);
  auto ad_a =
      AdapterFor(a, {{"min_replicas_to_write", {"1", 1}}, {"min_replicas_max_lag", {"1", 2}}});
  auto ad_b = AdapterFor(b);
  ASSERT_TRUE(ad_a->Promote(1, In(kStep)).ok());
  ASSERT_TRUE(ad_b->Follow(a.address(), 1, In(kStep)).ok());
  ASSERT_TRUE(t::WaitUntil(
      [&] {
        return a.Run({"SET", "k", "1"}).has_value();
      },
      Duration::Seconds(10)));
  // The replica moves away (it follows someone else): the primary, whose
  // agent does nothing, refuses writes by itself within min_replicas_max_lag.
  ASSERT_TRUE(ad_b->Promote(2, In(kStep)).ok());
  const Instant start = SteadyNow();
  ASSERT_TRUE(t::WaitUntil(
      [&] {
        return !a.Run({"SET", "k", "2"}).has_value();
      },
      Duration::Seconds(10)));
  EXPECT_LT((SteadyNow() - start).millis(), 3000);
}

TEST(RedisAdapterTest, PauseWritesBlocksWritersUntilResume) {
  t::TempDir dir;
  Server a(dir);
  auto ad = AdapterFor(a);
  ASSERT_TRUE(ad->PauseWrites(In(kStep)).ok());
  EXPECT_EQ(ad->Observe(In(kStep))->role, failover::MemberRole::kWritesPaused);
  Result<RedisReply> write = a.Run({"SET", "k", "1"}, Duration::Millis(300));
  ASSERT_FALSE(write.has_value());
  EXPECT_TRUE(write.error().IsTimeout()) << write.error().ToString();
  EXPECT_TRUE(a.Run({"GET", "k"}, Duration::Millis(300)).has_value());  // reads go on
  ASSERT_TRUE(ad->ResumeWrites(In(kStep)).ok());
  EXPECT_TRUE(a.Run({"SET", "k", "1"}).has_value());
  EXPECT_EQ(ad->Observe(In(kStep))->role, failover::MemberRole::kPrimary);
}

// A switchover as the driver runs it: pause the primary, promote the caught-up
// replica, demote and re-point the old primary. A write blocked by the pause
// must fail, never succeed on the old primary after the switch.
TEST(RedisAdapterTest, SwitchoverLetsNoPausedWriteThroughOnTheOldPrimary) {
  t::TempDir dir;
  Server a(dir), b(dir);
  auto ad_a = AdapterFor(a);
  auto ad_b = AdapterFor(b);
  ASSERT_TRUE(ad_b->Follow(a.address(), 1, In(kStep)).ok());
  ASSERT_TRUE(a.Run({"SET", "before", "1"}).has_value());
  ASSERT_TRUE(ad_a->PauseWrites(In(kStep)).ok());
  Result<RedisReply> blocked = Status::Unavailable("not run");
  std::thread writer([&] { blocked = a.Run({"SET", "during", "1"}, Duration::Seconds(10)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The target has everything the primary took.
  ASSERT_TRUE(t::WaitUntil(
      [&] { return ad_b->Observe(In(kStep))->position == ad_a->Observe(In(kStep))->position; },
      Duration::Seconds(10)));
  ASSERT_TRUE(ad_a->Demote(2, In(kStep)).ok());
  ASSERT_TRUE(ad_b->Promote(2, In(kStep)).ok());
  ASSERT_TRUE(ad_a->Follow(b.address(), 2, In(kStep)).ok());
  writer.join();
  ASSERT_FALSE(blocked.has_value());
  const std::string& why = blocked.error().message();
  // Demote closes client connections (so clients rediscover): the paused
  // write is dropped with its connection, or refused had it come later.
  EXPECT_TRUE(why.find("closed the connection") != std::string::npos ||
              why.find("NOREPLICAS") != std::string::npos ||
              why.find("READONLY") != std::string::npos)
      << why;
  EXPECT_EQ(b.Run({"GET", "before"})->text, "1");
  EXPECT_EQ(b.Run({"EXISTS", "during"})->integer, 0);
  EXPECT_TRUE(b.Run({"SET", "after", "1"}).has_value());
}

TEST(RedisAdapterTest, DivergenceOfAFormerPrimaryIsMeasuredAndSaved) {
  t::TempDir dir;
  const std::string saved_dir = dir.path() + "/saved";
  Server a(dir), b(dir);
  auto ad_a = AdapterFor(a, {{"save_dir", {saved_dir, 4}}});
  auto ad_b = AdapterFor(b);
  ASSERT_TRUE(ad_b->Follow(a.address(), 1, In(kStep)).ok());
  ASSERT_TRUE(a.Run({"SET", "shared", "1"}).has_value());
  ASSERT_TRUE(t::WaitUntil(
      [&] {
        return b.Run({"GET", "shared"})->text == "1";
      },
      Duration::Seconds(10)));
  ASSERT_TRUE(ad_b->Promote(2, In(kStep)).ok());
  // The former primary takes writes the new one never gets (a split brain).
  std::string value;  // incompressible, so the saved RDB must hold it
  uint32_t x = 12345;
  for (int i = 0; i < 2000; ++i) {
    x = x * 1103515245u + 12345u;
    value.push_back(static_cast<char>('a' + (x >> 16) % 26));
  }
  ASSERT_TRUE(a.Run({"SET", "lost", value}).has_value());

  Result<Divergence> d = ad_a->MeasureDivergence(b.address(), In(kStep));
  ASSERT_TRUE(d.has_value()) << d.status().ToString();
  std::map<std::string, std::string> info_b = b.Info();
  EXPECT_EQ(d->fork_position, std::stoull(info_b["second_repl_offset"]) - 1);
  EXPECT_GE(d->lost_bytes, 2000u);
  ASSERT_FALSE(d->saved_copy.empty());
  EXPECT_EQ(d->saved_copy.rfind(saved_dir + "/baton-diverged-", 0), 0u) << d->saved_copy;
  EXPECT_GT(std::filesystem::file_size(d->saved_copy), 2000u);

  // After following, the former primary has the new primary's data only.
  ASSERT_TRUE(ad_a->Follow(b.address(), 2, In(kStep)).ok());
  ASSERT_TRUE(t::WaitUntil(
      [&] {
        Result<RedisReply> r = a.Run({"EXISTS", "lost"});
        return r.has_value() && r->integer == 0;
      },
      Duration::Seconds(10)));
  // The new primary itself has nothing the other lacks.
  Result<Divergence> none = ad_b->MeasureDivergence(b.address(), In(kStep));
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->lost_bytes, 0u);
  EXPECT_EQ(none->saved_copy, "");
}

// A server with no replication history shared with the new primary (e.g.
// restarted from an older snapshot, which takes a new replication id) is not
// claimed to have lost its whole offset: nothing can be measured, which is
// said, and its data is set aside all the same. An empty one lost nothing.
TEST(RedisAdapterTest, DivergenceWithoutASharedHistoryIsNotMeasuredButSaved) {
  t::TempDir dir;
  const std::string saved_dir = dir.path() + "/saved";
  Server a(dir), b(dir);
  auto ad_a = AdapterFor(a, {{"save_dir", {saved_dir, 4}}});
  Result<Divergence> empty = ad_a->MeasureDivergence(b.address(), In(kStep));
  ASSERT_TRUE(empty.has_value()) << empty.status().ToString();
  EXPECT_EQ(empty->lost_bytes, 0u);
  EXPECT_EQ(empty->saved_copy, "");

  ASSERT_TRUE(a.Run({"SET", "only-here", "1"}).has_value());
  Result<Divergence> d = ad_a->MeasureDivergence(b.address(), In(kStep));
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(d.status().message().find("cannot be measured"), std::string::npos);
  EXPECT_NE(d.status().message().find("set aside in " + saved_dir + "/baton-diverged-"),
            std::string::npos)
      << d.status().message();
}

TEST(RedisAdapterTest, WaitUntilGoneReturnsPromptlyAfterKill) {
  t::TempDir dir;
  Server a(dir);
  auto ad = AdapterFor(a);
  std::atomic<bool> cancel{false};
  std::atomic<bool> done{false};
  Status result;
  Instant returned;
  std::thread waiter([&] {
    result = ad->WaitUntilGone(cancel);
    returned = SteadyNow();
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(done.load());
  const Instant killed = SteadyNow();
  a.process().Signal(SIGKILL);
  ASSERT_TRUE(t::WaitUntil([&] { return done.load(); }, Duration::Seconds(5)));
  waiter.join();
  EXPECT_TRUE(result.IsUnavailable()) << result.ToString();
  EXPECT_LT((returned - killed).millis(), 100);
}

TEST(RedisAdapterTest, WaitUntilGoneStopsWhenCancelled) {
  t::TempDir dir;
  Server a(dir);
  auto ad = AdapterFor(a);
  std::atomic<bool> cancel{false};
  Status result;
  std::thread waiter([&] { result = ad->WaitUntilGone(cancel); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  cancel = true;
  waiter.join();
  EXPECT_TRUE(result.code() == StatusCode::kAborted) << result.ToString();
}

TEST(RedisAdapterTest, StartAndStopAColdStandby) {
  t::TempDir dir;
  const uint16_t port = t::FreePort();
  const std::string pidfile = dir.path() + "/cold.pid";
  const std::string conf = dir.path() + "/cold.conf";
  std::ofstream(conf) << "bind 127.0.0.1\nsave \"\"\nappendonly no\ndir " << dir.path()
                      << "\npidfile " << pidfile << "\nlogfile " << dir.path() << "/cold.log\n";
  AdapterConfig config{.kind = "redis", .settings = {{"server_config", {conf, 9}}}};
  auto ad = MakeRedisAdapter(config, "127.0.0.1:" + std::to_string(port), kAsyncGroup);
  ASSERT_TRUE(ad.has_value());
  const Status started = (*ad)->Start(In(Duration::Seconds(10)));
  pid_t pid = 0;
  std::ifstream(pidfile) >> pid;
  EXPECT_TRUE(started.ok()) << started.ToString();
  EXPECT_TRUE((*ad)->Start(In(kStep)).ok());  // already running
  EXPECT_EQ((*ad)->Observe(In(kStep))->role, failover::MemberRole::kPrimary);
  EXPECT_TRUE((*ad)->Stop(In(Duration::Seconds(10))).ok());
  EXPECT_TRUE((*ad)->Observe(In(kStep)).status().IsUnavailable());
  EXPECT_TRUE((*ad)->Stop(In(kStep)).ok());                 // already stopped
  if (pid > 0 && t::ProcessAlive(pid)) kill(pid, SIGKILL);  // a failed Stop leaves nothing behind
}

}  // namespace
}  // namespace baton::adapters
