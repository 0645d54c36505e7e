#include "sentinel/resp.h"

#include <gtest/gtest.h>

namespace baton::sentinel {
namespace {

// Feeds `input` and collects commands until the parser wants more or fails.
std::vector<Command> ParseAll(RespParser& p, std::string_view input, Status* error = nullptr) {
  p.Feed(input);
  std::vector<Command> out;
  while (true) {
    Result<std::optional<Command>> next = p.Next();
    if (!next.has_value()) {
      if (error != nullptr) *error = next.error();
      return out;
    }
    if (!next->has_value()) return out;
    out.push_back(**next);
  }
}

TEST(RespParserTest, MultibulkAndInlineCommands) {
  RespParser p;
  std::vector<Command> got =
      ParseAll(p,
               "*3\r\n$8\r\nSENTINEL\r\n$23\r\nget-master-addr-by-name\r\n$5\r\ncache\r\nPING\r\n"
               "\r\n  SENTINEL   myid \n*0\r\n*1\r\n$0\r\n\r\n");
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], (Command{"SENTINEL", "get-master-addr-by-name", "cache"}));
  EXPECT_EQ(got[1], (Command{"PING"}));
  EXPECT_EQ(got[2], (Command{"SENTINEL", "myid"}));
  EXPECT_EQ(got[3], (Command{""}));
  EXPECT_EQ(p.buffered(), 0u);
}

TEST(RespParserTest, ACommandSplitAnywhereWaitsForTheRest) {
  const std::string whole = "*2\r\n$4\r\nPING\r\n$5\r\nhello\r\n";
  for (size_t cut = 0; cut < whole.size(); ++cut) {
    RespParser p;
    EXPECT_TRUE(ParseAll(p, whole.substr(0, cut)).empty()) << cut;
    std::vector<Command> got = ParseAll(p, whole.substr(cut));
    ASSERT_EQ(got.size(), 1u) << cut;
    EXPECT_EQ(got[0], (Command{"PING", "hello"}));
  }
}

TEST(RespParserTest, GarbageIsAProtocolError) {
  for (const std::string bad :
       {"*1\r\n$x\r\n", "*1\r\n:5\r\n", "*-5\r\n", "*1\r\n$-1\r\n", "*1\r\n$3\r\nabcde\r\n",
        "*abc\r\n", "*1\r\n$3\r\nabc\r\n*1\r\n+PING\r\n"}) {
    RespParser p;
    Status error;
    ParseAll(p, bad, &error);
    EXPECT_TRUE(error.IsCorruption()) << bad;
    EXPECT_EQ(error.message().rfind("Protocol error: ", 0), 0u) << error.message();
  }
}

TEST(RespParserTest, HugeLengthsAreRefusedBeforeAnyAllocation) {
  RespLimits limits;
  limits.max_args = 8;
  limits.max_bulk_bytes = 100;
  limits.max_buffer_bytes = 500;
  Status error;
  RespParser a(limits);
  ParseAll(a, "*1000000000\r\n", &error);
  EXPECT_EQ(error.message(), "Protocol error: invalid multibulk length");
  RespParser b(limits);
  ParseAll(b, "*1\r\n$101\r\n", &error);
  EXPECT_EQ(error.message(), "Protocol error: invalid bulk length");
  RespParser c(limits);
  ParseAll(c, "*1\r\n$99999999999999999999999\r\n", &error);
  EXPECT_EQ(error.message(), "Protocol error: invalid bulk length");
  // An inline line with no end, longer than any argument may be.
  RespParser d(limits);
  ParseAll(d, std::string(101, 'A'), &error);
  EXPECT_EQ(error.message(), "Protocol error: too big inline request");
  // Many arguments, each within limits, that together exceed the buffer.
  RespParser e(limits);
  std::string big = "*8\r\n";
  for (int i = 0; i < 7; ++i) big += "$100\r\n" + std::string(100, 'x') + "\r\n";
  error = Status::Ok();
  ParseAll(e, big, &error);
  EXPECT_EQ(error.message(), "Protocol error: too big request");
}

TEST(RespEncodeTest, Shapes) {
  EXPECT_EQ(SimpleString("PONG"), "+PONG\r\n");
  EXPECT_EQ(Error("ERR x"), "-ERR x\r\n");
  EXPECT_EQ(Integer(-3), ":-3\r\n");
  EXPECT_EQ(Bulk(""), "$0\r\n\r\n");
  EXPECT_EQ(NullBulk(), "$-1\r\n");
  EXPECT_EQ(NullArray(), "*-1\r\n");
  EXPECT_EQ(BulkArray({"a", "bc"}), "*2\r\n$1\r\na\r\n$2\r\nbc\r\n");
}

}  // namespace
}  // namespace baton::sentinel
