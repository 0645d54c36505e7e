// The peer wire format: frames with a fixed header, and the hello payload.
//
//   frame  := header payload
//   header := magic:u32 version:u8 type:u8 reserved:u16(=0) length:u32 crc:u32
//             (little-endian, 16 bytes; crc is the masked CRC32C of payload)
//   hello  := cluster:lenprefixed node_id:u64 node_name:lenprefixed
//
// Decoding never trusts its input: a bad magic, version, type or reserved
// field, a length over the caller's bound, a CRC mismatch or a truncated
// hello is a Corruption status, never undefined behaviour. Pure functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/status.h"

namespace baton::net {

// A node's id, the same number raft::NodeId carries.
using NodeId = uint64_t;

enum class FrameType : uint8_t {
  kHello = 1,  // first frame each way: who is speaking
  kData = 2,   // an opaque payload for the receive callback
  kPing = 3,   // payload echoed back in a kPong, to measure round trips
  kPong = 4,
};

inline constexpr uint32_t kFrameMagic = 0x4e544142;  // "BATN" on the wire
inline constexpr uint8_t kProtocolVersion = 1;
inline constexpr size_t kFrameHeaderSize = 16;

struct FrameHeader {
  FrameType type = FrameType::kData;
  uint32_t length = 0;  // payload bytes
  uint32_t masked_crc = 0;
};

// Header followed by payload. REQUIRES: payload.size() < 4 GiB.
std::string EncodeFrame(FrameType type, std::string_view payload);

// Checks and parses the kFrameHeaderSize bytes at the start of `bytes`.
// REQUIRES: bytes.size() >= kFrameHeaderSize.
Result<FrameHeader> DecodeFrameHeader(std::string_view bytes, uint32_t max_payload_bytes);

// OK when `payload` has the header's length and CRC.
Status CheckFramePayload(const FrameHeader& header, std::string_view payload);

struct Hello {
  std::string cluster;
  NodeId node_id = 0;
  std::string node_name;
};

std::string EncodeHello(const Hello& hello);
Result<Hello> DecodeHello(std::string_view payload);

}  // namespace baton::net
