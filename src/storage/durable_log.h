// DurableLog: a Raft node's persistent state in one data directory: the
// hard state, the log after the last snapshot, and that snapshot.
//
// Files in the directory:
//   LOCK          flock'ed while a DurableLog has the directory open
//   raft.log      append-only records (storage/record.h): entries and hard
//                 states. An entry whose index is <= an earlier one replaces
//                 the earlier suffix from that index on (Raft log overwrite);
//                 the last hard state wins.
//   snapshot      the newest snapshot, of any size, in chunk records
//                 (storage/snapshot_file.h); replaced only by a streamed
//                 temp-write, fsync, rename, directory fsync.
//   *.tmp         leftovers of a crash mid-replacement; deleted by Open.
//
// Crash safety. Saving a snapshot first replaces `snapshot`, then compacts:
// raft.log is rewritten (temp + rename) to hold only the hard state and the
// entries after the snapshot. A crash between the two leaves the old log
// beside the new snapshot; Open drops the entries the snapshot covers (all of
// them if the log disagrees with the snapshot's term), so every crash point
// reopens to a consistent state.
//
// Recovery. Open reads everything back into a raft::RestoredState. A torn or
// corrupt tail of raft.log (records cut short or failing their CRC, with
// nothing valid after them) is what a crash leaves: it is logged and the
// file is truncated to the last good record. Damage followed by valid
// records, an undecodable record or a damaged snapshot file is Corruption.
//
// Group commit. Write() hands a Ready's snapshot, entries and hard state to
// the OS; Sync() makes every write so far durable with one fdatasync. A
// driver that batches several Readys calls Write() for each, then Sync()
// once, before sending any of their messages. Append() is Write() followed by
// Sync() when the Ready says must_sync. A snapshot is always durable when
// Write() returns.
//
// After any I/O error the DurableLog refuses further writes (the file may
// hold a partial record); reopen it to recover. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/logger.h"
#include "core/result.h"
#include "core/status.h"
#include "core/time.h"
#include "raft/raw_node.h"
#include "raft/types.h"
#include "storage/file.h"
#include "storage/record.h"

namespace baton::storage {

// Counters for the metrics endpoint. Monotonic over the DurableLog's life.
struct StorageMetrics {
  uint64_t syncs = 0;            // fdatasync calls on raft.log
  Duration sync_total;           // their summed latency
  Duration sync_max;             // the slowest one
  uint64_t bytes_written = 0;    // log appends, log rewrites and snapshots
  uint64_t entries_written = 0;  // entry records appended
  uint64_t snapshots_saved = 0;
  uint64_t compactions = 0;         // raft.log rewrites after a snapshot
  uint64_t torn_bytes_dropped = 0;  // cut from the tail by Open
};

class DurableLog {
 public:
  // Opens (creating if needed) the data directory `dir` and recovers its
  // state. Unavailable if another DurableLog holds the directory; Corruption
  // as described above; IOError for failing system calls.
  static Result<std::unique_ptr<DurableLog>> Open(const std::string& dir, Logger& logger);
  ~DurableLog();
  DurableLog(const DurableLog&) = delete;
  DurableLog& operator=(const DurableLog&) = delete;

  // Everything written so far (synced or not): after Open, what was
  // recovered; pass it to raft::RawNode::Restore. A fresh directory gives a
  // zero hard state, no snapshot and no entries.
  const raft::RestoredState& state() const { return state_; }

  // Persists ready.snapshot (durably, see SaveSnapshot), then ready.entries
  // and ready.hard_state (written, not yet synced). InvalidArgument, with
  // nothing written, for an entry whose encoding exceeds
  // raft::kMaxEncodedBytes (it could never be read back).
  // REQUIRES: ready.entries are contiguous and start in
  // (snapshot index, last index + 1]: what raft::RawNode hands out.
  Status Write(const raft::Ready& ready);
  // Makes all writes so far durable with one fdatasync; a no-op when nothing
  // was written since the last Sync.
  Status Sync();
  // Write(ready), then Sync() if ready.must_sync.
  Status Append(const raft::Ready& ready);

  // Installs `snapshot` (any size) as the newest snapshot, atomically and
  // durably, and compacts the log to the entries after it. InvalidArgument
  // unless snapshot.meta.index is above the current snapshot's. An IOError
  // while writing the snapshot file leaves the previous snapshot and log in
  // place and is not sticky (the caller may retry); one while rewriting the
  // log is.
  Status SaveSnapshot(const raft::Snapshot& snapshot);

  const StorageMetrics& metrics() const { return metrics_; }
  const std::string& dir() const { return dir_; }

 private:
  DurableLog(std::string dir, Logger& logger, std::unique_ptr<FileLock> lock);

  Status Recover();
  Status RecoverSnapshot();
  Status RecoverLog();
  Status ApplyLogRecords(const RecordScan& scan);
  Status RewriteLog();
  // Records `s` as the sticky error when it is one.
  Status Fail(Status s);

  const std::string dir_;
  Logger& logger_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<AppendFile> log_;
  raft::RestoredState state_;
  bool unsynced_ = false;
  Status error_;
  StorageMetrics metrics_;
};

}  // namespace baton::storage
