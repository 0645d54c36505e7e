#include "storage/snapshot_file.h"

#include <algorithm>
#include <memory>
#include <string_view>

#include "core/coding.h"
#include "raft/codec.h"
#include "storage/file.h"
#include "storage/record.h"

namespace baton::storage {
namespace {

enum class SnapshotRecord : uint8_t { kWhole = 3, kHeader = 10, kChunk = 11, kEnd = 12 };

// Reads the next record of `file`: false at a clean end of file; Corruption
// for a record cut short or failing its CRC.
Result<bool> ReadRecord(SequentialFile& file, uint8_t* type, std::string* payload) {
  std::string buf;
  BATON_ASSIGN_OR_RETURN(size_t got, file.Read(kRecordHeaderBytes, &buf));
  if (got == 0) return false;
  if (got < kRecordHeaderBytes)
    return Status::Corruption(file.path() + ": record header cut short");
  const size_t length = DecodeFixed32(buf.data());
  if (length > kMaxRecordPayloadBytes) {
    return Status::Corruption(file.path() + ": record length " + std::to_string(length));
  }
  BATON_ASSIGN_OR_RETURN(got, file.Read(length, &buf));
  if (got < length) return Status::Corruption(file.path() + ": record cut short");
  Result<RecordScan> scan = ScanRecords(buf);
  if (!scan.has_value() || scan->records.size() != 1 || scan->valid_bytes != buf.size()) {
    return Status::Corruption(file.path() + ": record fails its checksum");
  }
  *type = scan->records[0].type;
  payload->assign(scan->records[0].payload);
  return true;
}

Result<raft::Snapshot> ReadChunked(SequentialFile& file, std::string_view header) {
  Decoder in(header);
  uint64_t size = 0;
  // The metadata is length-prefixed so that the size can follow it.
  std::string_view meta_bytes;
  if (!in.GetLengthPrefixed(&meta_bytes) || !in.GetVarint64(&size) || !in.empty()) {
    return Status::Corruption(file.path() + ": malformed snapshot header");
  }
  raft::Snapshot snapshot;
  BATON_ASSIGN_OR_RETURN(snapshot.meta, raft::DecodeSnapshotMeta(meta_bytes));
  uint64_t chunks = 0;
  uint8_t type = 0;
  std::string payload;
  while (true) {
    BATON_ASSIGN_OR_RETURN(bool more, ReadRecord(file, &type, &payload));
    if (!more) return Status::Corruption(file.path() + ": snapshot without its end record");
    if (type == static_cast<uint8_t>(SnapshotRecord::kChunk)) {
      if (payload.size() > size - snapshot.data.size()) {
        return Status::Corruption(file.path() + ": snapshot chunks exceed the size");
      }
      snapshot.data.append(payload);
      ++chunks;
      continue;
    }
    if (type != static_cast<uint8_t>(SnapshotRecord::kEnd)) {
      return Status::Corruption(file.path() + ": unexpected record type " + std::to_string(type));
    }
    Decoder end(payload);
    uint64_t end_size = 0;
    uint64_t end_chunks = 0;
    if (!end.GetVarint64(&end_size) || !end.GetVarint64(&end_chunks) || !end.empty() ||
        end_size != size || end_chunks != chunks || snapshot.data.size() != size) {
      return Status::Corruption(file.path() + ": snapshot end record does not match its chunks");
    }
    BATON_ASSIGN_OR_RETURN(more, ReadRecord(file, &type, &payload));
    if (more) return Status::Corruption(file.path() + ": records after the snapshot's end");
    return snapshot;
  }
}

}  // namespace

Status WriteSnapshotFile(const std::string& dir, const std::string& name,
                         const raft::Snapshot& snapshot, uint64_t* bytes_written) {
  const std::string tmp = JoinPath(dir, TempFileName(name));
  BATON_RETURN_IF_ERROR(RemoveFileIfExists(tmp));
  BATON_ASSIGN_OR_RETURN(std::unique_ptr<AppendFile> file, AppendFile::Open(tmp));
  const std::string_view image = snapshot.data;
  std::string header;
  PutLengthPrefixed(&header, raft::EncodeSnapshotMeta(snapshot.meta));
  PutVarint64(&header, image.size());
  std::string record;
  AppendRecord(&record, static_cast<uint8_t>(SnapshotRecord::kHeader), header);
  uint64_t chunks = 0;
  for (size_t offset = 0; offset < image.size(); offset += kSnapshotFileChunkBytes) {
    const size_t length = std::min(kSnapshotFileChunkBytes, image.size() - offset);
    AppendRecord(&record, static_cast<uint8_t>(SnapshotRecord::kChunk),
                 image.substr(offset, length));
    ++chunks;
    BATON_RETURN_IF_ERROR(file->Append(record));
    *bytes_written += record.size();
    record.clear();
  }
  std::string end;
  PutVarint64(&end, image.size());
  PutVarint64(&end, chunks);
  AppendRecord(&record, static_cast<uint8_t>(SnapshotRecord::kEnd), end);
  BATON_RETURN_IF_ERROR(file->Append(record));
  *bytes_written += record.size();
  BATON_RETURN_IF_ERROR(file->Sync());
  file.reset();
  BATON_RETURN_IF_ERROR(RenameFile(tmp, JoinPath(dir, name)));
  return SyncDir(dir);
}

Result<raft::Snapshot> ReadSnapshotFile(const std::string& path) {
  BATON_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, SequentialFile::Open(path));
  uint8_t type = 0;
  std::string payload;
  BATON_ASSIGN_OR_RETURN(bool any, ReadRecord(*file, &type, &payload));
  if (!any) return Status::Corruption(path + ": empty snapshot file");
  if (type == static_cast<uint8_t>(SnapshotRecord::kHeader)) return ReadChunked(*file, payload);
  if (type != static_cast<uint8_t>(SnapshotRecord::kWhole)) {
    return Status::Corruption(path + ": unexpected record type " + std::to_string(type));
  }
  Result<raft::Snapshot> snapshot = raft::DecodeSnapshot(payload);
  if (!snapshot.has_value()) return snapshot.error().WithContext(path);
  std::string rest;
  BATON_ASSIGN_OR_RETURN(any, ReadRecord(*file, &type, &rest));
  if (any) return Status::Corruption(path + ": more than one snapshot record");
  return snapshot;
}

}  // namespace baton::storage
