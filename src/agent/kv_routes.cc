// Key-value, lease and watch routes (admin_routes.h).
#include <algorithm>
#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>

#include "agent/admin_routes.h"
#include "agent/http_json.h"
#include "agent/lease_ttl.h"

namespace baton::agent {
namespace {

using nlohmann::json;

constexpr std::string_view kKvPath = "/v1/kv/";
constexpr std::string_view kLeasePath = "/v1/lease/";
constexpr std::string_view kWatchPath = "/v1/watch/";
constexpr Duration kDefaultWatchWait = Duration::Seconds(30);
constexpr Duration kMaxWatchWait = Duration::Seconds(60);

bool ParseU64(std::string_view text, uint64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool QueryFlag(const HttpRequest& request, const std::string& name) {
  auto it = request.query.find(name);
  return it != request.query.end() && (it->second == "1" || it->second == "true");
}

std::string KvArray(const std::vector<store::KeyValue>& kvs) {
  std::string out = "[";
  for (size_t i = 0; i < kvs.size(); ++i) {
    if (i) out += ',';
    out += KeyValueJson(kvs[i]);
  }
  return out + "]";
}

std::string DeleteJson(const store::DeleteResponse& r) {
  return R"({"revision":)" + std::to_string(r.revision) + R"(,"deleted":)" +
         std::to_string(r.deleted.size()) + "}";
}

std::string LeaseJson(store::LeaseId id, Duration ttl) {
  return R"({"id":)" + std::to_string(id) + R"(,"ttl_ms":)" + std::to_string(ttl.millis()) + "}";
}

void InstallKv(admin::AdminServer& server, const AdminContext& c) {
  server.Handle(HttpMethod::kGet, std::string(kKvPath),
                [c](HttpRequest request, Responder reply) {
                  const bool prefix = QueryFlag(request, "prefix");
                  std::string key = request.path.substr(kKvPath.size());
                  if (key.empty() && !prefix)
                    return reply(HttpResponse::JsonError(400, "empty key"));
                  c.store.Range(key, prefix, [c, prefix, reply](Result<store::RangeResponse> r) {
                    if (!r.has_value()) return reply(ErrorResponse(r.error(), c.raft));
                    const std::string revision = std::to_string(r->revision);
                    if (!prefix && r->kvs.empty()) {
                      return reply(HttpResponse::Json(
                          404, R"({"error":"key not found","revision":)" + revision + "}"));
                    }
                    reply(HttpResponse::Json(200, R"({"revision":)" + revision + R"(,"count":)" +
                                                      std::to_string(r->kvs.size()) + R"(,"kvs":)" +
                                                      KvArray(r->kvs) + "}"));
                  });
                },
                {.prefix = true, .mutating = false});
  server.Handle(HttpMethod::kPut, std::string(kKvPath),
                [c](HttpRequest request, Responder reply) {
                  std::string key = request.path.substr(kKvPath.size());
                  if (key.empty()) return reply(HttpResponse::JsonError(400, "empty key"));
                  uint64_t lease = store::kNoLease;
                  auto it = request.query.find("lease");
                  if (it != request.query.end() && !ParseU64(it->second, &lease)) {
                    return reply(HttpResponse::JsonError(400, "lease must be a lease id"));
                  }
                  c.store.Put(std::move(key), std::move(request.body), lease,
                              [c, reply](Result<store::PutResponse> r) {
                                if (!r.has_value()) return reply(ErrorResponse(r.error(), c.raft));
                                json body = {{"revision", r->revision}, {"prev_kv", nullptr}};
                                if (r->prev_kv)
                                  body["prev_kv"] = json::parse(KeyValueJson(*r->prev_kv));
                                reply(HttpResponse::Json(200, Dump(body)));
                              });
                },
                {.prefix = true, .mutating = true});
  server.Handle(HttpMethod::kDelete, std::string(kKvPath),
                [c](HttpRequest request, Responder reply) {
                  const bool prefix = QueryFlag(request, "prefix");
                  std::string key = request.path.substr(kKvPath.size());
                  if (key.empty() && !prefix)
                    return reply(HttpResponse::JsonError(400, "empty key"));
                  auto done = [c, reply](Result<store::DeleteResponse> r) {
                    if (!r.has_value()) return reply(ErrorResponse(r.error(), c.raft));
                    reply(HttpResponse::Json(200, DeleteJson(*r)));
                  };
                  if (prefix) return c.store.DeleteRange(std::move(key), done);
                  c.store.Delete(std::move(key), done);
                },
                {.prefix = true, .mutating = true});
}

void InstallLease(admin::AdminServer& server, const AdminContext& c) {
  server.Handle(HttpMethod::kPost, "/v1/lease",
                [c](HttpRequest request, Responder reply) {
                  Result<Duration> ttl = ParseLeaseTtl(request.body, c.min_lease_ttl);
                  if (!ttl.has_value()) return reply(ErrorResponse(ttl.error(), c.raft));
                  c.store.LeaseGrant(*ttl, [c, reply](Result<store::LeaseGrantResponse> r) {
                    if (!r.has_value()) return reply(ErrorResponse(r.error(), c.raft));
                    reply(HttpResponse::Json(200, LeaseJson(r->id, r->ttl)));
                  });
                },
                {.prefix = false, .mutating = true});
  server.Handle(HttpMethod::kPost, std::string(kLeasePath),
                [c](HttpRequest request, Responder reply) {
                  std::string_view rest = std::string_view(request.path).substr(kLeasePath.size());
                  constexpr std::string_view kSuffix = "/keepalive";
                  uint64_t id = 0;
                  if (!rest.ends_with(kSuffix) ||
                      !ParseU64(rest.substr(0, rest.size() - kSuffix.size()), &id)) {
                    return reply(HttpResponse::JsonError(404, "expected /v1/lease/<id>/keepalive"));
                  }
                  c.store.LeaseKeepAlive(id, [c, id, reply](Result<Duration> r) {
                    if (!r.has_value()) return reply(ErrorResponse(r.error(), c.raft));
                    reply(HttpResponse::Json(200, LeaseJson(id, *r)));
                  });
                },
                {.prefix = true, .mutating = true});
  server.Handle(
      HttpMethod::kDelete, std::string(kLeasePath),
      [c](HttpRequest request, Responder reply) {
        uint64_t id = 0;
        if (!ParseU64(std::string_view(request.path).substr(kLeasePath.size()), &id)) {
          return reply(HttpResponse::JsonError(400, "lease id must be a positive integer"));
        }
        c.store.LeaseRevoke(id, [c, reply](Result<store::DeleteResponse> r) {
          if (!r.has_value()) return reply(ErrorResponse(r.error(), c.raft));
          reply(HttpResponse::Json(200, DeleteJson(*r)));
        });
      },
      {.prefix = true, .mutating = true});
}

// One long poll: answered by the first batch of events or by its timer.
struct WatchPoll {
  bool answered = false;
  store::WatchId id = 0;
  net::TimerHandle timer;
  Responder reply;
  store::Revision from = 0;
};

void InstallWatch(admin::AdminServer& server, const AdminContext& c) {
  server.Handle(
      HttpMethod::kGet, std::string(kWatchPath),
      [c](HttpRequest request, Responder reply) {
        auto poll = std::make_shared<WatchPoll>();
        poll->reply = std::move(reply);
        auto from = request.query.find("from");
        if (from != request.query.end() && !ParseU64(from->second, &poll->from)) {
          return poll->reply(HttpResponse::JsonError(400, "from must be a revision"));
        }
        Duration wait = kDefaultWatchWait;
        auto timeout = request.query.find("timeout");
        if (timeout != request.query.end() && !ParseDuration(timeout->second, &wait)) {
          return poll->reply(HttpResponse::JsonError(400, "timeout must be a duration"));
        }
        wait = std::min(wait, kMaxWatchWait);
        const store::Revision next_now = c.raft.state().revision() + 1;
        const store::Revision start = poll->from == 0 ? next_now : poll->from;
        poll->id = c.store.Watch(
            request.path.substr(kWatchPath.size()), start,
            [c, poll](Result<std::vector<store::Event>> r) {
              if (poll->answered) return;
              poll->answered = true;
              poll->timer.Cancel();
              c.store.Cancel(poll->id);
              if (!r.has_value()) {
                if (store::IsCompacted(r.error())) {
                  return poll->reply(HttpResponse::JsonError(410, r.error().message()));
                }
                return poll->reply(ErrorResponse(r.error(), c.raft));
              }
              std::string events = "[";
              for (size_t i = 0; i < r->size(); ++i) {
                if (i) events += ',';
                events += EventJson((*r)[i]);
              }
              const store::Revision next = r->empty() ? poll->from : r->back().revision() + 1;
              poll->reply(HttpResponse::Json(
                  200, R"({"revision":)" + std::to_string(c.raft.state().revision()) +
                           R"(,"next":)" + std::to_string(next) + R"(,"events":)" + events + "]}"));
            });
        poll->timer = c.loop.RunAfter(wait, [c, poll, start] {
          if (poll->answered) return;
          poll->answered = true;
          c.store.Cancel(poll->id);
          poll->reply(HttpResponse::Json(
              200, R"({"revision":)" + std::to_string(c.raft.state().revision()) + R"(,"next":)" +
                       std::to_string(start) + R"(,"events":[]})"));
        });
      },
      {.prefix = true, .mutating = false});
}

}  // namespace

void InstallKvRoutes(admin::AdminServer& server, const AdminContext& context) {
  InstallKv(server, context);
  InstallLease(server, context);
  InstallWatch(server, context);
}

}  // namespace baton::agent
