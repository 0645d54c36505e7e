#include "agent/member_info.h"

#include <nlohmann/json.hpp>

namespace baton::agent {

std::string EncodeMemberInfo(const MemberInfo& member) {
  nlohmann::json j = {{"id", member.id},
                      {"name", member.name},
                      {"peer", member.peer_address},
                      {"admin", member.admin_address}};
  return j.dump();
}

Result<MemberInfo> DecodeMemberInfo(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::InvalidArgument("member: not a JSON object");
  MemberInfo member;
  auto id = j.find("id");
  auto name = j.find("name");
  if (id == j.end() || !id->is_number_unsigned() || id->get<uint64_t>() == 0) {
    return Status::InvalidArgument("member: id must be a positive integer");
  }
  if (name == j.end() || !name->is_string() || name->get<std::string>().empty()) {
    return Status::InvalidArgument("member: name must be a non-empty string");
  }
  member.id = id->get<uint64_t>();
  member.name = name->get<std::string>();
  for (auto [key, field] :
       {std::pair{"peer", &member.peer_address}, std::pair{"admin", &member.admin_address}}) {
    auto it = j.find(key);
    if (it == j.end()) continue;
    if (!it->is_string())
      return Status::InvalidArgument(std::string("member: ") + key + " must be a string");
    *field = it->get<std::string>();
  }
  return member;
}

std::string MemberKey(std::string_view name) {
  return std::string(kMembersPrefix) + std::string(name);
}

}  // namespace baton::agent
