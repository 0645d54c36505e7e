// RedisConnection: one synchronous hiredis connection whose every call ends
// by a deadline (steady-clock Instant, as the Adapter contract passes it).
// Replies are copied into plain RedisReply values so no hiredis type leaves
// redis_connection.cc. After an I/O error or a timeout the connection is
// unusable; the caller drops it and opens a new one. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "core/time.h"

struct redisContext;

namespace baton::adapters {

struct RedisReply {
  enum class Type { kString, kStatus, kInteger, kNil, kArray };
  Type type = Type::kNil;
  std::string text;  // kString, kStatus
  int64_t integer = 0;
  std::vector<RedisReply> elements;  // kArray
};

struct RedisEndpoint {
  std::string host;
  uint16_t port = 0;
  std::string password;  // AUTH after connecting when not empty
  Duration connect_timeout = Duration::Seconds(1);
  std::string Address() const { return host + ":" + std::to_string(port); }
};

// Monotonic now on the clock the agent's deadlines use.
Instant SteadyNow();

class RedisConnection {
 public:
  // Connects (and authenticates) by min(deadline, now + connect_timeout).
  // Unavailable when nothing answers; *refused is set when the port actively
  // refused the connection (no server listening: it cannot take writes).
  static Result<std::unique_ptr<RedisConnection>> Open(const RedisEndpoint& endpoint,
                                                       Instant deadline, bool* refused = nullptr);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Runs one command. An error reply is FailedPrecondition carrying the
  // server's text; no reply by `deadline` is Timeout; a broken connection is
  // Unavailable.
  Result<RedisReply> Run(const std::vector<std::string>& args, Instant deadline);

  // The socket, for a caller that waits on it with poll().
  int fd() const;

 private:
  RedisConnection(redisContext* context, std::string address);
  redisContext* context_;
  const std::string address_;
};

// "key:value" lines of an INFO reply ("# Section" lines and blanks skipped).
std::map<std::string, std::string> ParseInfo(std::string_view text);

}  // namespace baton::adapters
