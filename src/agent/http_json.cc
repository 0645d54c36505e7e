#include "agent/http_json.h"

#include <nlohmann/json.hpp>

#include "agent/write_outcome.h"
#include "raft/raw_node.h"

namespace baton::agent {
namespace {

using nlohmann::json;

json KvObject(const store::KeyValue& kv) {
  return {{"key", kv.key},
          {"value", kv.value},
          {"create_revision", kv.create_revision},
          {"mod_revision", kv.mod_revision},
          {"version", kv.version},
          {"lease", kv.lease}};
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kInvalidArgument:
    case StatusCode::kCorruption:
      return 400;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kTimeout:
      return 504;
    case StatusCode::kUnavailable:
    case StatusCode::kAborted:
      return 503;
    default:
      return 500;
  }
}

}  // namespace

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string KeyValueJson(const store::KeyValue& kv) { return Dump(KvObject(kv)); }

std::string EventJson(const store::Event& event) {
  json j = {{"type", event.type == store::EventType::kPut ? "put" : "delete"},
            {"revision", event.revision()},
            {"kv", KvObject(event.kv)},
            {"prev_kv", event.prev_kv ? KvObject(*event.prev_kv) : json(nullptr)}};
  return Dump(j);
}

std::string MemberJson(const MemberInfo& member) {
  return Dump({{"id", member.id},
               {"name", member.name},
               {"peer", member.peer_address},
               {"admin", member.admin_address}});
}

admin::HttpResponse StatusResponse(const Status& status) {
  if (IsOutcomeUnknown(status) || status.IsTimeout()) {
    // The write may or may not have been applied: read back before retrying.
    return admin::HttpResponse::Json(
        504, Dump({{"error", status.message()},
                   {"code", status.IsTimeout() ? "Timeout" : "OutcomeUnknown"},
                   {"outcome", "unknown"}}));
  }
  return admin::HttpResponse::Json(
      raft::IsEntryTooLarge(status) ? 413 : HttpStatusFor(status.code()),
      Dump({{"error", status.message()}, {"code", std::string(StatusCodeName(status.code()))}}));
}

admin::HttpResponse ErrorResponse(const Status& status, const RaftServer& raft) {
  if (IsNotLeader(status)) {
    json body = {{"error", "not leader"}};
    const uint64_t leader = raft.leader();
    if (leader != 0) {
      MemberInfo info = raft.Member(leader).value_or(MemberInfo{leader, "", "", ""});
      body["leader"] = {{"id", leader}, {"name", info.name}, {"admin", info.admin_address}};
    }
    return admin::HttpResponse::Json(421, Dump(body));
  }
  return StatusResponse(status);
}

}  // namespace baton::agent
