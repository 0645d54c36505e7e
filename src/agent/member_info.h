// MemberInfo: what the agents of a cluster know about each other beyond the
// Raft id: the node's name, where its peer transport listens and where its
// admin API listens (so a follower can point a client at the leader).
//
// The replicated store holds one record per member under kMembersPrefix
// (/baton/members/<name>), as JSON; the same encoding travels in the context
// of membership changes and in member announcements between agents.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace baton::agent {

inline constexpr std::string_view kMembersPrefix = "/baton/members/";

struct MemberInfo {
  uint64_t id = 0;
  std::string name;
  std::string peer_address;   // "host:port" of its peer transport
  std::string admin_address;  // "host:port" of its admin API; empty when unknown

  friend bool operator==(const MemberInfo&, const MemberInfo&) = default;
};

// {"id":1,"name":"n1","peer":"127.0.0.1:7101","admin":"127.0.0.1:7201"}
std::string EncodeMemberInfo(const MemberInfo& member);
// InvalidArgument for anything but such an object with a non-zero id and a name.
Result<MemberInfo> DecodeMemberInfo(std::string_view json);

// The store key of a member's record.
std::string MemberKey(std::string_view name);

}  // namespace baton::agent
