// FailoverService on an in-process three-agent cluster (real Raft store over
// TLS on 127.0.0.1): each node runs the service for its own member of group
// "cache"; the members are in-memory services whose role, epoch and position
// change only through the adapter calls, like a real replicated service.
#include "agent/failover_service.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <mutex>

#include "agent/test_cluster.h"
#include "probe/test_util.h"

namespace baton::agent {
namespace {

using failover::Epoch;
using failover::MemberRole;

// A member service: the state a real service keeps, changed only by the
// adapter calls. Thread-safe (adapter calls run on worker threads).
struct Service {
  mutable std::mutex mu;
  bool up = true;
  MemberRole role = MemberRole::kReplica;
  Epoch epoch = 0;  // the epoch it was promoted with
  std::string following;
  failover::Position position = 100;
  bool link = true;  // a replica's stream from its primary flows (reset by a follow)
  // A former primary (role not replica) followed: was it measured first?
  bool measured_before_follow = false;
  bool followed_unmeasured = false;

  MemberRole Role() const {
    std::lock_guard lock(mu);
    return role;
  }
  Epoch PromotedEpoch() const {
    std::lock_guard lock(mu);
    return epoch;
  }
  std::string Following() const {
    std::lock_guard lock(mu);
    return following;
  }
  void SetUp(bool value) {
    std::lock_guard lock(mu);
    up = value;
  }
};

class ServiceAdapter final : public adapters::Adapter {
 public:
  using PositionAt = std::function<std::optional<failover::Position>(const std::string& address)>;
  ServiceAdapter(std::shared_ptr<Service> s, PositionAt position_at)
      : s_(std::move(s)), position_at_(std::move(position_at)) {}
  Status Start(Instant) override { return Status::Ok(); }
  Status Stop(Instant) override { return Status::Ok(); }
  Status Promote(Epoch epoch, Instant) override {
    std::lock_guard lock(s_->mu);
    if (!s_->up) return Status::Unavailable("down");
    s_->role = MemberRole::kPrimary;
    s_->epoch = epoch;
    s_->following.clear();
    return Status::Ok();
  }
  Status Demote(Epoch, Instant) override { return Fence(Instant()); }
  Status Fence(Instant) override {
    std::lock_guard lock(s_->mu);
    if (s_->up && s_->role == MemberRole::kPrimary) s_->role = MemberRole::kFenced;
    return Status::Ok();
  }
  Status Follow(const std::string& address, Epoch, Instant) override {
    const std::optional<failover::Position> theirs = position_at_(address);
    std::lock_guard lock(s_->mu);
    if (!s_->up) return Status::Unavailable("down");
    if (s_->role != MemberRole::kReplica) {
      s_->followed_unmeasured |= !s_->measured_before_follow;
      if (theirs) s_->position = std::min(s_->position, *theirs);  // rewound
    }
    s_->role = MemberRole::kReplica;
    s_->following = address;
    s_->link = true;
    return Status::Ok();
  }
  Status PauseWrites(Instant) override {
    std::lock_guard lock(s_->mu);
    if (!s_->up) return Status::Unavailable("down");
    s_->role = MemberRole::kWritesPaused;
    return Status::Ok();
  }
  Status ResumeWrites(Instant) override {
    std::lock_guard lock(s_->mu);
    if (!s_->up) return Status::Unavailable("down");
    s_->role = MemberRole::kPrimary;
    return Status::Ok();
  }
  Result<adapters::MemberState> Observe(Instant) override {
    std::lock_guard lock(s_->mu);
    if (!s_->up) return Status::Unavailable("down");
    adapters::MemberState state;
    state.role = s_->role;
    state.position = s_->position;
    if (s_->role == MemberRole::kReplica && !s_->following.empty()) state.replicating = s_->link;
    return state;
  }
  // What it has past the new primary's position, set aside as a copy; it is
  // rewound to the fork when it follows.
  Result<adapters::Divergence> MeasureDivergence(const std::string& address, Instant) override {
    const std::optional<failover::Position> theirs = position_at_(address);
    std::lock_guard lock(s_->mu);
    if (!s_->up) return Status::Unavailable("down");
    if (!theirs) return Status::NotFound("no member at " + address);
    adapters::Divergence d;
    d.fork_position = std::min(*theirs, s_->position);
    d.lost_bytes = s_->position - d.fork_position;
    if (d.lost_bytes > 0) d.saved_copy = "copy-at-" + std::to_string(s_->position);
    s_->measured_before_follow = true;
    return d;
  }
  Status WaitUntilGone(const std::atomic<bool>&) override {
    return Status::NotSupported("cannot see exits");
  }

 private:
  std::shared_ptr<Service> s_;
  PositionAt position_at_;
};

// Writes go to whichever node leads now (the agent forwards to the leader).
class LeaderStore final : public store::Store {
 public:
  explicit LeaderStore(TestCluster& cluster) : cluster_(cluster) {}
  void Range(std::string key, bool prefix, Callback<store::RangeResponse> done) override {
    if (StoreService* s = Leader(done)) s->Range(std::move(key), prefix, std::move(done));
  }
  void Put(std::string key, std::string value, store::LeaseId lease,
           Callback<store::PutResponse> done) override {
    if (StoreService* s = Leader(done)) s->Put(std::move(key), std::move(value), lease, done);
  }
  void Delete(std::string key, Callback<store::DeleteResponse> done) override {
    if (StoreService* s = Leader(done)) s->Delete(std::move(key), std::move(done));
  }
  void DeleteRange(std::string prefix, Callback<store::DeleteResponse> done) override {
    if (StoreService* s = Leader(done)) s->DeleteRange(std::move(prefix), std::move(done));
  }
  void Commit(store::Txn txn, Callback<store::TxnResponse> done) override {
    if (StoreService* s = Leader(done)) s->Commit(std::move(txn), std::move(done));
  }
  void LeaseGrant(Duration ttl, Callback<store::LeaseGrantResponse> done) override {
    if (StoreService* s = Leader(done)) s->LeaseGrant(ttl, std::move(done));
  }
  void LeaseKeepAlive(store::LeaseId id, Callback<Duration> done) override {
    if (StoreService* s = Leader(done)) s->LeaseKeepAlive(id, std::move(done));
  }
  void LeaseRevoke(store::LeaseId id, Callback<store::DeleteResponse> done) override {
    if (StoreService* s = Leader(done)) s->LeaseRevoke(id, std::move(done));
  }
  store::WatchId Watch(std::string, store::Revision, WatchCallback) override { return 0; }
  void Cancel(store::WatchId) override {}

 private:
  template <typename Done>
  StoreService* Leader(Done& done) {
    for (int i = 0; i < cluster_.size(); ++i) {
      if (cluster_.running(i) && cluster_.raft(i).leading()) return &cluster_.store(i);
    }
    done(Status::Unavailable("no leader"));
    return nullptr;
  }
  TestCluster& cluster_;
};

failover::GroupConfig CacheGroup() {
  failover::GroupConfig g;
  g.name = "cache";
  for (int i = 1; i <= 3; ++i) {
    failover::MemberConfig m;
    m.name = "r" + std::to_string(i);
    m.node = "n" + std::to_string(i);
    m.address = "127.0.0.1:" + std::to_string(7000 + i);
    m.priority = 100 - i;  // r1 is preferred
    g.members.push_back(m);
  }
  g.lease_ttl = Duration::Seconds(3);
  g.drift_margin = Duration::Millis(500);
  g.timeouts.command = Duration::Seconds(2);
  return g;
}

class FailoverServiceTest : public ::testing::Test {
 protected:
  explicit FailoverServiceTest(bool start_agents = true) : cluster_(3), writer_(cluster_) {
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(cluster_.Start(i).ok());
      services_.push_back(std::make_shared<Service>());
    }
    EXPECT_TRUE(cluster_.WaitForLeader().has_value());
    if (start_agents) {
      for (int i = 0; i < 3; ++i) StartAgent(i);
    }
  }
  ~FailoverServiceTest() override { agents_.clear(); }

  void StartAgent(int i, std::vector<RemoteCheck> remote_checks = {},
                  FenceHook fence_hook = nullptr) {
    GroupSetup setup;
    setup.config = config_;
    setup.adapters["r" + std::to_string(i + 1)] = std::make_shared<ServiceAdapter>(
        services_[i], [this](const std::string& address) -> std::optional<failover::Position> {
          for (size_t j = 0; j < services_.size(); ++j) {
            if (config_.members[j].address != address) continue;
            std::lock_guard lock(services_[j]->mu);
            return services_[j]->position;
          }
          return std::nullopt;
        });
    setup.fence_hook = std::move(fence_hook);
    FailoverServiceOptions options;
    options.node = "n" + std::to_string(i + 1);
    options.groups.push_back(std::move(setup));
    options.observe_interval = Duration::Millis(200);
    options.remote_checks = std::move(remote_checks);
    Result<std::unique_ptr<FailoverService>> s =
        FailoverService::Create(cluster_.loop(), logger_, cluster_.metrics(i), cluster_.raft(i),
                                cluster_.store(i), writer_, std::move(options));
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    if (agents_.size() <= static_cast<size_t>(i)) agents_.resize(i + 1);
    agents_[i] = std::move(*s);
  }

  // The group record as node i's agent sees it.
  std::optional<failover::GroupRecord> Group(int i) {
    return agents_[i]->group("cache")->View(cluster_.loop().Now()).group;
  }
  // The member that is primary in the service at the record's epoch, with
  // the others following it; "" until then.
  std::string SettledPrimary(int observer) {
    std::optional<failover::GroupRecord> g = Group(observer);
    if (!g || g->primary.empty() || g->state != failover::GroupState::kStable) return "";
    std::string primary_address;
    for (const auto& m : config_.members) {
      if (m.name == g->primary) primary_address = m.address;
    }
    for (int i = 0; i < 3; ++i) {
      const std::string name = "r" + std::to_string(i + 1);
      const Service& s = *services_[i];
      if (name == g->primary) {
        if (s.Role() != MemberRole::kPrimary || s.PromotedEpoch() != g->epoch) return "";
      } else if (s.up && s.Following() != primary_address) {
        return "";
      }
    }
    return g->primary;
  }
  // For failure messages: the record and every service's state.
  std::string Describe(int observer = 0) {
    std::string out;
    if (std::optional<failover::GroupRecord> g = Group(observer)) {
      out += "group: primary=" + g->primary + " epoch=" + std::to_string(g->epoch) +
             " state=" + std::string(failover::GroupStateName(g->state)) + " reason=" + g->reason +
             "\n";
    }
    for (int i = 0; i < 3; ++i) {
      out += "r" + std::to_string(i + 1) + ": " +
             std::string(failover::MemberRoleName(services_[i]->Role())) + " epoch " +
             std::to_string(services_[i]->PromotedEpoch()) + " following " +
             services_[i]->Following() + "\n";
    }
    if (std::optional<int> leader = cluster_.Leader()) {
      for (const detect::Event& e :
           agents_[*leader]->group("cache")->View(cluster_.loop().Now()).recent_events) {
        out += e.ToString() + "\n";
      }
    }
    return out;
  }
  // The settled primary once it is not `old`, as node `observer` sees it;
  // "" on timeout.
  std::string WaitForPrimaryOtherThan(const std::string& old, int observer,
                                      Duration timeout = Duration::Seconds(20)) {
    std::string p;
    const bool moved = cluster_.WaitFor(
        [&] {
          p = SettledPrimary(observer);
          return !p.empty() && p != old;
        },
        timeout);
    return moved ? p : "";
  }
  std::string WaitForFirstPrimary() {
    std::string primary;
    cluster_.WaitFor([&] { return !(primary = SettledPrimary(0)).empty(); }, Duration::Seconds(20));
    return primary;
  }
  std::string Address(const std::string& member) { return config_.FindMember(member)->address; }
  int Writers() {
    int n = 0;
    for (auto& s : services_) n += s->up && s->Role() == MemberRole::kPrimary;
    return n;
  }
  int Index(const std::string& member) { return member.back() - '1'; }

  failover::GroupConfig config_ = CacheGroup();
  NullLogger logger_;
  TestCluster cluster_;
  LeaderStore writer_;
  std::vector<std::shared_ptr<Service>> services_;
  std::vector<std::unique_ptr<FailoverService>> agents_;
};

// The first election waits until every member reported (or drift_margin),
// so the preferred member (r1, the highest priority) wins. Other tests do not
// assume which one wins.
TEST_F(FailoverServiceTest, FirstElectionPromotesThePreferredMemberAndTheOthersFollowIt) {
  const std::string first = WaitForFirstPrimary();
  ASSERT_FALSE(first.empty()) << Describe();
  EXPECT_EQ(first, "r1") << Describe();
  EXPECT_EQ(Group(0)->epoch, 1u);
  EXPECT_EQ(Writers(), 1);
  // Every agent's view (followers included) and the topology agree.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(cluster_.WaitFor([&] { return Group(i) && Group(i)->primary == first; }));
  }
  failover::Topology seen;
  const int id = agents_[1]->topology().Subscribe([&](const failover::Topology& t) { seen = t; });
  // Confirmed once n2's replica has applied the primary's own report.
  EXPECT_TRUE(cluster_.WaitFor([&] { return seen.primary_confirmed; }));
  EXPECT_EQ(seen.primary, first);
  EXPECT_EQ(seen.primary_address, Address(first));
  agents_[1]->topology().Unsubscribe(id);
}

TEST_F(FailoverServiceTest, CrashedPrimaryMemberIsReplacedWithAHigherEpoch) {
  const std::string first = WaitForFirstPrimary();
  ASSERT_FALSE(first.empty()) << Describe();
  const Instant crashed = cluster_.loop().Now();
  services_[Index(first)]->SetUp(false);
  const std::string second = WaitForPrimaryOtherThan(first, (Index(first) + 1) % 3);
  ASSERT_FALSE(second.empty()) << Describe();
  const Duration took = cluster_.loop().Now() - crashed;
  EXPECT_EQ(Group((Index(first) + 1) % 3)->epoch, 2u);
  // The agent released the lease at once: well under lease_ttl + margin.
  EXPECT_LT(took, config_.lease_ttl) << took.millis() << "ms";
  // The coordinator kept the timeline in the store's history.
  const int leader = *cluster_.Leader();
  std::optional<Result<store::RangeResponse>> history = cluster_.Await<store::RangeResponse>(
      [&](auto done) { cluster_.store(leader).Range("/baton/groups/cache/history/", true, done); });
  ASSERT_TRUE(history && history->has_value());
  ASSERT_FALSE((*history)->kvs.empty());
  const std::string last = (*history)->kvs.back().value;
  EXPECT_NE(last.find(R"("cause":"lease-released")"), std::string::npos) << last;
  EXPECT_NE(last.find(R"("new_primary":")" + second + "\""), std::string::npos) << last;
  EXPECT_NE(cluster_.metrics(leader).RenderPrometheus().find(
                R"(baton_failovers_total{group="cache",cause="lease-released"} 1)"),
            std::string::npos);
}

// Failback: the crashed primary had 60 bytes the others never got. Back up,
// its agent measures that before it follows the new primary, and says so
// in an event and in the history next to epoch 2's timeline.
TEST_F(FailoverServiceTest, FormerPrimaryMeasuresItsDivergenceBeforeFollowing) {
  const std::string first = WaitForFirstPrimary();
  ASSERT_FALSE(first.empty()) << Describe();
  Service& old = *services_[Index(first)];
  {
    std::lock_guard lock(old.mu);
    old.position = 160;
  }
  old.SetUp(false);
  const std::string second = WaitForPrimaryOtherThan(first, (Index(first) + 1) % 3);
  ASSERT_FALSE(second.empty()) << Describe();
  old.SetUp(true);
  ASSERT_TRUE(
      cluster_.WaitFor([&] { return old.Following() == Address(second); }, Duration::Seconds(20)))
      << Describe();
  {
    std::lock_guard lock(old.mu);
    EXPECT_TRUE(old.measured_before_follow);
    EXPECT_FALSE(old.followed_unmeasured);
    EXPECT_EQ(old.position, 100u);  // rewound to the fork
  }
  bool announced = false;
  for (const detect::Event& e :
       agents_[Index(first)]->group("cache")->View(cluster_.loop().Now()).recent_events) {
    if (e.name != "+divergence") continue;
    announced = true;
    EXPECT_EQ(e.target, first);
    EXPECT_EQ(e.Field("lost_bytes"), "60");
    EXPECT_EQ(e.Field("fork_position"), "100");
    EXPECT_EQ(e.Field("saved_copy"), "copy-at-160");
    EXPECT_EQ(e.Field("epoch"), "2");
  }
  EXPECT_TRUE(announced) << Describe();
  const int leader = *cluster_.Leader();
  std::string record;
  ASSERT_TRUE(cluster_.WaitFor([&] {
    std::optional<Result<store::RangeResponse>> history =
        cluster_.Await<store::RangeResponse>([&](auto done) {
          cluster_.store(leader).Range("/baton/groups/cache/history/", true, done);
        });
    if (!history || !history->has_value()) return false;
    for (const store::KeyValue& kv : (*history)->kvs) {
      if (kv.key.find("-divergence-" + first) != std::string::npos) record = kv.value;
    }
    return !record.empty();
  })) << Describe();
  EXPECT_NE(record.find(R"("epoch":2)"), std::string::npos) << record;
  EXPECT_NE(record.find(R"("lost_bytes":60)"), std::string::npos) << record;
  EXPECT_NE(record.find(R"("saved_copy":"copy-at-160")"), std::string::npos) << record;
  EXPECT_NE(record.find(R"("new_primary":")" + second + "\""), std::string::npos) << record;
}

TEST_F(FailoverServiceTest, DeadNodeIsReplacedAfterLeaseExpiryAndMargin) {
  const std::string first = WaitForFirstPrimary();
  ASSERT_FALSE(first.empty()) << Describe();
  const int dead = Index(first);
  const int observer = (dead + 1) % 3;
  // The primary's node dies with its member: its agent, store replica, service.
  const Instant died = cluster_.loop().Now();
  agents_[dead].reset();
  cluster_.Stop(dead);
  services_[dead]->SetUp(false);
  ASSERT_TRUE(cluster_.WaitFor(
      [&] {
        const std::string p = SettledPrimary(observer);
        return !p.empty() && p != first;
      },
      Duration::Seconds(30)))
      << Describe(observer);
  const Duration took = cluster_.loop().Now() - died;
  EXPECT_EQ(Group(observer)->epoch, 2u);
  // Not before the lease could have run out on the dead node's clock plus the margin.
  EXPECT_GE(took, config_.lease_ttl - config_.lease_ttl / 3 + config_.drift_margin)
      << took.millis() << "ms";
}

TEST_F(FailoverServiceTest, SwitchoverMovesThePrimaryAndPauseStopsFailover) {
  const std::string first = WaitForFirstPrimary();
  ASSERT_FALSE(first.empty()) << Describe();
  const std::string target = "r" + std::to_string((Index(first) + 1) % 3 + 1);
  const int leader = *cluster_.Leader();
  GroupDriver& coordinator = *agents_[leader]->group("cache");
  // A follower refuses: only the store leader coordinates.
  EXPECT_FALSE(agents_[(leader + 1) % 3]
                   ->group("cache")
                   ->Request(failover::SwitchoverRequest{target}, cluster_.loop().Now())
                   .ok());
  ASSERT_TRUE(coordinator.Request(failover::SwitchoverRequest{target}, cluster_.loop().Now()).ok());
  ASSERT_TRUE(cluster_.WaitFor([&] { return SettledPrimary(0) == target; }, Duration::Seconds(20)))
      << Describe();
  EXPECT_EQ(Group(0)->epoch, 2u);
  EXPECT_EQ(services_[Index(first)]->Following(), Address(target));

  ASSERT_TRUE(coordinator.Request(failover::MaintenanceRequest{true}, cluster_.loop().Now()).ok());
  ASSERT_TRUE(cluster_.WaitFor([&] { return Group(0) && Group(0)->paused; }));
  services_[Index(target)]->SetUp(false);
  cluster_.WaitFor([] { return false; }, Duration::Seconds(5));
  EXPECT_EQ(Group(0)->primary, target);
  EXPECT_EQ(Group(0)->epoch, 2u);
  ASSERT_TRUE(coordinator.Request(failover::MaintenanceRequest{false}, cluster_.loop().Now()).ok());
  ASSERT_TRUE(cluster_.WaitFor(
      [&] {
        const std::string p = SettledPrimary(0);
        return !p.empty() && p != target;
      },
      Duration::Seconds(20)))
      << Describe();
  EXPECT_EQ(Group(0)->epoch, 3u);
}

// Automatic failback: r1 (the highest priority) gets the primary back once it
// has been a caught-up replica for failback_stable (1s here).
class FailoverServiceFailbackTest : public FailoverServiceTest {
 protected:
  FailoverServiceFailbackTest() : FailoverServiceTest(false) {
    config_.failback = failover::Failback::kAutomatic;
    config_.failback_stable = Duration::Seconds(1);
    for (int i = 0; i < 3; ++i) StartAgent(i);
  }
};

TEST_F(FailoverServiceFailbackTest, ThePreferredMemberGetsThePrimaryBackAfterItRecovers) {
  // Whoever the first election chose, failback hands the primary to r1.
  ASSERT_TRUE(cluster_.WaitFor([&] { return SettledPrimary(1) == "r1"; }, Duration::Seconds(30)))
      << Describe(1);
  const failover::Epoch epoch = Group(1)->epoch;
  services_[0]->SetUp(false);
  const std::string second = WaitForPrimaryOtherThan("r1", 1);
  ASSERT_FALSE(second.empty()) << Describe(1);
  services_[0]->SetUp(true);
  const Instant recovered = cluster_.loop().Now();
  ASSERT_TRUE(cluster_.WaitFor([&] { return SettledPrimary(1) == "r1"; }, Duration::Seconds(30)))
      << Describe(1);
  EXPECT_GE(cluster_.loop().Now() - recovered, config_.failback_stable);
  EXPECT_EQ(Group(1)->epoch, epoch + 2);
  EXPECT_EQ(Writers(), 1);
  const int leader = *cluster_.Leader();
  std::optional<Result<store::RangeResponse>> history = cluster_.Await<store::RangeResponse>(
      [&](auto done) { cluster_.store(leader).Range("/baton/groups/cache/history/", true, done); });
  ASSERT_TRUE(history && history->has_value());
  bool failback = false;
  for (const store::KeyValue& kv : (*history)->kvs) {
    failback |= kv.value.find(R"("cause":"failback")") != std::string::npos &&
                kv.value.find(R"("new_primary":"r1")") != std::string::npos &&
                kv.value.find(R"("outcome":"+switch-primary")") != std::string::npos;
  }
  EXPECT_TRUE(failback) << Describe(1);
}

// Which probe observes another node's member: its network readiness check,
// else a tcp probe of a redis member's address; never exec checks or an exec
// adapter's address, and never this node's own members.
TEST(RemoteChecksFromConfigTest, PicksANetworkProbePerRemoteMember) {
  config::AgentConfig agent;
  agent.node.name = "n1";
  config::GroupSpec group;
  group.group = CacheGroup();
  config::CheckSpec exec;
  exec.name = "script";
  exec.probe = probe::ExecSpec{{"/bin/true"}};
  config::CheckSpec redis;
  redis.name = "ping";
  redis.config.interval = Duration::Millis(200);
  redis.probe = probe::RedisSpec{"127.0.0.1", 7002, ""};
  group.members["r1"].adapter.kind = "redis";  // this node's: not observed
  group.members["r2"].adapter.kind = "exec";
  group.members["r2"].checks = {exec, redis};
  group.members["r3"].adapter.kind = "redis";
  group.members["r3"].checks = {exec};
  agent.groups.push_back(group);
  agent.groups.back().group.name = "exec-only";
  agent.groups.back().members["r3"].adapter.kind = "exec";
  agent.groups.insert(agent.groups.begin(), group);

  const std::vector<RemoteCheck> checks = RemoteChecksFromConfig(agent);
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].member, "r2");
  EXPECT_EQ(probe::Describe(checks[0].spec), probe::Describe(redis.probe));
  EXPECT_EQ(checks[0].config.interval, Duration::Millis(200));
  EXPECT_EQ(checks[1].member, "r3");
  EXPECT_EQ(probe::Describe(checks[1].spec), "tcp 127.0.0.1:7003");
  EXPECT_EQ(checks[1].config.kind, detect::CheckKind::kReadiness);
  EXPECT_EQ(checks[2].group, "exec-only");
  EXPECT_EQ(checks[2].member, "r2");
}

// Quorum confirmation: every agent probes the other nodes' members (here a
// TCP check of a listener per observer and member, so each observer's view
// can be cut alone). The primary's own agent keeps seeing its member healthy
// and renewing the lease; the replicas' agents write observed_down_by.
class FailoverServiceOdownTest : public FailoverServiceTest {
 protected:
  // `hook`: the group has a fencing hook (STONITH), else the coordinator
  // asks the primary's agent to step down.
  explicit FailoverServiceOdownTest(bool hook = true) : FailoverServiceTest(false) {
    config_.fencing_hook = hook;
    for (int o = 0; o < 3; ++o) {
      std::vector<RemoteCheck> checks;
      for (int m = 0; m < 3; ++m) {
        if (m == o) continue;
        listeners_[o][m] = std::make_unique<probe::testing::Listener>();
        RemoteCheck check;
        check.group = "cache";
        check.member = "r" + std::to_string(m + 1);
        check.config.interval = Duration::Millis(100);
        check.config.timeout = Duration::Millis(80);
        check.config.jitter = Duration::Millis(20);
        check.config.rise = 1;
        check.config.fall = 2;
        check.spec = probe::TcpSpec{"127.0.0.1", listeners_[o][m]->port()};
        checks.push_back(check);
      }
      // STONITH: the hook powers the member off.
      FenceHook stonith = [this](const failover::FenceOrder& order, Instant) {
        services_[Index(order.member)]->SetUp(false);
        std::lock_guard lock(fenced_mu_);
        fenced_.push_back(order.member);
        return Status::Ok();
      };
      StartAgent(o, std::move(checks), hook ? stonith : nullptr);
    }
  }
  // The member record as the store leader holds it.
  failover::MemberRecord Record(const std::string& member) {
    std::optional<Result<store::RangeResponse>> r = cluster_.Await<store::RangeResponse>(
        [&](auto done) { writer_.Range(failover::MemberKey("cache", member), false, done); });
    if (!r || !r->has_value() || (*r)->kvs.empty()) return {};
    Result<failover::MemberRecord> record = failover::DecodeMemberRecord((*r)->kvs[0].value);
    return record.has_value() ? *record : failover::MemberRecord{};
  }
  bool CoordinatorSaid(const std::string& type) {
    std::optional<int> leader = cluster_.Leader();
    if (!leader || !agents_[*leader]) return false;
    for (const detect::Event& e :
         agents_[*leader]->group("cache")->View(cluster_.loop().Now()).recent_events) {
      if (e.name == type) return true;
    }
    return false;
  }
  void Cut(int observer, int member) { listeners_[observer][member].reset(); }
  void Heal(int observer, int member, uint16_t port) {
    listeners_[observer][member] = std::make_unique<probe::testing::Listener>(port);
  }

  std::unique_ptr<probe::testing::Listener> listeners_[3][3];
  std::mutex fenced_mu_;
  std::vector<std::string> fenced_;  // written by the hook on a worker thread
};

TEST_F(FailoverServiceOdownTest, OneObserverIsNotEnoughAMajorityFailsOver) {
  const std::string first = WaitForFirstPrimary();
  ASSERT_FALSE(first.empty()) << Describe();
  const int p = Index(first);
  const int a = (p + 1) % 3;
  const int b = (p + 2) % 3;
  const std::string node_a = "n" + std::to_string(a + 1);

  // One observer loses the member: its node is written, +sdown, no ODOWN.
  const uint16_t port_a = listeners_[a][p]->port();
  Cut(a, p);
  ASSERT_TRUE(cluster_.WaitFor([&] { return Record(first).observed_down_by.contains(node_a); },
                               Duration::Seconds(10)))
      << Describe();
  EXPECT_TRUE(cluster_.WaitFor([&] { return CoordinatorSaid("+sdown"); })) << Describe();
  cluster_.WaitFor([] { return false; }, Duration::Seconds(2));
  EXPECT_EQ(Record(first).observed_down_by, std::set<std::string>{node_a});
  EXPECT_FALSE(CoordinatorSaid("+odown")) << Describe();
  EXPECT_EQ(Group(a)->epoch, 1u);
  EXPECT_EQ(Group(a)->primary, first);

  // It sees the member again: its node is removed.
  Heal(a, p, port_a);
  ASSERT_TRUE(cluster_.WaitFor([&] { return Record(first).observed_down_by.empty(); },
                               Duration::Seconds(10)))
      << Describe();

  // Both replicas' agents lose it while its own agent still renews: ODOWN,
  // the hook fences it, a replica is promoted at epoch 2.
  Cut(a, p);
  Cut(b, p);
  const std::string second = WaitForPrimaryOtherThan(first, a);
  ASSERT_FALSE(second.empty()) << Describe(a);
  EXPECT_TRUE(CoordinatorSaid("+odown")) << Describe(a);
  EXPECT_EQ(Group(a)->epoch, 2u);
  EXPECT_EQ(Writers(), 1);
  std::lock_guard lock(fenced_mu_);
  EXPECT_NE(std::find(fenced_.begin(), fenced_.end(), first), fenced_.end());
}

class FailoverServiceStepDownTest : public FailoverServiceOdownTest {
 protected:
  FailoverServiceStepDownTest() : FailoverServiceOdownTest(false) {}
};

// No hook: ODOWN while the primary's agent renews used to wait timeouts.fence
// and abort. The coordinator asks that agent to step down; it fences its
// member and releases the lease, and a replica is promoted.
TEST_F(FailoverServiceStepDownTest, OdownWithoutAHookMakesThePrimaryStepDown) {
  const std::string first = WaitForFirstPrimary();
  ASSERT_FALSE(first.empty()) << Describe();
  const int p = Index(first);
  const int a = (p + 1) % 3;
  const int b = (p + 2) % 3;
  const Instant cut = cluster_.loop().Now();
  Cut(a, p);
  Cut(b, p);
  const std::string second = WaitForPrimaryOtherThan(first, a);
  ASSERT_FALSE(second.empty()) << Describe(a);
  const Duration took = cluster_.loop().Now() - cut;
  EXPECT_TRUE(CoordinatorSaid("+odown")) << Describe(a);
  EXPECT_TRUE(CoordinatorSaid("+step-down-requested")) << Describe(a);
  EXPECT_FALSE(CoordinatorSaid("-failover-abort-not-fenced")) << Describe(a);
  EXPECT_EQ(Group(a)->epoch, 2u);
  EXPECT_EQ(Group(a)->step_down, 0u);
  EXPECT_EQ(Writers(), 1);
  EXPECT_LT(took, config_.timeouts.fence) << took.ToString();
  std::printf("odown without a hook: new primary %s after %s\n", second.c_str(),
              took.ToString().c_str());
}

// Replica-side evidence: both replicas' streams from the primary stop while
// every probe still reaches it and its agent renews. Each replica's agent
// counts as an observer: ODOWN, step-down, a replica promoted.
TEST_F(FailoverServiceStepDownTest, StoppedReplicationStreamsCountAsObservers) {
  const std::string first = WaitForFirstPrimary();
  ASSERT_FALSE(first.empty()) << Describe();
  const int p = Index(first);
  const int a = (p + 1) % 3;
  const int b = (p + 2) % 3;
  // Only a stream once seen flowing counts when it stops: let each replica's
  // agent observe its stream (every 200 ms) first.
  cluster_.WaitFor([] { return false; }, Duration::Millis(700));
  {
    std::lock_guard lock(services_[a]->mu);
    services_[a]->link = false;
  }
  ASSERT_TRUE(cluster_.WaitFor(
      [&] {
        return Record(first).observed_down_by == std::set<std::string>{"n" + std::to_string(a + 1)};
      },
      Duration::Seconds(10)))
      << Describe();
  cluster_.WaitFor([] { return false; }, Duration::Seconds(1));
  EXPECT_FALSE(CoordinatorSaid("+odown")) << "one stream is one observer";
  {
    std::lock_guard lock(services_[b]->mu);
    services_[b]->link = false;
  }
  const std::string second = WaitForPrimaryOtherThan(first, a);
  ASSERT_FALSE(second.empty()) << Describe(a);
  EXPECT_TRUE(CoordinatorSaid("+odown")) << Describe(a);
  EXPECT_TRUE(CoordinatorSaid("+step-down-requested")) << Describe(a);
  EXPECT_EQ(Group(a)->epoch, 2u);
  EXPECT_EQ(Writers(), 1);
}

// A store leader that takes over after the lease is already gone must rank
// the members it read, not abort for want of candidates and wait retry_after
// (it fed the lease before the members' reports; 10 s of unavailability
// when a node that led the store died with its primary).
TEST_F(FailoverServiceTest, NewCoordinatorFindingTheLeaseGoneFailsOverAtOnce) {
  const std::string first = WaitForFirstPrimary();
  ASSERT_FALSE(first.empty()) << Describe();
  const int leader = *cluster_.Leader();
  const std::string target = "r" + std::to_string(leader + 1);
  if (first != target) {  // the primary on the store leader's node
    ASSERT_TRUE(agents_[leader]
                    ->group("cache")
                    ->Request(failover::SwitchoverRequest{target}, cluster_.loop().Now())
                    .ok());
    ASSERT_TRUE(
        cluster_.WaitFor([&] { return SettledPrimary(0) == target; }, Duration::Seconds(20)))
        << Describe();
  }
  ASSERT_EQ(cluster_.Leader(), leader);
  // That node's agent dies first: nobody coordinates while its lease runs out.
  agents_[leader].reset();
  services_[leader]->SetUp(false);
  const int observer = (leader + 1) % 3;
  auto lease_gone = [&] {
    std::optional<Result<store::RangeResponse>> r =
        cluster_.Await<store::RangeResponse>([&](auto done) {
          cluster_.store(observer).Range("/baton/groups/cache/lease", false, done);
        });
    return r && r->has_value() && (*r)->kvs.empty();
  };
  ASSERT_TRUE(cluster_.WaitFor(lease_gone, Duration::Seconds(15)));
  // Then the rest of the node; another node leads and coordinates.
  const Instant died = cluster_.loop().Now();
  cluster_.Stop(leader);
  ASSERT_TRUE(cluster_.WaitFor(
      [&] {
        const std::string p = SettledPrimary(observer);
        return !p.empty() && p != target;
      },
      Duration::Seconds(30)))
      << Describe(observer);
  const Duration took = cluster_.loop().Now() - died;
  EXPECT_LT(took.millis(), config_.timeouts.retry_after.millis() / 2);
}

// Active-active: no primary, no lease, no adapter command; the serving set
// follows each member's health with a rising epoch, across a coordinator change.
class FailoverServiceActiveActiveTest : public FailoverServiceTest {
 protected:
  FailoverServiceActiveActiveTest() : FailoverServiceTest(false) {
    config_.mode = failover::GroupMode::kActiveActive;
    for (int i = 0; i < 3; ++i) StartAgent(i);
  }
  std::optional<failover::ServingRecord> Serving(int i) {
    return agents_[i]->group("cache")->View(cluster_.loop().Now()).serving;
  }
  // Waits until node i sees exactly `members` serving; returns its epoch (0: timeout).
  Epoch WaitForServing(int i, std::vector<std::string> members) {
    Epoch epoch = 0;
    cluster_.WaitFor(
        [&] {
          std::optional<failover::ServingRecord> s = Serving(i);
          if (s && s->members == members) epoch = s->epoch;
          return epoch != 0;
        },
        Duration::Seconds(20));
    return epoch;
  }
  std::string History(int i) {
    std::optional<Result<store::RangeResponse>> r = cluster_.Await<store::RangeResponse>(
        [&](auto done) { cluster_.store(i).Range("/baton/groups/cache/history/", true, done); });
    std::string all;
    if (r && r->has_value()) {
      for (const store::KeyValue& kv : (*r)->kvs) all += kv.key + " " + kv.value + "\n";
    }
    return all;
  }
};

TEST_F(FailoverServiceActiveActiveTest, MembersLeaveAndRejoinTheServingSetByHealth) {
  const std::vector<std::string> all = {"r1", "r2", "r3"};
  const Epoch first = WaitForServing(0, all);
  ASSERT_NE(first, 0u) << Describe();
  failover::Topology seen;
  const int id = agents_[2]->topology().Subscribe([&](const failover::Topology& t) { seen = t; });
  EXPECT_TRUE(cluster_.WaitFor([&] { return seen.serving == all; }));
  EXPECT_TRUE(seen.primary.empty());

  services_[1]->SetUp(false);  // r2's two failed Observe calls (200ms apart)
  const Epoch without = WaitForServing(2, {"r1", "r3"});
  ASSERT_GT(without, first) << Describe();
  EXPECT_TRUE(cluster_.WaitFor([&] {
    return seen.serving == std::vector<std::string>{"r1", "r3"};
  }));
  EXPECT_EQ(seen.epoch, without);
  services_[1]->SetUp(true);
  const Epoch back = WaitForServing(2, all);
  ASSERT_GT(back, without) << Describe();
  agents_[2]->topology().Unsubscribe(id);

  // Nothing primary-shaped happened: no group record, no lease, no command.
  EXPECT_FALSE(Group(0).has_value());
  const int leader = *cluster_.Leader();
  const GroupView view = agents_[leader]->group("cache")->View(cluster_.loop().Now());
  EXPECT_FALSE(view.lease.has_value());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(services_[i]->PromotedEpoch(), 0u);
    EXPECT_EQ(services_[i]->Role(), MemberRole::kReplica);
    EXPECT_EQ(services_[i]->Following(), "");
  }
  std::string events;
  for (const detect::Event& e : view.recent_events) events += e.ToString() + "\n";
  EXPECT_NE(events.find("-serving r2 epoch=" + std::to_string(without)), std::string::npos)
      << events;
  EXPECT_NE(events.find("+serving r2 epoch=" + std::to_string(back)), std::string::npos) << events;
  EXPECT_EQ(events.find("+command"), std::string::npos) << events;

  // Every published set is in the history, with who joined and left.
  const std::string history = History(leader);
  EXPECT_NE(history.find(R"("left":["r2"],"members":["r1","r3"],)"), std::string::npos) << history;
  EXPECT_NE(history.find(R"("joined":["r2"],"left":[],"members":["r1","r2","r3"],)"),
            std::string::npos)
      << history;
  const std::string metrics = cluster_.metrics(leader).RenderPrometheus();
  EXPECT_NE(metrics.find(R"(baton_serving_changes_total{group="cache",change="leave"} 1)"),
            std::string::npos)
      << metrics;
  // A follower's gauge follows its own watch of the set, a moment later.
  std::string follower;
  EXPECT_TRUE(cluster_.WaitFor(
      [&] {
        follower = cluster_.metrics((leader + 1) % 3).RenderPrometheus();
        return follower.find(R"(baton_serving_members{group="cache"} 3)") != std::string::npos;
      },
      Duration::Seconds(5)))
      << follower;

  // A new store leader's coordinator continues from the stored set.
  agents_[leader].reset();
  cluster_.Stop(leader);
  const int observer = (leader + 1) % 3;
  const int other = (leader + 2) % 3;
  ASSERT_TRUE(cluster_.WaitFor([&] {
    std::optional<int> l = cluster_.Leader();
    return l && *l != leader;
  }));
  services_[other]->SetUp(false);
  std::vector<std::string> rest = all;
  rest.erase(rest.begin() + other);
  const Epoch later = WaitForServing(observer, rest);
  EXPECT_GT(later, back) << Describe(observer);
}

}  // namespace
}  // namespace baton::agent
