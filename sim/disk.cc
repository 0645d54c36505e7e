#include "sim/disk.h"

#include <utility>

#include "core/check.h"

namespace baton::sim {

raft::Index DiskState::LastIndex() const {
  return entries.empty() ? snapshot.meta.index : entries.back().index;
}

std::optional<raft::Term> DiskState::TermAt(raft::Index index) const {
  if (index == snapshot.meta.index) return snapshot.meta.term;
  if (index < snapshot.meta.index || index > LastIndex()) return std::nullopt;
  return entries[index - snapshot.meta.index - 1].term;
}

namespace {

// Drops the entries the snapshot covers; keeps the rest only if the log
// agrees with the snapshot at its last index (otherwise the log is stale).
void InstallSnapshot(const raft::Snapshot& snapshot, DiskState* state) {
  const raft::Index at = snapshot.meta.index;
  std::vector<raft::Entry> rest;
  if (state->TermAt(at) == snapshot.meta.term) {
    for (const raft::Entry& e : state->entries) {
      if (e.index > at) rest.push_back(e);
    }
  }
  state->entries = std::move(rest);
  state->snapshot = snapshot;
}

}  // namespace

void ApplyWrite(const DiskWrite& write, DiskState* state) {
  if (write.snapshot) {
    // A snapshot from the leader replaces the log wholesale.
    state->entries.clear();
    state->snapshot = *write.snapshot;
  }
  if (!write.entries.empty()) {
    const raft::Index first = write.entries.front().index;
    BATON_CHECK(first > state->snapshot.meta.index && first <= state->LastIndex() + 1)
        << "log write at " << first << " leaves a gap after " << state->LastIndex();
    state->entries.resize(first - state->snapshot.meta.index - 1);
    state->entries.insert(state->entries.end(), write.entries.begin(), write.entries.end());
  }
  if (write.hard_state) state->hard_state = *write.hard_state;
}

void SimDisk::Write(DiskWrite write, Instant sync_done) {
  BATON_CHECK(!syncing()) << "a second write while an fsync is outstanding";
  ApplyWrite(write, &current_);
  pending_ = std::move(write);
  sync_done_ = sync_done;
}

void SimDisk::CompleteSync() {
  BATON_CHECK(syncing()) << "no fsync outstanding";
  ApplyWrite(*pending_, &synced_);
  pending_.reset();
}

void SimDisk::SaveSnapshot(const raft::Snapshot& snapshot) {
  BATON_CHECK(!syncing()) << "snapshot saved while an fsync is outstanding";
  InstallSnapshot(snapshot, &current_);
  InstallSnapshot(snapshot, &synced_);
}

void SimDisk::Crash() {
  current_ = synced_;
  pending_.reset();
}

}  // namespace baton::sim
