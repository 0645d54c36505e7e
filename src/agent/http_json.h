// JSON shapes and error mapping shared by the admin routes. Values and keys
// that are not valid UTF-8 are rendered with U+FFFD replacements.
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "admin/http_message.h"
#include "admin/router.h"
#include "agent/raft_server.h"
#include "core/status.h"
#include "store/kv.h"

namespace baton::agent {

// The HTTP names every route file uses.
using admin::HttpMethod;
using admin::HttpRequest;
using admin::HttpResponse;
using admin::Responder;

// j as compact text; strings that are not valid UTF-8 get U+FFFD.
std::string Dump(const nlohmann::json& j);

// {"key","value","create_revision","mod_revision","version","lease"}
std::string KeyValueJson(const store::KeyValue& kv);
// {"type":"put"|"delete","revision","kv":{...},"prev_kv":{...}|null}
std::string EventJson(const store::Event& event);
// {"id","name","peer","admin"}
std::string MemberJson(const MemberInfo& member);

// The response for a failed operation: 421 with the leader for
// IsNotLeader, otherwise StatusResponse.
admin::HttpResponse ErrorResponse(const Status& status, const RaftServer& raft);

// {"error":...,"code":...} with a status by StatusCode: 503 for Unavailable
// (no leader: nothing was proposed, safe to retry), and 504 with
// "outcome":"unknown" for a Timeout or an OutcomeUnknownError (the write
// may yet apply: read back before retrying).
admin::HttpResponse StatusResponse(const Status& status);

}  // namespace baton::agent
