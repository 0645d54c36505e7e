#include "agent/member_check.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "config/host_port.h"

namespace baton::agent {
namespace {

bool IsName(const std::string& name) {
  return !name.empty() && name.size() <= 253 && std::all_of(name.begin(), name.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

Status CheckNewMember(const MemberInfo& member) {
  if (!IsName(member.name)) {
    return Status::InvalidArgument("member: name \"" + member.name +
                                   "\" must be letters, digits, '.', '_' or '-'");
  }
  if (member.peer_address.empty()) return Status::InvalidArgument("member: peer is required");
  if (!config::ParseHostPort(member.peer_address).has_value()) {
    return Status::InvalidArgument("member: peer \"" + member.peer_address +
                                   "\" is not host:port (port 1-65535)");
  }
  if (!member.admin_address.empty() && !config::ParseHostPort(member.admin_address).has_value()) {
    return Status::InvalidArgument("member: admin \"" + member.admin_address +
                                   "\" is not host:port (port 1-65535)");
  }
  return Status::Ok();
}

}  // namespace baton::agent
