// The two encodings the agent adds around the Raft core:
//
// Peer payloads. Every PeerTransport payload is either an encoded
// raft::Message (raft/codec.h; it opens with raft::kMessageFormatVersion) or
// a member announcement: kAnnounceTag followed by an encoded MemberInfo. A
// follower announces itself to the leader so the leader records its admin
// address in the store. kHeartbeatTag alone is an agent-to-agent heartbeat
// (docs/detection.md, "Agent heartbeats"); kHealthTag followed by a
// length-prefixed key and a value is a health record a follower forwards to
// the leader to store (only under /baton/health/<sender>/).
//
// Proposals. A store command proposed by an agent travels in the Raft entry
// wrapped with the proposer's id and a request id, so the proposer (and only
// it) can complete the caller when the entry is applied:
//   varint proposer, varint request_id, then the encoded store command.
//
// Decoding never trusts its input (Corruption for malformed bytes).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "agent/member_info.h"
#include "core/result.h"
#include "raft/types.h"

namespace baton::agent {

inline constexpr uint8_t kAnnounceTag = 0xB1;
inline constexpr uint8_t kHeartbeatTag = 0xB2;
inline constexpr uint8_t kHealthTag = 0xB3;

struct Heartbeat {};
struct HealthRecord {
  std::string key;
  std::string value;
};

using Payload = std::variant<raft::Message, MemberInfo, Heartbeat, HealthRecord>;

std::string EncodeRaftPayload(const raft::Message& message);
std::string EncodeAnnouncePayload(const MemberInfo& member);
std::string EncodeHeartbeatPayload();
std::string EncodeHealthPayload(const HealthRecord& record);
Result<Payload> DecodePayload(std::string_view bytes);

struct Proposal {
  uint64_t proposer = 0;
  uint64_t request_id = 0;
  std::string command;  // store::EncodeCommand bytes
};

std::string EncodeProposal(const Proposal& proposal);
Result<Proposal> DecodeProposal(std::string_view bytes);

}  // namespace baton::agent
