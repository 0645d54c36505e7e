// Failover routes (group_routes.h).
#include "agent/group_routes.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "agent/failover_service_writer.h"
#include "agent/http_json.h"

namespace baton::agent {
namespace {

using nlohmann::json;

constexpr std::string_view kGroupsPath = "/v1/groups/";

json GroupJson(const GroupDriver& driver, Instant now) {
  const failover::GroupConfig& config = driver.config();
  const GroupView v = driver.View(now);
  const failover::GroupRecord g = v.group.value_or(failover::GroupRecord{});
  json members = json::array();
  for (const failover::MemberConfig& m : config.members) {
    json member = {
        {"name", m.name}, {"node", m.node}, {"address", m.address}, {"priority", m.priority}};
    auto it = v.members.find(m.name);
    if (it != v.members.end()) {
      const failover::MemberRecord& r = it->second;
      member["role"] = failover::MemberRoleName(r.role);
      member["health"] = detect::HealthName(r.health);
      member["position"] = r.position;
      member["acked_position"] = r.acked_position;
      member["epoch_seen"] = r.epoch_seen;
      member["following"] = r.following;
      member["observed_down_by"] = r.observed_down_by;
    } else {
      member["role"] = "unknown";
      member["health"] = "unknown";
    }
    if (config.mode == failover::GroupMode::kActiveActive) {
      member["serving"] = v.serving && std::binary_search(v.serving->members.begin(),
                                                          v.serving->members.end(), m.name);
    }
    members.push_back(std::move(member));
  }
  json lease = nullptr;
  if (v.lease)
    lease = {{"member", v.lease->member}, {"node", v.lease->node}, {"epoch", v.lease->epoch}};
  json coordinator = nullptr;
  if (v.coordinator) {
    coordinator = {{"state", failover::FailoverStateName(v.coordinator->state)},
                   {"tilt", v.coordinator->tilt},
                   {"odown", v.coordinator->odown},
                   {"candidate", v.coordinator->candidate}};
  }
  json serving = nullptr;
  if (v.serving) serving = {{"epoch", v.serving->epoch}, {"members", v.serving->members}};
  json events = json::array();
  for (const detect::Event& e : v.recent_events) events.push_back(e.ToString());
  return {{"name", config.name},
          {"mode", failover::GroupModeName(config.mode)},
          {"epoch", g.epoch},
          {"primary", g.primary},
          {"state", failover::GroupStateName(g.state)},
          {"reason", g.reason},
          {"switchover_target", g.switchover_target},
          {"paused", g.paused},
          {"revision", v.group_revision},
          {"lease", lease},
          {"members", members},
          {"serving", serving},
          {"coordinator", coordinator},
          {"events", events}};
}

// The healthy replica with the highest position, then priority: the default
// switchover target.
std::string BestReplica(const GroupDriver& driver, Instant now) {
  const GroupView v = driver.View(now);
  const std::string primary = v.group ? v.group->primary : "";
  std::string best;
  std::pair<failover::Position, int> best_key{0, -1};
  for (const failover::MemberConfig& m : driver.config().members) {
    auto it = v.members.find(m.name);
    if (m.name == primary || m.priority == 0 || it == v.members.end() ||
        it->second.health != detect::Health::kHealthy) {
      continue;
    }
    const std::pair<failover::Position, int> key{it->second.position, m.priority};
    if (best.empty() || key > best_key) {
      best = m.name;
      best_key = key;
    }
  }
  return best;
}

// Hands `input` to the group's coordinator and answers for it.
void Ask(const AdminContext& c, GroupDriver& driver, const failover::CoordinatorInput& input,
         const Responder& reply) {
  if (!c.raft.leading()) return reply(ErrorResponse(NotLeaderError(), c.raft));
  const Instant now = c.loop.Now();
  const size_t before = driver.View(now).recent_events.size();
  if (Status s = driver.Request(input, now); !s.ok()) {
    return reply(HttpResponse::JsonError(503, s.message()));
  }
  const GroupView after = driver.View(now);
  for (size_t i = std::min(before, after.recent_events.size()); i < after.recent_events.size();
       ++i) {
    const detect::Event& e = after.recent_events[i];
    if (e.name.ends_with("-refused")) {
      return reply(HttpResponse::Json(409, Dump({{"error", e.ToString()}})));
    }
  }
  reply(HttpResponse::Json(200, Dump(GroupJson(driver, now))));
}

void HandlePost(const AdminContext& c, FailoverService* service, const HttpRequest& request,
                const Responder& reply) {
  const std::string rest = request.path.substr(kGroupsPath.size());
  const size_t slash = rest.find('/');
  GroupDriver* driver =
      service && slash != std::string::npos ? service->group(rest.substr(0, slash)) : nullptr;
  if (!driver) return reply(HttpResponse::JsonError(404, "no such group"));
  const std::string action = rest.substr(slash + 1);
  json body = request.body.empty() ? json::object()
                                   : json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return reply(HttpResponse::JsonError(400, "body must be a JSON object"));
  const std::string to = body.value("to", std::string());
  if (action == "pause" || action == "resume") {
    return Ask(c, *driver, failover::MaintenanceRequest{action == "pause"}, reply);
  }
  if (action == "failover") {
    return Ask(c, *driver, failover::FailoverRequest{body.value("force", false), to}, reply);
  }
  if (action == "switchover") {
    if (!c.raft.leading()) return reply(ErrorResponse(NotLeaderError(), c.raft));
    const std::string target = to.empty() ? BestReplica(*driver, c.loop.Now()) : to;
    if (target.empty())
      return reply(HttpResponse::JsonError(409, "no healthy replica to switch to"));
    if (!driver->config().FindMember(target)) {
      return reply(HttpResponse::JsonError(400, "no member " + target + " in the group"));
    }
    return Ask(c, *driver, failover::SwitchoverRequest{target}, reply);
  }
  reply(HttpResponse::JsonError(404, "unknown action " + action));
}

void HandleGet(const AdminContext& c, FailoverService* service, const HttpRequest& request,
               const Responder& reply) {
  std::string rest = request.path.substr(kGroupsPath.size());
  const bool history = rest.ends_with("/history");
  if (history) rest.resize(rest.size() - std::string_view("/history").size());
  GroupDriver* driver = service ? service->group(rest) : nullptr;
  if (!driver) return reply(HttpResponse::JsonError(404, "no such group"));
  if (!history) return reply(HttpResponse::Json(200, Dump(GroupJson(*driver, c.loop.Now()))));
  c.store.Range(failover::GroupPrefix(rest) + "history/", true,
                [c, reply](Result<store::RangeResponse> r) {
                  if (!r.has_value()) return reply(ErrorResponse(r.error(), c.raft));
                  json out = json::array();
                  for (const store::KeyValue& kv : r->kvs) {
                    json t = json::parse(kv.value, nullptr, /*allow_exceptions=*/false);
                    if (!t.is_discarded()) out.push_back(std::move(t));
                  }
                  reply(HttpResponse::Json(200, Dump({{"history", out}})));
                });
}

void HandleTxn(const AdminContext& c, const HttpRequest& request, const Responder& reply) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  std::string bytes;
  if (!body.is_object() || !body.contains("command") || !body["command"].is_string() ||
      !HexDecode(body["command"].get<std::string>(), &bytes)) {
    return reply(HttpResponse::JsonError(400, R"(body must be {"command":"<hex>"})"));
  }
  Result<store::Command> command = store::DecodeCommand(bytes);
  if (!command.has_value() || !std::holds_alternative<store::Txn>(*command)) {
    return reply(HttpResponse::JsonError(400, "command is not an encoded transaction"));
  }
  c.store.Commit(std::get<store::Txn>(std::move(*command)), [c,
                                                             reply](Result<store::TxnResponse> r) {
    if (!r.has_value()) return reply(ErrorResponse(r.error(), c.raft));
    reply(HttpResponse::Json(200, Dump({{"succeeded", r->succeeded}, {"revision", r->revision}})));
  });
}

}  // namespace

void InstallGroupRoutes(admin::AdminServer& server, const AdminContext& c,
                        FailoverService* service) {
  server.Handle(HttpMethod::kGet, "/v1/groups", [c, service](HttpRequest, Responder reply) {
    json groups = json::array();
    if (service) {
      for (const std::string& name : service->group_names()) {
        groups.push_back(GroupJson(*service->group(name), c.loop.Now()));
      }
    }
    reply(HttpResponse::Json(200, Dump({{"groups", groups}})));
  });
  server.Handle(
      HttpMethod::kGet, std::string(kGroupsPath),
      [c, service](HttpRequest request, Responder reply) { HandleGet(c, service, request, reply); },
      {.prefix = true, .mutating = false});
  server.Handle(HttpMethod::kPost, std::string(kGroupsPath),
                [c, service](HttpRequest request, Responder reply) {
                  HandlePost(c, service, request, reply);
                },
                {.prefix = true, .mutating = true});
  server.Handle(HttpMethod::kPost, "/v1/txn",
                [c](HttpRequest request, Responder reply) { HandleTxn(c, request, reply); },
                {.prefix = false, .mutating = true});
}

}  // namespace baton::agent
