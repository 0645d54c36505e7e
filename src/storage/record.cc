#include "storage/record.h"

#include <optional>

#include "core/check.h"
#include "core/coding.h"
#include "core/crc32c.h"

namespace baton::storage {
namespace {

uint32_t RecordCrc(uint8_t type, std::string_view payload) {
  const uint32_t crc = crc32c::Value(&type, 1);
  return crc32c::Extend(crc, payload.data(), payload.size());
}

// The intact record starting at `offset`, if there is one.
std::optional<RecordView> ParseAt(std::string_view file, size_t offset) {
  if (file.size() - offset < kRecordHeaderBytes) return std::nullopt;
  const char* header = file.data() + offset;
  const size_t length = DecodeFixed32(header);
  if (length > kMaxRecordPayloadBytes || length > file.size() - offset - kRecordHeaderBytes) {
    return std::nullopt;
  }
  const auto type = static_cast<uint8_t>(header[8]);
  const std::string_view payload = file.substr(offset + kRecordHeaderBytes, length);
  if (crc32c::Unmask(DecodeFixed32(header + 4)) != RecordCrc(type, payload)) return std::nullopt;
  return RecordView{.type = type, .payload = payload, .offset = offset};
}

}  // namespace

void AppendRecord(std::string* dst, uint8_t type, std::string_view payload) {
  BATON_CHECK(payload.size() <= kMaxRecordPayloadBytes) << "record of " << payload.size();
  PutFixed32(dst, static_cast<uint32_t>(payload.size()));
  PutFixed32(dst, crc32c::Mask(RecordCrc(type, payload)));
  dst->push_back(static_cast<char>(type));
  dst->append(payload);
}

Result<RecordScan> ScanRecords(std::string_view file) {
  RecordScan scan;
  size_t offset = 0;
  while (offset < file.size()) {
    std::optional<RecordView> record = ParseAt(file, offset);
    if (!record) break;
    offset += kRecordHeaderBytes + record->payload.size();
    scan.records.push_back(*record);
  }
  scan.valid_bytes = offset;
  // Anything valid after the damage means the damage is not a torn tail.
  for (size_t later = offset + 1; later < file.size(); ++later) {
    if (ParseAt(file, later)) {
      return Status::Corruption("damaged record at offset " + std::to_string(offset) +
                                " is followed by a valid record at offset " +
                                std::to_string(later));
    }
  }
  return scan;
}

}  // namespace baton::storage
