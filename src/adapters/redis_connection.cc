#include "adapters/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace baton::adapters {
namespace {

timeval ToTimeval(Duration d) {
  const int64_t us = std::max<int64_t>(d.micros(), 1000);
  return timeval{.tv_sec = us / 1'000'000, .tv_usec = us % 1'000'000};
}

RedisReply Copy(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < r.elements; ++i) out.elements.push_back(Copy(*r.element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

}  // namespace

Instant SteadyNow() {
  return Instant::FromNanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now().time_since_epoch())
                                .count());
}

Result<std::unique_ptr<RedisConnection>> RedisConnection::Open(const RedisEndpoint& endpoint,
                                                               Instant deadline, bool* refused) {
  if (refused != nullptr) *refused = false;
  const std::string address = endpoint.Address();
  const Duration left = std::min(deadline - SteadyNow(), endpoint.connect_timeout);
  if (left <= Duration::Zero()) return Status::Timeout("redis " + address + ": deadline passed");
  redisContext* c = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, ToTimeval(left));
  if (c == nullptr) return Status::IOError("redis " + address + ": out of memory");
  if (c->err != 0) {
    const std::string why = c->errstr;
    const bool was_refused = errno == ECONNREFUSED || why.find("refused") != std::string::npos;
    redisFree(c);
    if (refused != nullptr) *refused = was_refused;
    return Status::Unavailable("redis " + address + ": connect: " + why);
  }
  std::unique_ptr<RedisConnection> conn(new RedisConnection(c, address));
  if (!endpoint.password.empty()) {
    Result<RedisReply> auth = conn->Run({"AUTH", endpoint.password}, deadline);
    if (!auth.has_value()) return auth.error();
  }
  return conn;
}

RedisConnection::RedisConnection(redisContext* context, std::string address)
    : context_(context), address_(std::move(address)) {}

RedisConnection::~RedisConnection() { redisFree(context_); }

int RedisConnection::fd() const { return context_->fd; }

Result<RedisReply> RedisConnection::Run(const std::vector<std::string>& args, Instant deadline) {
  const std::string what = "redis " + address_ + ": " + args.front();
  const Duration left = deadline - SteadyNow();
  if (left <= Duration::Zero()) return Status::Timeout(what + ": deadline passed");
  redisSetTimeout(context_, ToTimeval(left));
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* raw = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(args.size()), argv.data(), lens.data()));
  if (raw == nullptr) {
    if (context_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return Status::Timeout(what + ": no answer by the deadline");
    }
    return Status::Unavailable(what + ": " + context_->errstr);
  }
  std::unique_ptr<redisReply, void (*)(void*)> reply(raw, freeReplyObject);
  if (reply->type == REDIS_REPLY_ERROR) {
    return Status::FailedPrecondition(what + ": " + std::string(reply->str, reply->len));
  }
  return Copy(*reply);
}

std::map<std::string, std::string> ParseInfo(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    out.emplace(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
  }
  return out;
}

}  // namespace baton::adapters
