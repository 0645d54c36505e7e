#include "limits/descriptor_budget.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace baton::limits {
namespace {

TEST(FitToDescriptors, LeavesListenersThatFitAlone) {
  ListenerLimits admin, peer;
  admin.max_connections = 100;
  peer.max_connections = 50;
  EXPECT_TRUE(FitToDescriptors(1024, 128, {{"admin", &admin, 1}, {"peer", &peer, 1}}).empty());
  EXPECT_EQ(admin.max_connections, 100u);
}

TEST(FitToDescriptors, ScalesEveryListenerUnderTheLimitMinusTheReserve) {
  ListenerLimits admin, proxy;
  admin.max_connections = 1000;
  admin.max_unauthenticated = 900;
  proxy.max_connections = 1000;
  const auto changes = FitToDescriptors(1024, 124, {{"admin", &admin, 1}, {"proxy", &proxy, 2}});
  EXPECT_EQ(changes.size(), 2u);
  EXPECT_LE(admin.max_connections + 2 * proxy.max_connections, 900u);
  EXPECT_EQ(admin.max_connections, 300u);
  EXPECT_EQ(proxy.max_connections, 300u);
  EXPECT_LE(admin.max_unauthenticated, admin.max_connections);
  EXPECT_TRUE(admin.Validate().ok());
}

TEST(FitToDescriptors, NeverGoesBelowOneConnection) {
  ListenerLimits l;
  l.max_connections = 10;
  FitToDescriptors(10, 100, {{"x", &l, 1}});
  EXPECT_EQ(l.max_connections, 1u);
  EXPECT_TRUE(l.Validate().ok());
}

TEST(DescriptorExhaustion, KnowsTheTwoErrors) {
  EXPECT_TRUE(IsDescriptorExhaustion(EMFILE));
  EXPECT_TRUE(IsDescriptorExhaustion(ENFILE));
  EXPECT_FALSE(IsDescriptorExhaustion(ECONNABORTED));
}

TEST(DescriptorReserve, ShedsAPendingConnection) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  DescriptorReserve reserve;
  EXPECT_TRUE(reserve.ShedOne(listener));
  char byte = 0;
  // The shed connection was closed by the server side: the client reads EOF.
  EXPECT_EQ(::recv(client, &byte, 1, 0), 0);
  ::close(client);
  ::close(listener);
}

TEST(TrimPolicy, TrimsOnceAfterABurstHalvesAndNotForSmallBursts) {
  TrimPolicy small;
  for (size_t open : {10u, 20u, 5u, 0u}) EXPECT_FALSE(small.OnOpen(open));
  TrimPolicy burst;
  int trims = 0;
  for (size_t open = 0; open <= 1000; ++open) trims += burst.OnOpen(open) ? 1 : 0;
  EXPECT_EQ(trims, 0);
  for (size_t open = 1000; open > 500; --open) trims += burst.OnOpen(open) ? 1 : 0;
  EXPECT_EQ(trims, 0);
  EXPECT_TRUE(burst.OnOpen(500));
  EXPECT_FALSE(burst.OnOpen(400));  // the peak is now 500
  for (size_t open = 399; open > 0; --open) trims += burst.OnOpen(open) ? 1 : 0;
  EXPECT_GE(trims, 1);
  EXPECT_LE(trims, 6);
}

TEST(RaiseDescriptorLimit, ReportsAUsableLimit) { EXPECT_GE(RaiseDescriptorLimit(), 64u); }

}  // namespace
}  // namespace baton::limits
