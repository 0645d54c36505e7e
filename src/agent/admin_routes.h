// The agent's HTTP admin API, installed on src/admin's AdminServer.
//
//   GET    /health/live                 200 while the process serves
//   GET    /health/ready                200 with a known leader and applied close to
//                                       commit; 503 {"status":"not ready","reason":..}
//   GET    /v1/status                   node, term, role, leader, commit, applied, members,
//                                       detection (peers' suspicion), health (every member's
//                                       checks, from the store), events (this node's recent)
//   GET    /metrics                     Prometheus text format
//   GET    /v1/kv/<key>[?prefix=1]      linearizable read; 404 for a missing exact key
//   PUT    /v1/kv/<key>[?lease=<id>]    body = value
//   DELETE /v1/kv/<key>[?prefix=1]
//   POST   /v1/lease                    {"ttl":"10s"} or {"ttl_ms":10000} -> {"id","ttl_ms"}
//   POST   /v1/lease/<id>/keepalive     -> {"id","ttl_ms"}
//   DELETE /v1/lease/<id>
//   GET    /v1/watch/<prefix>?from=<rev>[&timeout=30s]   long poll (at most 60s)
//   GET    /v1/members
//   POST   /v1/members                  {"id","name","peer","admin"}: added as a learner,
//                                       promoted to voter once caught up
//   DELETE /v1/members/<id>
//
// Every mutating route (PUT, POST, DELETE) needs the bearer token. Writes,
// keep-alives and membership changes on a node that is not the leader get
// 421 {"error":"not leader","leader":{"id","name","admin"}} so clients can
// redirect; 503 when no leader is known. Other errors are JSON
// {"error":...} with 400, 404, 409, 410 (watch below compaction), 503 or 504.
// Keys are everything after "/v1/kv/", percent-decoded ("/v1/kv/%2Fa" is "/a").
//
// Handlers must run on the loop thread: give the AdminServer a dispatcher
// that posts onto the agent's EventLoop. The objects in AdminContext must
// outlive every handler run.
#pragma once

#include "admin/admin_server.h"
#include "admin/metrics.h"
#include "agent/health_service.h"
#include "agent/peer_heartbeats.h"
#include "agent/raft_server.h"
#include "agent/store_service.h"
#include "net/event_loop.h"

namespace baton::agent {

struct AdminContext {
  net::EventLoop& loop;
  RaftServer& raft;
  StoreService& store;
  admin::MetricsRegistry& metrics;
  const HealthService* health = nullptr;       // nullptr: no health section of its own
  const PeerHeartbeats* heartbeats = nullptr;  // nullptr: no detection section
  // The shortest ttl POST /v1/lease grants: the election timeout (lease_ttl.h).
  Duration min_lease_ttl = Duration::Zero();
};

void InstallAdminRoutes(admin::AdminServer& server, const AdminContext& context);

// The parts, for tests and for each other.
void InstallStatusRoutes(admin::AdminServer& server, const AdminContext& context);
void InstallKvRoutes(admin::AdminServer& server, const AdminContext& context);
void InstallMemberRoutes(admin::AdminServer& server, const AdminContext& context);

}  // namespace baton::agent
