// The snapshot file: a Raft snapshot of any size, written and read a chunk
// at a time in the record framing of storage/record.h:
//
//   kHeader   snapshot metadata (raft codec), image size (varint)
//   kChunk    up to kSnapshotFileChunkBytes of the image, in order
//   ...
//   kEnd      image size again, chunk count (varints)
//
// Every record carries its own CRC, so no record (and no read) is larger
// than a chunk, whatever the image size. WriteSnapshotFile writes
// "<name>.tmp", fsyncs it, renames it over "<name>" and fsyncs the directory:
// a crash leaves the old file or the new one, never a mix. ReadSnapshotFile
// accepts only a complete file; a missing end record, a size that does not
// add up, a record that fails its CRC or trailing bytes are Corruption. It
// also reads the earlier format (one kSnapshot record of type 3 holding the
// whole encoded snapshot).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/result.h"
#include "core/status.h"
#include "raft/types.h"

namespace baton::storage {

inline constexpr size_t kSnapshotFileChunkBytes = size_t{1} << 20;

// Writes `snapshot` durably to "<dir>/<name>" as above; adds the bytes
// written to *bytes_written. IOError on a failing call (the temp file may
// stay behind; the old file is untouched).
Status WriteSnapshotFile(const std::string& dir, const std::string& name,
                         const raft::Snapshot& snapshot, uint64_t* bytes_written);

// Reads the file at `path`. NotFound if absent; Corruption as above.
Result<raft::Snapshot> ReadSnapshotFile(const std::string& path);

}  // namespace baton::storage
