#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <memory>
#include <string>

#include "probe/internal/probes.h"

namespace baton::probe::internal {
namespace {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// Runs one command with the time left as its socket timeout.
Result<ReplyPtr> Command(redisContext* c, const Deadline& deadline, std::string_view what,
                         const std::vector<std::string>& args) {
  if (deadline.Expired()) return TimedOut(std::string("redis: ") + std::string(what), deadline);
  const int64_t us = std::max<int64_t>(deadline.Remaining().micros(), 1000);
  const timeval tv{.tv_sec = us / 1'000'000, .tv_usec = us % 1'000'000};
  redisSetTimeout(c, tv);
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data())));
  const std::string prefix = "redis: " + std::string(what) + ": ";
  if (reply == nullptr) {
    if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return TimedOut("redis: " + std::string(what), deadline);
    }
    return Status::Unavailable(prefix + c->errstr);
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    return Status::FailedPrecondition(prefix + std::string(reply->str, reply->len));
  }
  return reply;
}

// ROLE: ["master", offset, [...]] or ["slave", host, port, state, offset].
void ReadRole(const redisReply& reply, ProbeOutcome* outcome) {
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements == 0) return;
  const redisReply& name = *reply.element[0];
  if (name.type != REDIS_REPLY_STRING && name.type != REDIS_REPLY_STATUS) return;
  const std::string role(name.str, name.len);
  size_t offset_index = 0;
  if (role == "master") {
    outcome->role = Role::kPrimary;
    offset_index = 1;
  } else if (role == "slave") {
    outcome->role = Role::kReplica;
    offset_index = 4;
  }
  if (offset_index == 0 || reply.elements <= offset_index) return;
  const redisReply& offset = *reply.element[offset_index];
  if (offset.type == REDIS_REPLY_INTEGER && offset.integer >= 0) {
    outcome->position = static_cast<uint64_t>(offset.integer);
  }
}

}  // namespace

ProbeOutcome RunRedis(const RedisSpec& spec, const Deadline& deadline) {
  Result<Fd> fd = ConnectTcp(spec.host, spec.port, deadline);
  if (!fd.has_value()) return Failed(fd.error());
  // hiredis's synchronous API needs a blocking socket; the timeouts bound it.
  fcntl(fd->get(), F_SETFL, fcntl(fd->get(), F_GETFL) & ~O_NONBLOCK);
  std::unique_ptr<redisContext, ContextDeleter> c(redisConnectFd(fd->Release()));
  if (c == nullptr) return Failed(Status::IOError("redis: out of memory"));
  if (c->err != 0) return Failed(Status::Unavailable(std::string("redis: ") + c->errstr));

  if (!spec.password.empty()) {
    Result<ReplyPtr> auth = Command(c.get(), deadline, "AUTH", {"AUTH", spec.password});
    if (!auth.has_value()) return Failed(auth.error());
  }
  Result<ReplyPtr> ping = Command(c.get(), deadline, "PING", {"PING"});
  if (!ping.has_value()) return Failed(ping.error());
  const std::string pong = (*ping)->str == nullptr ? "" : std::string((*ping)->str, (*ping)->len);
  if (pong != "PONG") return Failed(Status::Corruption("redis: PING answered \"" + pong + "\""));

  Result<ReplyPtr> role = Command(c.get(), deadline, "ROLE", {"ROLE"});
  if (!role.has_value()) return Failed(role.error());
  ProbeOutcome outcome = Passed("");
  ReadRole(**role, &outcome);
  outcome.result.output = "redis: PONG, role " + std::string(RoleName(outcome.role));
  if (outcome.position) outcome.result.output += ", offset " + std::to_string(*outcome.position);
  return outcome;
}

}  // namespace baton::probe::internal
