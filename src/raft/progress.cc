#include "raft/progress.h"

#include <algorithm>

#include "core/check.h"

namespace baton::raft {

void Inflights::Add(Index last_index) {
  BATON_CHECK(!full()) << "inflights full";
  BATON_CHECK(last_indexes_.empty() || last_indexes_.back() <= last_index)
      << "inflight indexes must not decrease";
  last_indexes_.push_back(last_index);
}

void Inflights::FreeLE(Index index) {
  while (!last_indexes_.empty() && last_indexes_.front() <= index) last_indexes_.pop_front();
}

void Inflights::FreeFirstOne() {
  if (!last_indexes_.empty()) last_indexes_.pop_front();
}

Progress::Progress(Index next, size_t max_inflight, bool learner)
    : next_(next), learner_(learner), inflights_(max_inflight) {
  BATON_CHECK(next >= 1) << "next index starts at 1";
}

void Progress::BecomeProbe() {
  // After a snapshot the peer holds at least the snapshot's index.
  if (state_ == ProgressState::kSnapshot) {
    next_ = std::max(match_ + 1, pending_snapshot_ + 1);
  } else {
    next_ = match_ + 1;
  }
  state_ = ProgressState::kProbe;
  probe_sent_ = false;
  pending_snapshot_ = 0;
  inflights_.Reset();
}

void Progress::BecomeReplicate() {
  state_ = ProgressState::kReplicate;
  next_ = match_ + 1;
  probe_sent_ = false;
  pending_snapshot_ = 0;
  inflights_.Reset();
}

void Progress::BecomeSnapshot(Index snapshot_index) {
  state_ = ProgressState::kSnapshot;
  pending_snapshot_ = snapshot_index;
  ticks_in_snapshot = 0;
  probe_sent_ = false;
  inflights_.Reset();
}

bool Progress::IsPaused() const {
  switch (state_) {
    case ProgressState::kProbe:
      return probe_sent_;
    case ProgressState::kReplicate:
      return inflights_.full();
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

void Progress::SentAppend(Index last_index, bool had_entries) {
  switch (state_) {
    case ProgressState::kReplicate:
      if (had_entries) {
        next_ = last_index + 1;
        inflights_.Add(last_index);
      }
      break;
    case ProgressState::kProbe:
      probe_sent_ = true;
      break;
    case ProgressState::kSnapshot:
      BATON_CHECK(false) << "append sent to a peer receiving a snapshot";
  }
}

bool Progress::MaybeUpdate(Index index) {
  bool updated = false;
  if (index > match_) {
    match_ = index;
    updated = true;
    probe_sent_ = false;
  }
  next_ = std::max(next_, index + 1);
  return updated;
}

bool Progress::MaybeDecrTo(Index rejected, Index hint_next) {
  if (state_ == ProgressState::kReplicate) {
    if (rejected <= match_) return false;  // stale: already matched past it
    next_ = match_ + 1;
    return true;
  }
  if (rejected != next_ - 1) return false;  // stale: not our latest probe
  next_ = std::max(std::min(rejected, hint_next), match_ + 1);
  probe_sent_ = false;
  return true;
}

}  // namespace baton::raft
