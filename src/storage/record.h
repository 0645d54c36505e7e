// The record framing of every durable file (the Raft log and snapshots):
//
//   [length fixed32][masked crc32c fixed32][type u8][payload: length bytes]
//
// The CRC covers type and payload. Records only ever go at the end of a file,
// so after a crash the only damage a working disk leaves is at the tail: a
// record cut short, or one whose bytes did not all reach the disk.
//
// ScanRecords tells that torn tail apart from real corruption: a bad record
// (short header, length past the end, CRC mismatch) followed by nothing that
// parses as a valid record is a torn tail, and the scan stops before it; a
// bad record followed by a valid one anywhere later means bytes in the middle
// of the file changed, which recovery must not paper over: Corruption.
// Pure functions over bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace baton::storage {

inline constexpr size_t kRecordHeaderBytes = 9;
// Larger lengths are treated as damage, never as an allocation to attempt.
inline constexpr size_t kMaxRecordPayloadBytes = size_t{256} << 20;

// Appends one framed record to `dst`.
void AppendRecord(std::string* dst, uint8_t type, std::string_view payload);

struct RecordView {
  uint8_t type = 0;
  std::string_view payload;  // points into the scanned input
  size_t offset = 0;         // where the record starts in the input
};

struct RecordScan {
  std::vector<RecordView> records;
  // Bytes [0, valid_bytes) hold exactly `records`. Less than the input size
  // when a torn tail follows them.
  size_t valid_bytes = 0;
};

// Parses `file` as a sequence of records. Corruption (with the offset) when
// a damaged record is followed by a valid one.
Result<RecordScan> ScanRecords(std::string_view file);

}  // namespace baton::storage
