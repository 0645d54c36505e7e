#include "storage/durable_log.h"

#include <chrono>
#include <utility>

#include "core/check.h"
#include "raft/codec.h"
#include "storage/snapshot_file.h"

namespace baton::storage {
namespace {

constexpr char kLockFile[] = "LOCK";
constexpr char kLogFile[] = "raft.log";
constexpr char kSnapshotFile[] = "snapshot";

// Type 3 is the snapshot file's (storage/snapshot_file.h).
enum class RecordType : uint8_t { kEntry = 1, kHardState = 2 };

void AppendTyped(std::string* dst, RecordType type, std::string_view payload) {
  AppendRecord(dst, static_cast<uint8_t>(type), payload);
}

raft::Index LastIndex(const raft::RestoredState& state) {
  return state.entries.empty() ? state.snapshot.meta.index : state.entries.back().index;
}

// Appends `entry` to `log`, replacing the suffix from entry.index on (all of
// `log` if the entry precedes it). False when the entry would leave a gap.
bool AppendOverwriting(std::vector<raft::Entry>* log, raft::Entry entry) {
  if (!log->empty()) {
    const raft::Index first = log->front().index;
    if (entry.index > log->back().index + 1) return false;
    if (entry.index < first) {
      log->clear();
    } else {
      log->resize(entry.index - first);
    }
  }
  log->push_back(std::move(entry));
  return true;
}

// Drops the entries `meta` covers. If `log` does not hold the snapshot's
// last entry with the snapshot's term, nothing in it can follow the
// snapshot, so all of it goes.
void DropCovered(std::vector<raft::Entry>* log, const raft::SnapshotMeta& meta) {
  if (log->empty() || log->front().index > meta.index) return;
  const raft::Index first = log->front().index;
  if (log->back().index < meta.index || (*log)[meta.index - first].term != meta.term) {
    log->clear();
    return;
  }
  log->erase(log->begin(), log->begin() + static_cast<ptrdiff_t>(meta.index - first + 1));
}

}  // namespace

DurableLog::DurableLog(std::string dir, Logger& logger, std::unique_ptr<FileLock> lock)
    : dir_(std::move(dir)), logger_(logger), lock_(std::move(lock)) {}

DurableLog::~DurableLog() = default;

Result<std::unique_ptr<DurableLog>> DurableLog::Open(const std::string& dir, Logger& logger) {
  BATON_RETURN_IF_ERROR(CreateDirIfMissing(dir));
  BATON_ASSIGN_OR_RETURN(std::unique_ptr<FileLock> lock,
                         FileLock::Acquire(JoinPath(dir, kLockFile)));
  std::unique_ptr<DurableLog> log(new DurableLog(dir, logger, std::move(lock)));
  BATON_RETURN_IF_ERROR(log->Recover());
  return log;
}

Status DurableLog::Recover() {
  for (const char* name : {kLogFile, kSnapshotFile}) {
    const std::string tmp = JoinPath(dir_, TempFileName(name));
    if (!FileExists(tmp)) continue;
    if (logger_.Enabled(LogLevel::kInfo)) {
      logger_.Log(LogLevel::kInfo, "storage: removing " + tmp + " left by an interrupted write");
    }
    BATON_RETURN_IF_ERROR(RemoveFileIfExists(tmp));
  }
  BATON_RETURN_IF_ERROR(RecoverSnapshot());
  return RecoverLog();
}

Status DurableLog::RecoverSnapshot() {
  Result<raft::Snapshot> snapshot = ReadSnapshotFile(JoinPath(dir_, kSnapshotFile));
  if (!snapshot.has_value()) return snapshot.error().IsNotFound() ? Status::Ok() : snapshot.error();
  state_.snapshot = std::move(*snapshot);
  return Status::Ok();
}

Status DurableLog::RecoverLog() {
  const std::string path = JoinPath(dir_, kLogFile);
  const bool existed = FileExists(path);
  Result<std::string> file = existed ? ReadFileToString(path) : Result<std::string>(std::string());
  if (!file.has_value()) return file.error();
  BATON_ASSIGN_OR_RETURN(log_, AppendFile::Open(path));
  if (!existed) return SyncDir(dir_);

  Result<RecordScan> scan = ScanRecords(*file);
  if (!scan.has_value()) return scan.error().WithContext(path);
  // Validate every record before touching the file.
  BATON_RETURN_IF_ERROR(ApplyLogRecords(*scan).WithContext(path));
  DropCovered(&state_.entries, state_.snapshot.meta);
  if (!state_.entries.empty() && state_.entries.front().index != state_.snapshot.meta.index + 1) {
    return Status::Corruption(
        path + ": log starts at " + std::to_string(state_.entries.front().index) +
        " but the snapshot ends at " + std::to_string(state_.snapshot.meta.index));
  }
  if (scan->valid_bytes < file->size()) {
    const size_t torn = file->size() - scan->valid_bytes;
    if (logger_.Enabled(LogLevel::kWarn)) {
      logger_.Log(LogLevel::kWarn, "storage: " + path + ": dropping a torn tail of " +
                                       std::to_string(torn) + " bytes at offset " +
                                       std::to_string(scan->valid_bytes));
    }
    BATON_RETURN_IF_ERROR(log_->Truncate(scan->valid_bytes));
    metrics_.torn_bytes_dropped += torn;
  }
  return Status::Ok();
}

Status DurableLog::ApplyLogRecords(const RecordScan& scan) {
  for (const RecordView& record : scan.records) {
    const std::string at = "record at offset " + std::to_string(record.offset);
    switch (static_cast<RecordType>(record.type)) {
      case RecordType::kEntry: {
        Result<raft::Entry> entry = raft::DecodeEntry(record.payload);
        if (!entry.has_value()) return entry.error().WithContext(at);
        const raft::Index index = entry->index;
        if (!AppendOverwriting(&state_.entries, std::move(*entry))) {
          return Status::Corruption(at + ": entry " + std::to_string(index) +
                                    " leaves a gap after " +
                                    std::to_string(state_.entries.back().index));
        }
        break;
      }
      case RecordType::kHardState: {
        Result<raft::HardState> hard_state = raft::DecodeHardState(record.payload);
        if (!hard_state.has_value()) return hard_state.error().WithContext(at);
        state_.hard_state = *hard_state;
        break;
      }
      default:
        return Status::Corruption(at + ": unexpected type " + std::to_string(record.type));
    }
  }
  return Status::Ok();
}

Status DurableLog::Write(const raft::Ready& ready) {
  BATON_RETURN_IF_ERROR(error_);
  if (ready.snapshot) BATON_RETURN_IF_ERROR(SaveSnapshot(*ready.snapshot));
  std::string batch;
  if (!ready.entries.empty()) {
    const raft::Index first = ready.entries.front().index;
    BATON_CHECK(first > state_.snapshot.meta.index && first <= LastIndex(state_) + 1)
        << "entries from " << first << " do not fit a log of (" << state_.snapshot.meta.index
        << ", " << LastIndex(state_) << "]";
    for (size_t i = 0; i < ready.entries.size(); ++i) {
      BATON_CHECK(ready.entries[i].index == first + i) << "entries are not contiguous";
      const std::string encoded = raft::EncodeEntry(ready.entries[i]);
      if (encoded.size() > raft::kMaxEncodedBytes) {
        return Status::InvalidArgument("entry " + std::to_string(first + i) + " of " +
                                       std::to_string(encoded.size()) +
                                       " bytes is larger than a record may be");
      }
      AppendTyped(&batch, RecordType::kEntry, encoded);
    }
  }
  if (ready.hard_state) {
    AppendTyped(&batch, RecordType::kHardState, raft::EncodeHardState(*ready.hard_state));
  }
  if (batch.empty()) return Status::Ok();
  BATON_RETURN_IF_ERROR(Fail(log_->Append(batch)));
  metrics_.bytes_written += batch.size();
  metrics_.entries_written += ready.entries.size();
  unsynced_ = true;
  for (const raft::Entry& entry : ready.entries) AppendOverwriting(&state_.entries, entry);
  if (ready.hard_state) state_.hard_state = *ready.hard_state;
  return Status::Ok();
}

Status DurableLog::Sync() {
  BATON_RETURN_IF_ERROR(error_);
  if (!unsynced_) return Status::Ok();
  const auto start = std::chrono::steady_clock::now();
  BATON_RETURN_IF_ERROR(Fail(log_->Sync()));
  const auto elapsed = Duration::Nanos(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
  unsynced_ = false;
  metrics_.syncs++;
  metrics_.sync_total += elapsed;
  if (elapsed > metrics_.sync_max) metrics_.sync_max = elapsed;
  return Status::Ok();
}

Status DurableLog::Append(const raft::Ready& ready) {
  BATON_RETURN_IF_ERROR(Write(ready));
  return ready.must_sync ? Sync() : Status::Ok();
}

Status DurableLog::SaveSnapshot(const raft::Snapshot& snapshot) {
  BATON_RETURN_IF_ERROR(error_);
  if (snapshot.meta.index <= state_.snapshot.meta.index) {
    return Status::InvalidArgument("snapshot at " + std::to_string(snapshot.meta.index) +
                                   " is not newer than the one at " +
                                   std::to_string(state_.snapshot.meta.index));
  }
  // A failed snapshot write leaves the old snapshot and log intact: it is not
  // sticky, the caller may retry later.
  BATON_RETURN_IF_ERROR(WriteSnapshotFile(dir_, kSnapshotFile, snapshot, &metrics_.bytes_written));
  metrics_.snapshots_saved++;
  state_.snapshot = snapshot;
  DropCovered(&state_.entries, snapshot.meta);
  return Fail(RewriteLog());
}

Status DurableLog::RewriteLog() {
  std::string file;
  AppendTyped(&file, RecordType::kHardState, raft::EncodeHardState(state_.hard_state));
  for (const raft::Entry& entry : state_.entries) {
    AppendTyped(&file, RecordType::kEntry, raft::EncodeEntry(entry));
  }
  BATON_RETURN_IF_ERROR(WriteFileAtomically(dir_, kLogFile, file));
  BATON_ASSIGN_OR_RETURN(log_, AppendFile::Open(JoinPath(dir_, kLogFile)));
  // The rewrite was synced and holds everything written before it.
  unsynced_ = false;
  metrics_.bytes_written += file.size();
  metrics_.compactions++;
  return Status::Ok();
}

Status DurableLog::Fail(Status s) {
  if (!s.ok() && error_.ok()) error_ = s;
  return s;
}

}  // namespace baton::storage
