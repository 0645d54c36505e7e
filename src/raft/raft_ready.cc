// Ready / Advance: what the application must persist, send and apply.
#include <algorithm>

#include "core/check.h"
#include "raft/raft.h"

namespace baton::raft {

bool RaftImpl::HasReady() const {
  return SoftState{lead_, role_} != prev_soft_ || hard_state() != prev_hard_ ||
         log_.HasUnstableEntries() || unstable_snapshot_.has_value() ||
         log_.HasNextCommittedEntries() || !msgs_.empty() || !read_states_.empty();
}

Ready RaftImpl::TakeReady() {
  BATON_CHECK(!ready_outstanding_) << "TakeReady() before the previous Ready was Advance()d";
  ready_outstanding_ = true;
  Ready rd;
  const SoftState soft{lead_, role_};
  if (soft != prev_soft_) {
    rd.soft_state = soft;
    prev_soft_ = soft;
  }
  const HardState hard = hard_state();
  if (hard != prev_hard_) {
    rd.hard_state = hard;
    rd.must_sync = hard.term != prev_hard_.term || hard.vote != prev_hard_.vote;
    prev_hard_ = hard;
  }
  rd.entries = log_.UnstableEntries();
  rd.snapshot = unstable_snapshot_;
  rd.committed_entries = log_.NextCommittedEntries();
  rd.messages = std::move(msgs_);
  msgs_.clear();
  rd.read_states = std::move(read_states_);
  read_states_.clear();
  rd.must_sync = rd.must_sync || !rd.entries.empty() || rd.snapshot.has_value();
  return rd;
}

void RaftImpl::Advance(const Ready& ready) {
  BATON_CHECK(ready_outstanding_) << "Advance() without TakeReady()";
  ready_outstanding_ = false;
  if (ready.snapshot.has_value()) {
    const Index index = ready.snapshot->meta.index;
    log_.SnapshotPersisted(index);
    if (unstable_snapshot_.has_value() && unstable_snapshot_->meta.index == index) {
      unstable_snapshot_.reset();
    }
  }
  if (!ready.entries.empty()) {
    log_.StableTo(ready.entries.back().index, ready.entries.back().term);
    OnOwnEntriesPersisted();
  }
  if (!ready.committed_entries.empty()) log_.AppliedTo(ready.committed_entries.back().index);
}

Status RaftImpl::Compact(Index index, std::string data) {
  if (index <= log_.snapshot_index()) {
    return Status::FailedPrecondition("already compacted up to " +
                                      std::to_string(log_.snapshot_index()));
  }
  if (index > log_.applied()) {
    return Status::FailedPrecondition("cannot compact beyond the applied index " +
                                      std::to_string(log_.applied()));
  }
  Snapshot snapshot;
  snapshot.meta.index = index;
  snapshot.meta.term = *log_.TermAt(index);
  snapshot.meta.conf = ConfAt(index);
  snapshot.data = std::move(data);
  snapshot_ = std::make_shared<const Snapshot>(std::move(snapshot));
  base_conf_ = snapshot_->meta.conf;
  conf_history_.erase(std::remove_if(conf_history_.begin(), conf_history_.end(),
                                     [&](const auto& entry) { return entry.first <= index; }),
                      conf_history_.end());
  log_.Compact(index);
  return Status::Ok();
}

}  // namespace baton::raft
