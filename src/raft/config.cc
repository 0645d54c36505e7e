#include "raft/config.h"

#include <string>

namespace baton::raft {

Status Config::Validate() const {
  if (id == kNoNode) return Status::InvalidArgument("raft config: id must be non-zero");
  if (heartbeat_ticks < 1)
    return Status::InvalidArgument("raft config: heartbeat_ticks must be >= 1");
  if (election_ticks < 3 * heartbeat_ticks) {
    return Status::InvalidArgument("raft config: election_ticks must be >= 3 * heartbeat_ticks");
  }
  if (lease_drift_ticks < 0 || lease_drift_ticks >= election_ticks) {
    return Status::InvalidArgument("raft config: lease_drift_ticks must be in [0, election_ticks)");
  }
  if (read_mode == ReadMode::kLeaseBased && !check_quorum) {
    return Status::InvalidArgument("raft config: lease-based reads require check_quorum");
  }
  if (max_entries_per_append < 1) {
    return Status::InvalidArgument("raft config: max_entries_per_append must be >= 1");
  }
  if (max_inflight_appends < 1) {
    return Status::InvalidArgument("raft config: max_inflight_appends must be >= 1");
  }
  const size_t limit = kMaxEncodedBytes - kEnvelopeHeadroomBytes;
  if (max_append_bytes < 1 || max_append_bytes > limit) {
    return Status::InvalidArgument("raft config: max_append_bytes must be in [1, " +
                                   std::to_string(limit) + "]");
  }
  if (max_entry_bytes < 1 || max_entry_bytes > limit) {
    return Status::InvalidArgument("raft config: max_entry_bytes must be in [1, " +
                                   std::to_string(limit) + "]");
  }
  if (max_snapshot_chunk_bytes < 1 || max_snapshot_chunk_bytes > limit) {
    return Status::InvalidArgument("raft config: max_snapshot_chunk_bytes must be in [1, " +
                                   std::to_string(limit) + "]");
  }
  return Status::Ok();
}

}  // namespace baton::raft
