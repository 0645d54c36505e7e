#include "sentinel/session.h"

#include <gtest/gtest.h>

namespace baton::sentinel {
namespace {

TEST(GlobMatchTest, RedisPatterns) {
  EXPECT_TRUE(GlobMatch("*", "+switch-master"));
  EXPECT_TRUE(GlobMatch("+*", "+sdown"));
  EXPECT_FALSE(GlobMatch("+*", "-sdown"));
  EXPECT_TRUE(GlobMatch("?sdown", "-sdown"));
  EXPECT_TRUE(GlobMatch("[+-]sdown", "+sdown"));
  EXPECT_FALSE(GlobMatch("[^+-]sdown", "+sdown"));
  EXPECT_TRUE(GlobMatch("+switch-[a-m]aster", "+switch-master"));
  EXPECT_TRUE(GlobMatch("\\*x", "*x"));
  EXPECT_FALSE(GlobMatch("\\*x", "ax"));
  EXPECT_FALSE(GlobMatch("a*b", "a"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXbYc"));
}

TEST(SentinelSessionTest, PingClientHelloAndUnknownCommands) {
  SentinelView view(std::string(40, 'f'));
  SentinelSession s(view, 7);
  EXPECT_EQ(s.Handle({"ping"}).bytes, "+PONG\r\n");
  EXPECT_EQ(s.Handle({"PING", "hi"}).bytes, "$2\r\nhi\r\n");
  EXPECT_EQ(s.Handle({"CLIENT", "SETNAME", "app"}).bytes, "+OK\r\n");
  EXPECT_EQ(s.Handle({"client", "getname"}).bytes, "$3\r\napp\r\n");
  EXPECT_EQ(s.Handle({"CLIENT", "ID"}).bytes, ":7\r\n");
  EXPECT_EQ(s.Handle({"HELLO", "3"}).bytes.rfind("-NOPROTO", 0), 0u);
  EXPECT_EQ(s.Handle({"HELLO"}).bytes.rfind("*12\r\n$6\r\nserver\r\n$5\r\nredis\r\n", 0), 0u);
  EXPECT_EQ(s.Handle({"GET", "x"}).bytes,
            "-ERR unknown command 'GET', with args beginning with: 'x' \r\n");
  SentinelSession::Reply quit = s.Handle({"QUIT"});
  EXPECT_EQ(quit.bytes, "+OK\r\n");
  EXPECT_TRUE(quit.close);
}

TEST(SentinelSessionTest, SubscriptionsFollowRedisRules) {
  SentinelView view(std::string(40, 'f'));
  SentinelSession s(view, 1);
  EXPECT_EQ(s.Handle({"UNSUBSCRIBE"}).bytes, "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(s.Handle({"SUBSCRIBE", "+switch-master", "+sdown"}).bytes,
            "*3\r\n$9\r\nsubscribe\r\n$14\r\n+switch-master\r\n:1\r\n"
            "*3\r\n$9\r\nsubscribe\r\n$6\r\n+sdown\r\n:2\r\n");
  EXPECT_EQ(s.Handle({"PSUBSCRIBE", "*"}).bytes, "*3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:3\r\n");
  EXPECT_EQ(s.Handle({"PING"}).bytes, "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  EXPECT_EQ(s.Handle({"SENTINEL", "masters"}).bytes.rfind("-ERR Can't execute 'SENTINEL'", 0), 0u);

  EXPECT_EQ(s.Deliver({"+switch-master", "cache a 1 b 2"}),
            "*3\r\n$7\r\nmessage\r\n$14\r\n+switch-master\r\n$13\r\ncache a 1 b 2\r\n"
            "*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$14\r\n+switch-master\r\n$13\r\ncache a 1 b 2\r\n");
  EXPECT_EQ(s.Deliver({"+odown", "x"}),
            "*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$6\r\n+odown\r\n$1\r\nx\r\n");

  EXPECT_EQ(s.Handle({"PUNSUBSCRIBE"}).bytes, "*3\r\n$12\r\npunsubscribe\r\n$1\r\n*\r\n:2\r\n");
  EXPECT_EQ(s.Deliver({"+odown", "x"}), "");
  EXPECT_EQ(s.Handle({"UNSUBSCRIBE"}).bytes,
            "*3\r\n$11\r\nunsubscribe\r\n$6\r\n+sdown\r\n:1\r\n"
            "*3\r\n$11\r\nunsubscribe\r\n$14\r\n+switch-master\r\n:0\r\n");
  EXPECT_EQ(s.Handle({"SENTINEL", "myid"}).bytes, "$40\r\n" + std::string(40, 'f') + "\r\n");
}

}  // namespace
}  // namespace baton::sentinel
