// Membership routes (admin_routes.h).
#include <charconv>
#include <nlohmann/json.hpp>

#include "agent/admin_routes.h"
#include "agent/http_json.h"
#include "agent/member_check.h"

namespace baton::agent {
namespace {

using nlohmann::json;

constexpr std::string_view kMembersPath = "/v1/members/";

}  // namespace

void InstallMemberRoutes(admin::AdminServer& server, const AdminContext& c) {
  server.Handle(HttpMethod::kGet, "/v1/members", [c](HttpRequest, Responder reply) {
    std::string body = R"({"members":[)";
    bool first = true;
    for (const MemberStatus& m : c.raft.Describe().members) {
      json member = json::parse(MemberJson(m.info));
      member["role"] = m.learner ? "learner" : "voter";
      if (!first) body += ',';
      body += Dump(member);
      first = false;
    }
    reply(HttpResponse::Json(200, body + "]}"));
  });
  server.Handle(HttpMethod::kPost, "/v1/members",
                [c](HttpRequest request, Responder reply) {
                  Result<MemberInfo> member = DecodeMemberInfo(request.body);
                  if (!member.has_value()) {
                    return reply(HttpResponse::JsonError(400, member.error().message()));
                  }
                  if (Status s = CheckNewMember(*member); !s.ok()) {
                    return reply(HttpResponse::JsonError(400, s.message()));
                  }
                  c.raft.AddMember(*member, [c, member = *member, reply](Status s) {
                    if (!s.ok()) return reply(ErrorResponse(s, c.raft));
                    json body = json::parse(MemberJson(member));
                    body["role"] = "learner";
                    reply(HttpResponse::Json(200, body.dump()));
                  });
                },
                {.prefix = false, .mutating = true});
  server.Handle(
      HttpMethod::kDelete, std::string(kMembersPath),
      [c](HttpRequest request, Responder reply) {
        const std::string_view text = std::string_view(request.path).substr(kMembersPath.size());
        uint64_t id = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
        if (ec != std::errc() || end != text.data() + text.size() || id == 0) {
          return reply(HttpResponse::JsonError(400, "member id must be a positive integer"));
        }
        c.raft.RemoveMember(id, [c, id, reply](Status s) {
          if (!s.ok()) return reply(ErrorResponse(s, c.raft));
          reply(HttpResponse::Json(200, json({{"removed", id}}).dump()));
        });
      },
      {.prefix = true, .mutating = true});
}

}  // namespace baton::agent
