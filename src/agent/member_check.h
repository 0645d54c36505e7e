// CheckNewMember: what POST /v1/members demands of a member before it is
// proposed, beyond DecodeMemberInfo's shape: a name of letters, digits, '.',
// '_' and '-' (it becomes a store key segment and a certificate name), a
// peer address that is host:port with a port in 1..65535 (the transport will
// dial it), and an admin address that is empty or host:port. Pure.
#pragma once

#include "agent/member_info.h"
#include "core/status.h"

namespace baton::agent {

// InvalidArgument naming the field and the value, e.g.
// `member: peer "garbage" is not host:port`.
Status CheckNewMember(const MemberInfo& member);

}  // namespace baton::agent
