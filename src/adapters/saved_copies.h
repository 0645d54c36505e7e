// Retention of the data a former primary had beyond the fork
// (MeasureDivergence's saved copies): without a bound, every failback of a
// large dataset would add a full copy to the disk. Files named
// `<prefix>*` in one directory; the newest are kept.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace baton::adapters {

struct CopyRetention {
  int max_count = 10;                      // copies kept at most
  uint64_t max_bytes = uint64_t{1} << 30;  // bytes kept at most (1 GiB)
};

// Deletes the oldest (by modification time) files named `prefix`* in `dir`
// until at most `retention.max_count` remain and they hold at most
// `retention.max_bytes` together; `newest` (the copy just made) is always
// kept. Returns how many files were deleted. Errors (a file gone meanwhile,
// no permission) are skipped: retention must never fail a failback.
int PruneSavedCopies(const std::filesystem::path& dir, const std::string& prefix,
                     const CopyRetention& retention, const std::filesystem::path& newest);

}  // namespace baton::adapters
