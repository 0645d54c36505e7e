#include "sentinel/sentinel_view.h"

#include <gtest/gtest.h>

namespace baton::sentinel {
namespace {

using failover::MemberRole;
using failover::Topology;

Topology Cache(const std::string& primary, bool confirmed, failover::Epoch epoch) {
  Topology t;
  t.group = "cache";
  t.epoch = epoch;
  const std::vector<std::pair<std::string, std::string>> members = {
      {"r1", "127.0.0.1:7001"}, {"r2", "127.0.0.1:7002"}, {"r3", "127.0.0.1:7003"}};
  for (const auto& [name, address] : members) {
    failover::MemberView m;
    m.name = name;
    m.address = address;
    m.health = detect::Health::kHealthy;
    m.role = name == primary ? MemberRole::kPrimary : MemberRole::kReplica;
    t.members.push_back(m);
    if (name == primary) {
      t.primary = name;
      t.primary_address = address;
    }
  }
  t.primary_confirmed = confirmed;
  return t;
}

std::vector<std::string> Channels(const std::vector<Published>& events) {
  std::vector<std::string> out;
  for (const Published& e : events) out.push_back(e.channel + " " + e.message);
  return out;
}

TEST(SentinelViewTest, AnswersWithTheConfirmedPrimary) {
  SentinelView view(std::string(40, 'a'));
  EXPECT_TRUE(view.OnTopology(Cache("r1", true, 1)).empty());
  EXPECT_EQ(view.Sentinel({"SENTINEL", "get-master-addr-by-name", "cache"}),
            "*2\r\n$9\r\n127.0.0.1\r\n$4\r\n7001\r\n");
  EXPECT_EQ(view.Sentinel({"SENTINEL", "get-master-addr-by-name", "nope"}), "*-1\r\n");
  EXPECT_EQ(view.Sentinel({"sentinel", "MASTER", "nope"}),
            "-ERR No such master with that name\r\n");
  EXPECT_EQ(view.Sentinel({"SENTINEL", "myid"}), "$40\r\n" + std::string(40, 'a') + "\r\n");
  EXPECT_EQ(view.Sentinel({"SENTINEL", "sentinels", "cache"}), "*0\r\n");
  EXPECT_EQ(view.Role(), "*2\r\n$8\r\nsentinel\r\n*1\r\n$5\r\ncache\r\n");
  const std::string master = view.Sentinel({"SENTINEL", "master", "cache"});
  EXPECT_EQ(master.rfind("*40\r\n$4\r\nname\r\n$5\r\ncache\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"
                         "$4\r\nport\r\n$4\r\n7001\r\n",
                         0),
            0u)
      << master;
  EXPECT_NE(master.find("$5\r\nflags\r\n$6\r\nmaster\r\n"), std::string::npos);
  EXPECT_NE(master.find("$10\r\nnum-slaves\r\n$1\r\n2\r\n"), std::string::npos);
  const std::string replicas = view.Sentinel({"SENTINEL", "replicas", "cache"});
  EXPECT_EQ(replicas.rfind("*2\r\n*42\r\n$4\r\nname\r\n$14\r\n127.0.0.1:7002\r\n", 0), 0u)
      << replicas;
  EXPECT_EQ(view.Sentinel({"SENTINEL", "slaves", "cache"}), replicas);
  EXPECT_EQ(view.Sentinel({"SENTINEL", "master"}),
            "-ERR wrong number of arguments for 'sentinel|master' command\r\n");
  EXPECT_EQ(view.Sentinel({"SENTINEL", "frobnicate"}),
            "-ERR unknown subcommand 'frobnicate'. Try SENTINEL HELP.\r\n");
}

TEST(SentinelViewTest, AFailoverPublishesSwitchMasterOnlyOnceConfirmed) {
  SentinelView view(std::string(40, 'a'));
  view.OnTopology(Cache("r1", true, 1));
  // The primary is down: subjectively and (baton's agents agree) objectively.
  Topology down = Cache("r1", true, 1);
  down.members[0].health = detect::Health::kUnhealthy;
  EXPECT_EQ(Channels(view.OnTopology(down)),
            (std::vector<std::string>{"+sdown master cache 127.0.0.1 7001",
                                      "+odown master cache 127.0.0.1 7001"}));
  const std::string master = view.Sentinel({"SENTINEL", "master", "cache"});
  EXPECT_NE(master.find("master,s_down,o_down"), std::string::npos);
  // r2 named primary at epoch 2 but not confirmed: clients keep the old address.
  Topology named = Cache("r2", false, 2);
  named.members[0].health = detect::Health::kUnhealthy;
  named.members[0].role = MemberRole::kUnknown;
  named.state = failover::GroupState::kFailover;
  EXPECT_EQ(Channels(view.OnTopology(named)), (std::vector<std::string>{"+new-epoch 2"}));
  EXPECT_EQ(view.Sentinel({"SENTINEL", "get-master-addr-by-name", "cache"}),
            "*2\r\n$9\r\n127.0.0.1\r\n$4\r\n7001\r\n");
  // Confirmed: the switch is published.
  Topology confirmed = named;
  confirmed.primary_confirmed = true;
  EXPECT_EQ(Channels(view.OnTopology(confirmed)),
            (std::vector<std::string>{
                "+promoted-slave slave 127.0.0.1:7002 127.0.0.1 7002 @ cache 127.0.0.1 7001",
                "+failover-end master cache 127.0.0.1 7001",
                "+switch-master cache 127.0.0.1 7001 127.0.0.1 7002"}));
  EXPECT_EQ(view.Sentinel({"SENTINEL", "get-master-addr-by-name", "cache"}),
            "*2\r\n$9\r\n127.0.0.1\r\n$4\r\n7002\r\n");
  // The former primary comes back as a replica of the new one.
  Topology rejoined = Cache("r2", true, 2);
  EXPECT_EQ(Channels(view.OnTopology(rejoined)),
            (std::vector<std::string>{
                "-sdown slave 127.0.0.1:7001 127.0.0.1 7001 @ cache 127.0.0.1 7002",
                "+slave slave 127.0.0.1:7001 127.0.0.1 7001 @ cache 127.0.0.1 7002"}));
  // Repeating a topology publishes nothing.
  EXPECT_TRUE(view.OnTopology(rejoined).empty());
}

TEST(SentinelViewTest, ADemotedPrimaryIsConvertedToReplica) {
  SentinelView view(std::string(40, 'a'));
  view.OnTopology(Cache("r1", true, 1));
  Topology fenced = Cache("r1", true, 1);
  fenced.members[0].role = MemberRole::kFenced;
  EXPECT_TRUE(view.OnTopology(fenced).empty());
  Topology moved = Cache("r3", true, 2);
  std::vector<std::string> got = Channels(view.OnTopology(moved));
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[3], "+switch-master cache 127.0.0.1 7001 127.0.0.1 7003");
  EXPECT_EQ(got[4], "+convert-to-slave slave 127.0.0.1:7001 127.0.0.1 7001 @ cache 127.0.0.1 7003");
}

TEST(SentinelViewTest, AGroupWithoutAConfirmedPrimaryIsNotUsable) {
  SentinelView view(std::string(40, 'a'));
  view.OnTopology(Cache("r1", false, 1));
  EXPECT_EQ(view.Sentinel({"SENTINEL", "get-master-addr-by-name", "cache"}), "*-1\r\n");
  EXPECT_NE(view.Sentinel({"SENTINEL", "masters"}).find("master,s_down,o_down"), std::string::npos);
}

TEST(SentinelViewTest, WithoutStoreContactNoPrimaryIsNamedUntilContactReturns) {
  SentinelView view(std::string(40, 'a'));
  view.OnTopology(Cache("r1", true, 1));
  view.SetStoreContact(false);
  EXPECT_EQ(view.Sentinel({"SENTINEL", "get-master-addr-by-name", "cache"}), "*-1\r\n");
  // redis-py's Sentinel reads SENTINEL MASTERS and skips an s_down master.
  EXPECT_NE(view.Sentinel({"SENTINEL", "masters"}).find("master,s_down,o_down"), std::string::npos);
  EXPECT_NE(view.Info().find("status=odown"), std::string::npos);
  view.SetStoreContact(true);
  EXPECT_EQ(view.Sentinel({"SENTINEL", "get-master-addr-by-name", "cache"}),
            "*2\r\n$9\r\n127.0.0.1\r\n$4\r\n7001\r\n");
  EXPECT_NE(view.Sentinel({"SENTINEL", "master", "cache"}).find("$5\r\nflags\r\n$6\r\nmaster\r\n"),
            std::string::npos);
}

}  // namespace
}  // namespace baton::sentinel
