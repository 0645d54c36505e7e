// Health, status and metrics routes (admin_routes.h).
#include <nlohmann/json.hpp>

#include "agent/admin_routes.h"
#include "agent/http_json.h"

namespace baton::agent {
namespace {

using nlohmann::json;

// A ready node has applied all but this many committed entries.
constexpr uint64_t kReadyApplyLag = 16;

json MemberObject(const MemberInfo& m) {
  return {{"id", m.id}, {"name", m.name}, {"peer", m.peer_address}, {"admin", m.admin_address}};
}

json StatusObject(const RaftServer& raft) {
  const ServerStatus s = raft.Describe();
  json members = json::array();
  for (const MemberStatus& m : s.members) {
    json member = MemberObject(m.info);
    member["role"] = m.learner ? "learner" : "voter";
    member["self"] = m.self;
    member["connected"] = m.connected;
    member["match"] = m.match ? json(*m.match) : json(nullptr);
    member["last_contact_ms"] = m.last_contact ? json(m.last_contact->millis()) : json(nullptr);
    member["rtt_ms"] = m.rtt ? json(m.rtt->micros() / 1000.0) : json(nullptr);
    members.push_back(std::move(member));
  }
  json leader = nullptr;
  if (s.leader != 0) {
    leader = MemberObject(raft.Member(s.leader).value_or(MemberInfo{s.leader, "", "", ""}));
  }
  return {{"node", MemberObject(s.self)},
          {"term", s.term},
          {"role", raft::RoleName(s.role)},
          {"leader", leader},
          {"commit", s.commit},
          {"applied", s.applied},
          {"revision", raft.state().revision()},
          {"members", members}};
}

json EventObject(const detect::Event& e) {
  json fields = json::object();
  for (const auto& [key, value] : e.fields) fields[key] = value;
  return {{"name", e.name}, {"target", e.target}, {"fields", fields}};
}

// Peer suspicion as this node's detector judges it.
json DetectionObject(const PeerHeartbeats& heartbeats) {
  json peers = json::array();
  for (const detect::PeerStatus& p : heartbeats.Status()) {
    peers.push_back({{"name", p.peer},
                     {"phi", p.suspicion},
                     {"suspected", p.suspected},
                     {"silence_ms", p.silence.millis()}});
  }
  return {
      {"detector", heartbeats.detector()}, {"threshold", heartbeats.threshold()}, {"peers", peers}};
}

// Every member's health record in the store (this node's local copy, so
// status answers without a leader), ordered by node, group and member.
json HealthArray(const RaftServer& raft) {
  json records = json::array();
  for (const store::KeyValue& kv : raft.state().Range("/baton/health/", true)) {
    json record = json::parse(kv.value, nullptr, /*allow_exceptions=*/false);
    if (record.is_object()) records.push_back(std::move(record));
  }
  return records;
}

json EventsArray(const AdminContext& c) {
  json events = json::array();
  if (c.health) {
    for (const detect::Event& e : c.health->recent_events()) events.push_back(EventObject(e));
  }
  if (c.heartbeats) {
    for (const detect::Event& e : c.heartbeats->recent_events()) events.push_back(EventObject(e));
  }
  return events;
}

}  // namespace

void InstallStatusRoutes(admin::AdminServer& server, const AdminContext& c) {
  server.Handle(HttpMethod::kGet, "/health/live", [](HttpRequest, Responder reply) {
    reply(HttpResponse::Json(200, R"({"status":"live"})"));
  });
  server.Handle(HttpMethod::kGet, "/health/ready", [c](HttpRequest, Responder reply) {
    const ServerStatus s = c.raft.Describe();
    std::string reason;
    if (s.leader == 0) {
      reason = "no leader known";
    } else if (s.receiving_snapshot) {
      reason = "receiving a snapshot from the leader";
    } else if (s.applied + kReadyApplyLag < s.leader_commit) {
      reason = "applied index " + std::to_string(s.applied) + " behind the leader's commit index " +
               std::to_string(s.leader_commit);
    }
    if (reason.empty()) return reply(HttpResponse::Json(200, R"({"status":"ready"})"));
    reply(HttpResponse::Json(503, Dump({{"status", "not ready"}, {"reason", reason}})));
  });
  server.Handle(HttpMethod::kGet, "/v1/status", [c](HttpRequest, Responder reply) {
    json status = StatusObject(c.raft);
    status["detection"] = c.heartbeats ? DetectionObject(*c.heartbeats) : json(nullptr);
    status["health"] = HealthArray(c.raft);
    status["events"] = EventsArray(c);
    reply(HttpResponse::Json(200, Dump(status)));
  });
  server.Handle(HttpMethod::kGet, "/metrics", [c](HttpRequest, Responder reply) {
    c.raft.RefreshMetrics();
    HttpResponse response = HttpResponse::Text(200, c.metrics.RenderPrometheus());
    response.content_type = "text/plain; version=0.0.4";
    reply(std::move(response));
  });
}

void InstallAdminRoutes(admin::AdminServer& server, const AdminContext& context) {
  InstallStatusRoutes(server, context);
  InstallKvRoutes(server, context);
  InstallMemberRoutes(server, context);
}

}  // namespace baton::agent
