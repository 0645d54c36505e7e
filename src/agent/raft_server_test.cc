// A three-node cluster in one process: real TLS transport on 127.0.0.1, real
// data directories, the store service on top. Every wait has a deadline.
#include "agent/raft_server.h"

#include <gtest/gtest.h>

#include "agent/test_cluster.h"
#include "agent/wire.h"
#include "raft/codec.h"

namespace baton::agent {
namespace {

using PutResult = store::PutResponse;

class RaftServerTest : public ::testing::Test {
 protected:
  void StartAll(TestCluster& c) {
    for (int i = 0; i < c.size(); ++i) ASSERT_TRUE(c.Start(i).ok());
  }

  Result<PutResult> Put(TestCluster& c, int node, const std::string& key, const std::string& value,
                        store::LeaseId lease = store::kNoLease) {
    auto r = c.Await<PutResult>([&](auto done) { c.store(node).Put(key, value, lease, done); });
    if (!r) return Status::Timeout("put did not complete");
    return *r;
  }

  // Waits until every running node has applied `key` = `value` (nullopt: absent).
  bool AllSee(TestCluster& c, const std::string& key, std::optional<std::string> value,
              Duration timeout = Duration::Seconds(10)) {
    return c.WaitFor(
        [&] {
          for (int i = 0; i < c.size(); ++i) {
            if (!c.running(i)) continue;
            auto kv = c.raft(i).state().Get(key);
            if (kv.has_value() != value.has_value()) return false;
            if (kv && kv->value != *value) return false;
          }
          return true;
        },
        timeout);
  }
};

TEST_F(RaftServerTest, ElectsALeaderAndReplicatesWrites) {
  TestCluster c(3);
  StartAll(c);
  auto leader = c.WaitForLeader();
  ASSERT_TRUE(leader.has_value());
  auto put = Put(c, *leader, "/a", "1");
  ASSERT_TRUE(put.has_value()) << put.error().ToString();
  EXPECT_GT(put->revision, 0u);
  EXPECT_TRUE(AllSee(c, "/a", "1"));
}

TEST_F(RaftServerTest, FollowersRefuseWritesNamingTheLeaderAndServeLinearizableReads) {
  TestCluster c(3);
  StartAll(c);
  auto leader = c.WaitForLeader();
  ASSERT_TRUE(leader.has_value());
  ASSERT_TRUE(Put(c, *leader, "/k", "v").has_value());
  const int follower = (*leader + 1) % 3;
  auto refused = Put(c, follower, "/k", "w");
  ASSERT_FALSE(refused.has_value());
  EXPECT_TRUE(IsNotLeader(refused.error())) << refused.error().ToString();
  EXPECT_EQ(c.raft(follower).leader(), static_cast<uint64_t>(*leader + 1));

  auto read =
      c.Await<store::RangeResponse>([&](auto done) { c.store(follower).Range("/k", false, done); });
  ASSERT_TRUE(read && read->has_value());
  ASSERT_EQ((*read)->kvs.size(), 1u);
  EXPECT_EQ((*read)->kvs[0].value, "v");
}

TEST_F(RaftServerTest, StoppingTheLeaderElectsAnotherAndWritesResume) {
  TestCluster c(3);
  StartAll(c);
  auto first = c.WaitForLeader();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(Put(c, *first, "/before", "x").has_value());
  c.Stop(*first);
  auto second = c.WaitForLeader();
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(*second, *first);
  auto put = Put(c, *second, "/after", "y");
  ASSERT_TRUE(put.has_value()) << put.error().ToString();
  EXPECT_TRUE(AllSee(c, "/after", "y"));
  EXPECT_TRUE(AllSee(c, "/before", "x"));
}

TEST_F(RaftServerTest, AStoppedNodeRestartsFromItsDataDirAndCatchesUpThroughASnapshot) {
  TestCluster c(3, [](RaftServerOptions& o) { o.snapshot_every_entries = 20; });
  StartAll(c);
  auto leader = c.WaitForLeader();
  ASSERT_TRUE(leader.has_value());
  ASSERT_TRUE(Put(c, *leader, "/early", "1").has_value());
  const int lagging = (*leader + 1) % 3;
  ASSERT_TRUE(AllSee(c, "/early", "1"));
  c.Stop(lagging);
  for (int i = 0; i < 60; ++i) {
    auto put = Put(c, *leader, "/key" + std::to_string(i), std::to_string(i));
    ASSERT_TRUE(put.has_value()) << put.error().ToString();
  }
  ASSERT_TRUE(c.Start(lagging).ok());
  EXPECT_TRUE(AllSee(c, "/key59", "59"));
  EXPECT_TRUE(AllSee(c, "/early", "1"));
  EXPECT_TRUE(c.WaitFor([&] {
    return c.raft(lagging).state().Range("/key", true).size() == 60 &&
           c.raft(lagging).state().revision() == c.raft(*leader).state().revision();
  }));

  // And the whole cluster survives a full restart from disk.
  for (int i = 0; i < 3; ++i) c.Stop(i);
  StartAll(c);
  ASSERT_TRUE(c.WaitForLeader().has_value());
  EXPECT_TRUE(AllSee(c, "/key30", "30"));
}

TEST_F(RaftServerTest, ALeasedKeyVanishesEverywhereAfterItsTtlUnlessKeptAlive) {
  TestCluster c(3);
  StartAll(c);
  auto leader = c.WaitForLeader();
  ASSERT_TRUE(leader.has_value());
  auto grant = c.Await<store::LeaseGrantResponse>(
      [&](auto done) { c.store(*leader).LeaseGrant(Duration::Millis(600), done); });
  ASSERT_TRUE(grant && grant->has_value());
  const store::LeaseId lease = (*grant)->id;
  ASSERT_TRUE(Put(c, *leader, "/leased", "v", lease).has_value());
  ASSERT_TRUE(AllSee(c, "/leased", "v"));

  // Kept alive for three TTLs, it stays.
  const Instant until = c.loop().Now() + Duration::Millis(1800);
  while (c.loop().Now() < until) {
    auto kept = c.Await<Duration>([&](auto done) { c.store(*leader).LeaseKeepAlive(lease, done); });
    ASSERT_TRUE(kept && kept->has_value());
    c.WaitFor([] { return false; }, Duration::Millis(200));
  }
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(c.raft(i).state().Get("/leased").has_value());

  // Keep-alives on a follower are refused with the leader's name.
  auto refused =
      c.Await<Duration>([&](auto done) { c.store((*leader + 1) % 3).LeaseKeepAlive(lease, done); });
  ASSERT_TRUE(refused && !refused->has_value());
  EXPECT_TRUE(IsNotLeader(refused->error()));

  // Left alone, it expires on every replica.
  EXPECT_TRUE(AllSee(c, "/leased", std::nullopt, Duration::Seconds(5)));
  EXPECT_TRUE(c.raft(*leader).state().Leases().empty());
}

// The store leader is stopped a second after the last keep-alive (its
// followers elect a new leader within milliseconds: the closed connections
// tell them). Every follower applied that keep-alive's refresh, so the new
// leader revokes the lease ttl after the keep-alive, not ttl after its own
// election, which would be a second later.
TEST_F(RaftServerTest, ALeaseEndsTtlAfterItsLastKeepAliveAcrossALeaderChange) {
  TestCluster c(3);
  StartAll(c);
  auto leader = c.WaitForLeader();
  ASSERT_TRUE(leader.has_value());
  const Duration ttl = Duration::Seconds(2);
  auto grant = c.Await<store::LeaseGrantResponse>(
      [&](auto done) { c.store(*leader).LeaseGrant(ttl, done); });
  ASSERT_TRUE(grant && grant->has_value());
  const store::LeaseId lease = (*grant)->id;
  ASSERT_TRUE(Put(c, *leader, "/leased", "v", lease).has_value());
  ASSERT_TRUE(AllSee(c, "/leased", "v"));

  Instant sent;
  for (int i = 0; i < 3; ++i) {
    c.WaitFor([] { return false; }, Duration::Millis(300));
    sent = c.loop().Now();
    auto kept = c.Await<Duration>([&](auto done) { c.store(*leader).LeaseKeepAlive(lease, done); });
    ASSERT_TRUE(kept && kept->has_value());
    EXPECT_EQ(**kept, ttl);
  }
  for (int i = 0; i < 3; ++i) {
    if (i == *leader) continue;
    EXPECT_TRUE(c.WaitFor([&] {
      const std::optional<Instant> due = c.store(i).lease_deadline(lease);
      return due.has_value() && *due >= sent + ttl;
    })) << "node "
        << i << " did not follow the last refresh";
  }

  c.WaitFor([] { return false; }, Duration::Seconds(1));
  c.Stop(*leader);
  auto next = c.WaitForLeader();
  ASSERT_TRUE(next.has_value());
  const Instant elected = c.loop().Now();
  ASSERT_TRUE(c.WaitFor([&] { return !c.raft(*next).state().Get("/leased").has_value(); },
                        Duration::Seconds(6)));
  const Instant revoked = c.loop().Now();
  EXPECT_GE((revoked - sent).seconds(), ttl.seconds()) << "revoked before the holder's send + ttl";
  EXPECT_LT((revoked - sent).seconds(), (ttl + Duration::Millis(600)).seconds())
      << "revoked " << (revoked - elected).ToString() << " after the election";
  EXPECT_TRUE(AllSee(c, "/leased", std::nullopt));
}

TEST_F(RaftServerTest, MalformedPayloadsAreDroppedAndCounted) {
  TestCluster c(3);
  StartAll(c);
  auto leader = c.WaitForLeader();
  ASSERT_TRUE(leader.has_value());
  const int follower = (*leader + 1) % 3;
  c.raft(follower).Receive(1, "");
  c.raft(follower).Receive(1, "\x01garbage");
  c.raft(follower).Receive(2, std::string("\xB1{not json"));
  raft::Message spoofed;
  spoofed.type = raft::MessageType::kHeartbeat;
  spoofed.from = 3;  // claims another sender than the connection's
  spoofed.to = static_cast<uint64_t>(follower + 1);
  c.raft(follower).Receive(2, EncodeRaftPayload(spoofed));
  EXPECT_EQ(c.raft(follower).malformed_payloads(), 4u);
  auto put = Put(c, *leader, "/still", "works");
  ASSERT_TRUE(put.has_value());
  EXPECT_TRUE(AllSee(c, "/still", "works"));
}

TEST_F(RaftServerTest, HealthRecordsReachTheStoreOnlyUnderTheSendersOwnName) {
  TestCluster c(3);
  StartAll(c);
  auto leader = c.WaitForLeader();
  ASSERT_TRUE(leader.has_value());
  const int follower = (*leader + 1) % 3;
  const std::string own = "/baton/health/" + c.options(follower).self.name + "/g/m";
  EXPECT_TRUE(c.raft(follower).PublishHealth(own, "from the follower"));
  EXPECT_TRUE(AllSee(c, own, "from the follower"));

  // A record for another node's key is refused by the leader.
  const std::string other = "/baton/health/" + c.options(*leader).self.name + "/g/m";
  const uint64_t before = c.raft(*leader).malformed_payloads();
  c.raft(*leader).Receive(static_cast<uint64_t>(follower + 1),
                          EncodeHealthPayload({other, "forged"}));
  EXPECT_EQ(c.raft(*leader).malformed_payloads(), before + 1);
  EXPECT_FALSE(c.raft(*leader).state().Get(other).has_value());
}

TEST_F(RaftServerTest, HeartbeatsReachTheHandlerWithTheSendersId) {
  TestCluster c(3);
  StartAll(c);
  ASSERT_TRUE(c.WaitForLeader().has_value());
  std::vector<uint64_t> from;
  c.raft(0).SetHeartbeatHandler([&from](uint64_t id) { from.push_back(id); });
  EXPECT_TRUE(c.raft(2).SendHeartbeat(1));
  EXPECT_TRUE(c.WaitFor([&] { return !from.empty(); }));
  ASSERT_FALSE(from.empty());
  EXPECT_EQ(from[0], 3u);
}

TEST_F(RaftServerTest, WatchersSeeAppliedChangesInOrder) {
  TestCluster c(3);
  StartAll(c);
  auto leader = c.WaitForLeader();
  ASSERT_TRUE(leader.has_value());
  const int follower = (*leader + 1) % 3;
  std::vector<store::Event> events;
  const store::WatchId watch =
      c.store(follower).Watch("/w/", 0, [&](Result<std::vector<store::Event>> r) {
        ASSERT_TRUE(r.has_value()) << r.error().ToString();
        events.insert(events.end(), r->begin(), r->end());
      });
  ASSERT_TRUE(Put(c, *leader, "/w/1", "a").has_value());
  ASSERT_TRUE(Put(c, *leader, "/other", "b").has_value());
  ASSERT_TRUE(Put(c, *leader, "/w/2", "c").has_value());
  ASSERT_TRUE(c.WaitFor([&] { return events.size() >= 2; }));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kv.key, "/w/1");
  EXPECT_EQ(events[1].kv.key, "/w/2");
  EXPECT_LT(events[0].revision(), events[1].revision());
  c.store(follower).Cancel(watch);
}

TEST_F(RaftServerTest, MembersLearnEachOthersAdminAddresses) {
  TestCluster c(3);
  StartAll(c);
  ASSERT_TRUE(c.WaitForLeader().has_value());
  EXPECT_TRUE(c.WaitFor([&] {
    for (int i = 0; i < 3; ++i) {
      for (uint64_t id = 1; id <= 3; ++id) {
        auto m = c.raft(i).Member(id);
        if (!m || m->admin_address.empty()) return false;
      }
    }
    return true;
  }));
  EXPECT_EQ(c.raft(0).Member(3)->admin_address, c.options(2).self.admin_address);
}

TEST_F(RaftServerTest, AJoiningNodeIsAddedAsALearnerPromotedAndRemoved) {
  // Nodes 1-3 found the cluster; node 4 starts with --join and is added later.
  TestCluster c(4, [](RaftServerOptions& o) {
    if (o.self.id == 4) {
      o.join = true;
    } else {
      o.initial_peers.pop_back();
    }
  });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.Start(i).ok());
  std::optional<int> leader;
  ASSERT_TRUE(c.WaitFor([&] {
    for (int i = 0; i < 3; ++i) {
      if (c.raft(i).leading()) leader = i;
    }
    return leader.has_value();
  }));
  ASSERT_TRUE(Put(c, *leader, "/before-join", "1").has_value());
  ASSERT_TRUE(c.Start(3).ok());

  std::optional<Status> added;
  c.raft(*leader).AddMember(c.options(3).self, [&](Status s) { added = s; });
  ASSERT_TRUE(c.WaitFor([&] { return added.has_value(); }));
  ASSERT_TRUE(added->ok()) << added->ToString();
  EXPECT_TRUE(AllSee(c, "/before-join", "1"));
  auto voters_of = [&](int i) { return c.raft(i).Describe().members; };
  EXPECT_TRUE(c.WaitFor([&] {
    for (const MemberStatus& m : voters_of(*leader)) {
      if (m.info.id == 4) return !m.learner;
    }
    return false;
  }));

  // The promotion may still be uncommitted: the removal waits for it.
  std::optional<Status> removed;
  c.raft(*leader).RemoveMember(4, [&](Status s) { removed = s; });
  ASSERT_TRUE(c.WaitFor([&] { return removed.has_value(); }));
  ASSERT_TRUE(removed->ok()) << removed->ToString();
  EXPECT_EQ(voters_of(*leader).size(), 3u);
  ASSERT_TRUE(Put(c, *leader, "/after-remove", "2").has_value());
}

}  // namespace
}  // namespace baton::agent
