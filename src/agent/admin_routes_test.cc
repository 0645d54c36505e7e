// The admin API of a three-node in-process cluster, over real HTTP: auth,
// redirects from followers, KV, leases, watches, status and metrics; and the
// LeaderWriter that forwards a follower's store writes through it.
#include "agent/admin_routes.h"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "admin/http_client.h"
#include "agent/failover_service_writer.h"
#include "agent/group_routes.h"
#include "agent/test_cluster.h"

namespace baton::agent {
namespace {

using admin::HttpMethod;
using admin::HttpResponse;
using nlohmann::json;

constexpr char kToken[] = "secret-token";

class AdminRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(cluster_.Start(i).ok());
      admin::AdminServerConfig config;
      config.port =
          static_cast<uint16_t>(std::stoi(cluster_.options(i).self.admin_address.substr(10)));
      config.bearer_token = kToken;
      net::EventLoop& loop = cluster_.loop();
      // A silent node's API takes requests and never answers them, like a
      // node cut off after the request left.
      servers_.push_back(std::make_unique<admin::AdminServer>(
          config, logger_, [this, &loop, i](std::function<void()> work) {
            loop.Post([this, i, work = std::move(work)]() mutable {
              if (!silent_[i]) return work();
              held_.push_back(std::move(work));
            });
          }));
      const AdminContext context{loop,    cluster_.raft(i), cluster_.store(i), cluster_.metrics(i),
                                 nullptr, nullptr};
      InstallAdminRoutes(*servers_.back(), context);
      InstallGroupRoutes(*servers_.back(), context, nullptr);  // /v1/txn, for LeaderWriter
      ASSERT_TRUE(servers_.back()->Start().ok());
    }
    auto leader = cluster_.WaitForLeader();
    ASSERT_TRUE(leader.has_value());
    leader_ = *leader;
    follower_ = (leader_ + 1) % 3;
  }

  void TearDown() override {
    for (auto& s : servers_) s->Stop();
    held_.clear();  // their replies go nowhere now
  }

  // Sends one request from another thread while the loop runs here.
  HttpResponse Call(int node, HttpMethod method, const std::string& path,
                    const std::string& body = "", bool with_token = true) {
    admin::HttpClientOptions options;
    if (with_token) options.token = kToken;
    options.timeout = Duration::Seconds(10);
    const std::string endpoint = cluster_.options(node).self.admin_address;
    auto future = std::async(std::launch::async, [=] {
      return admin::HttpClient(options).Send(method, endpoint, path, body);
    });
    cluster_.WaitFor(
        [&] { return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
        Duration::Seconds(15));
    Result<HttpResponse> r = future.get();
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r.has_value() ? *r : HttpResponse{};
  }

  NullLogger logger_;
  TestCluster cluster_{3};
  std::vector<std::unique_ptr<admin::AdminServer>> servers_;
  bool silent_[3] = {false, false, false};
  std::vector<std::function<void()>> held_;  // requests silent nodes never answer
  int leader_ = 0;
  int follower_ = 0;
};

TEST_F(AdminRoutesTest, HealthAndStatus) {
  EXPECT_EQ(Call(follower_, HttpMethod::kGet, "/health/live").status, 200);
  EXPECT_EQ(Call(follower_, HttpMethod::kGet, "/health/ready").status, 200);
  HttpResponse status = Call(leader_, HttpMethod::kGet, "/v1/status");
  ASSERT_EQ(status.status, 200);
  json j = json::parse(status.body);
  EXPECT_EQ(j["role"], "leader");
  EXPECT_EQ(j["members"].size(), 3u);
  EXPECT_EQ(j["leader"]["id"], leader_ + 1);
  HttpResponse metrics = Call(leader_, HttpMethod::kGet, "/metrics");
  EXPECT_NE(metrics.body.find("raft_term"), std::string::npos);
  EXPECT_NE(metrics.body.find("raft_commit_latency_seconds_bucket"), std::string::npos);
}

TEST_F(AdminRoutesTest, KvWritesNeedTheTokenAndFollowersRedirect) {
  EXPECT_EQ(Call(leader_, HttpMethod::kPut, "/v1/kv/a", "1", false).status, 401);
  ASSERT_EQ(Call(leader_, HttpMethod::kPut, "/v1/kv/a", "1").status, 200);
  HttpResponse get = Call(follower_, HttpMethod::kGet, "/v1/kv/a");
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(json::parse(get.body)["kvs"][0]["value"], "1");
  EXPECT_EQ(Call(follower_, HttpMethod::kGet, "/v1/kv/missing").status, 404);

  // The follower names the leader and, once known, its admin address.
  ASSERT_TRUE(cluster_.WaitFor([&] {
    auto m = cluster_.raft(follower_).Member(leader_ + 1);
    return m && !m->admin_address.empty();
  }));
  HttpResponse redirect = Call(follower_, HttpMethod::kPut, "/v1/kv/a", "2");
  ASSERT_EQ(redirect.status, 421);
  json r = json::parse(redirect.body);
  EXPECT_EQ(r["leader"]["id"], leader_ + 1);
  EXPECT_EQ(r["leader"]["admin"], cluster_.options(leader_).self.admin_address);

  ASSERT_EQ(Call(leader_, HttpMethod::kPut, "/v1/kv/%2Fp%2Fx", "x").status, 200);
  HttpResponse range = Call(leader_, HttpMethod::kGet, "/v1/kv/%2Fp%2F?prefix=1");
  EXPECT_EQ(json::parse(range.body)["count"], 1);
  HttpResponse del = Call(leader_, HttpMethod::kDelete, "/v1/kv/a");
  ASSERT_EQ(del.status, 200);
  EXPECT_EQ(json::parse(del.body)["deleted"], 1);
}

TEST_F(AdminRoutesTest, LeasesAndWatches) {
  HttpResponse grant = Call(leader_, HttpMethod::kPost, "/v1/lease", R"({"ttl":"5s"})");
  ASSERT_EQ(grant.status, 200);
  const uint64_t id = json::parse(grant.body)["id"];
  EXPECT_EQ(Call(leader_, HttpMethod::kPut, "/v1/kv/l?lease=" + std::to_string(id), "v").status,
            200);
  HttpResponse kept =
      Call(leader_, HttpMethod::kPost, "/v1/lease/" + std::to_string(id) + "/keepalive");
  ASSERT_EQ(kept.status, 200);
  EXPECT_EQ(json::parse(kept.body)["ttl_ms"], 5000);

  const uint64_t revision = cluster_.raft(follower_).state().revision();
  HttpResponse revoke = Call(leader_, HttpMethod::kDelete, "/v1/lease/" + std::to_string(id));
  ASSERT_EQ(revoke.status, 200);
  EXPECT_EQ(json::parse(revoke.body)["deleted"], 1);
  HttpResponse watch = Call(follower_, HttpMethod::kGet,
                            "/v1/watch/l?timeout=5s&from=" + std::to_string(revision + 1));
  ASSERT_EQ(watch.status, 200);
  json events = json::parse(watch.body)["events"];
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "delete");

  HttpResponse idle = Call(follower_, HttpMethod::kGet, "/v1/watch/nothing?timeout=200ms");
  ASSERT_EQ(idle.status, 200);
  EXPECT_TRUE(json::parse(idle.body)["events"].empty());
}

store::Txn PutTxn(std::string key, std::string value) {
  store::Txn txn;
  txn.then_ops.push_back(store::Put{std::move(key), std::move(value), store::kNoLease});
  return txn;
}

// The store leader stops answering (cut off after requests reached it) and
// loses office. A follower's LeaderWriter fails what it had sent there as
// soon as it knows the new leader, and forwards new requests there at once,
// not behind the old ones' timeout (5 s here): the bench's partition of the
// store leader's node left a new primary's lease acquisition stuck that way
// past its lease view, and the new primary fenced itself.
TEST_F(AdminRoutesTest, LeaderWriterMovesOnFromADeposedLeader) {
  ASSERT_TRUE(cluster_.WaitFor([&] {
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) {
        auto m = cluster_.raft(i).Member(j + 1);
        if (!m || m->admin_address.empty()) return false;
      }
    }
    return true;
  }));
  LeaderWriterOptions options;
  options.token = kToken;
  options.timeout = Duration::Seconds(5);
  std::map<int, std::unique_ptr<LeaderWriter>> writers;
  std::map<int, std::optional<Result<store::TxnResponse>>> stuck;
  silent_[leader_] = true;
  for (int i = 0; i < 3; ++i) {
    if (i == leader_) continue;
    writers[i] = std::make_unique<LeaderWriter>(cluster_.loop(), cluster_.raft(i),
                                                cluster_.store(i), options);
    writers[i]->Commit(PutTxn("/w/stuck", "1"), [&stuck, i](Result<store::TxnResponse> r) {
      stuck[i].emplace(std::move(r));
    });
  }
  cluster_.WaitFor([] { return false; }, Duration::Millis(300));
  EXPECT_TRUE(stuck.empty()) << "the silent leader answered";

  cluster_.Stop(leader_);
  std::optional<int> next = cluster_.WaitForLeader();
  ASSERT_TRUE(next.has_value());
  const int follower = 3 - leader_ - *next;  // the node that leads neither time
  const Instant sent = cluster_.loop().Now();
  auto moved = cluster_.Await<store::TxnResponse>(
      [&](auto done) { writers[follower]->Commit(PutTxn("/w/after", "2"), done); });
  const Duration took = cluster_.loop().Now() - sent;
  ASSERT_TRUE(moved.has_value());
  ASSERT_TRUE(moved->has_value()) << moved->error().ToString();
  EXPECT_TRUE((*moved)->succeeded);
  EXPECT_LT(took, Duration::Seconds(2))
      << "waited " << took.ToString() << " behind the request to the old leader";
  for (int i : {follower, *next}) {
    ASSERT_TRUE(stuck[i].has_value()) << "node " << i << " still waits for the old leader";
    ASSERT_FALSE(stuck[i]->has_value());
    EXPECT_TRUE(stuck[i]->error().IsUnavailable()) << stuck[i]->error().ToString();
  }
  // Kept alive through the new leader as well.
  auto lease = cluster_.Await<store::LeaseGrantResponse>(
      [&](auto done) { writers[follower]->LeaseGrant(Duration::Seconds(5), done); });
  ASSERT_TRUE(lease.has_value() && lease->has_value());
  auto kept = cluster_.Await<Duration>(
      [&](auto done) { writers[follower]->LeaseKeepAlive((*lease)->id, done); });
  ASSERT_TRUE(kept.has_value() && kept->has_value());
  EXPECT_EQ(**kept, Duration::Seconds(5));
}

}  // namespace
}  // namespace baton::agent
