#include "net/frame.h"

#include "core/check.h"
#include "core/coding.h"
#include "core/crc32c.h"

namespace baton::net {

std::string EncodeFrame(FrameType type, std::string_view payload) {
  BATON_CHECK(payload.size() <= UINT32_MAX) << "frame payload over 4 GiB";
  std::string out;
  out.reserve(kFrameHeaderSize + payload.size());
  PutFixed32(&out, kFrameMagic);
  out.push_back(static_cast<char>(kProtocolVersion));
  out.push_back(static_cast<char>(type));
  out.append(2, '\0');
  PutFixed32(&out, static_cast<uint32_t>(payload.size()));
  PutFixed32(&out, crc32c::Mask(crc32c::Value(payload)));
  out.append(payload);
  return out;
}

Result<FrameHeader> DecodeFrameHeader(std::string_view bytes, uint32_t max_payload_bytes) {
  BATON_CHECK(bytes.size() >= kFrameHeaderSize) << "short frame header buffer";
  Decoder d(bytes.substr(0, kFrameHeaderSize));
  uint32_t magic = 0;
  uint8_t version = 0;
  uint8_t type = 0;
  std::string_view reserved;
  FrameHeader h;
  BATON_CHECK(d.GetFixed32(&magic) && d.GetU8(&version) && d.GetU8(&type) &&
              d.GetBytes(2, &reserved) && d.GetFixed32(&h.length) && d.GetFixed32(&h.masked_crc));
  if (magic != kFrameMagic) return Status::Corruption("bad frame magic");
  if (version != kProtocolVersion) {
    return Status::Corruption("unsupported protocol version " + std::to_string(version));
  }
  if (type < static_cast<uint8_t>(FrameType::kHello) ||
      type > static_cast<uint8_t>(FrameType::kPong)) {
    return Status::Corruption("unknown frame type " + std::to_string(type));
  }
  if (reserved != std::string_view("\0\0", 2)) return Status::Corruption("reserved bits set");
  if (h.length > max_payload_bytes) {
    return Status::Corruption("frame length " + std::to_string(h.length) + " over limit " +
                              std::to_string(max_payload_bytes));
  }
  h.type = static_cast<FrameType>(type);
  return h;
}

Status CheckFramePayload(const FrameHeader& header, std::string_view payload) {
  if (payload.size() != header.length) return Status::Corruption("frame payload truncated");
  if (crc32c::Unmask(header.masked_crc) != crc32c::Value(payload)) {
    return Status::Corruption("frame CRC mismatch");
  }
  return Status::Ok();
}

std::string EncodeHello(const Hello& hello) {
  std::string out;
  PutLengthPrefixed(&out, hello.cluster);
  PutFixed64(&out, hello.node_id);
  PutLengthPrefixed(&out, hello.node_name);
  return out;
}

Result<Hello> DecodeHello(std::string_view payload) {
  Decoder d(payload);
  std::string_view cluster;
  std::string_view name;
  Hello hello;
  if (!d.GetLengthPrefixed(&cluster) || !d.GetFixed64(&hello.node_id) ||
      !d.GetLengthPrefixed(&name) || !d.empty()) {
    return Status::Corruption("malformed hello");
  }
  hello.cluster = std::string(cluster);
  hello.node_name = std::string(name);
  return hello;
}

}  // namespace baton::net
