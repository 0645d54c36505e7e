#include "agent/wire.h"

#include "core/coding.h"
#include "raft/codec.h"

namespace baton::agent {

std::string EncodeRaftPayload(const raft::Message& message) { return raft::EncodeMessage(message); }

std::string EncodeAnnouncePayload(const MemberInfo& member) {
  std::string out(1, static_cast<char>(kAnnounceTag));
  out += EncodeMemberInfo(member);
  return out;
}

std::string EncodeHeartbeatPayload() { return std::string(1, static_cast<char>(kHeartbeatTag)); }

std::string EncodeHealthPayload(const HealthRecord& record) {
  std::string out(1, static_cast<char>(kHealthTag));
  PutVarint64(&out, record.key.size());
  out += record.key;
  out += record.value;
  return out;
}

Result<Payload> DecodePayload(std::string_view bytes) {
  if (bytes.empty()) return Status::Corruption("empty payload");
  if (static_cast<uint8_t>(bytes[0]) == kHeartbeatTag) {
    if (bytes.size() != 1) return Status::Corruption("heartbeat: trailing bytes");
    return Payload(Heartbeat{});
  }
  if (static_cast<uint8_t>(bytes[0]) == kHealthTag) {
    Decoder in(bytes.substr(1));
    uint64_t key_size = 0;
    if (!in.GetVarint64(&key_size) || key_size > in.remaining()) {
      return Status::Corruption("health record: truncated key");
    }
    const std::string_view rest = bytes.substr(bytes.size() - in.remaining());
    return Payload(
        HealthRecord{std::string(rest.substr(0, key_size)), std::string(rest.substr(key_size))});
  }
  if (static_cast<uint8_t>(bytes[0]) == kAnnounceTag) {
    Result<MemberInfo> member = DecodeMemberInfo(bytes.substr(1));
    if (!member.has_value()) return Status::Corruption(member.error().message());
    return Payload(std::move(member).value());
  }
  Result<raft::Message> message = raft::DecodeMessage(bytes);
  if (!message.has_value()) return message.error();
  return Payload(std::move(message).value());
}

std::string EncodeProposal(const Proposal& proposal) {
  std::string out;
  PutVarint64(&out, proposal.proposer);
  PutVarint64(&out, proposal.request_id);
  out += proposal.command;
  return out;
}

Result<Proposal> DecodeProposal(std::string_view bytes) {
  Decoder in(bytes);
  Proposal proposal;
  if (!in.GetVarint64(&proposal.proposer) || !in.GetVarint64(&proposal.request_id)) {
    return Status::Corruption("proposal: truncated header");
  }
  proposal.command = std::string(bytes.substr(bytes.size() - in.remaining()));
  return proposal;
}

}  // namespace baton::agent
