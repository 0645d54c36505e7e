#include "raft/raft_log.h"

#include <algorithm>

#include "core/check.h"

namespace baton::raft {

RaftLog::RaftLog(Index snapshot_index, Term snapshot_term)
    : snapshot_index_(snapshot_index),
      snapshot_term_(snapshot_term),
      committed_(snapshot_index),
      applied_(snapshot_index),
      stable_(snapshot_index) {}

std::optional<Term> RaftLog::TermAt(Index index) const {
  if (index == snapshot_index_) return snapshot_term_;
  if (index < snapshot_index_ || index > last_index()) return std::nullopt;
  return entries_[index - first_index()].term;
}

bool RaftLog::MatchTerm(Index index, Term term) const {
  std::optional<Term> t = TermAt(index);
  return t.has_value() && *t == term;
}

const Entry& RaftLog::At(Index index) const {
  BATON_CHECK(index >= first_index() && index <= last_index())
      << "index " << index << " outside [" << first_index() << ", " << last_index() << "]";
  return entries_[index - first_index()];
}

std::vector<Entry> RaftLog::Slice(Index lo, Index hi, size_t max_count, size_t max_bytes) const {
  BATON_CHECK(first_index() <= lo && lo <= hi && hi <= last_index() + 1)
      << "slice [" << lo << ", " << hi << ") outside the log";
  hi = std::min<Index>(hi, lo + max_count);
  std::vector<Entry> out;
  size_t bytes = 0;
  for (Index i = lo; i < hi; ++i) {
    const Entry& e = At(i);
    if (!out.empty() && e.data.size() > max_bytes - std::min(bytes, max_bytes)) break;
    bytes += e.data.size();
    out.push_back(e);
  }
  return out;
}

Result<std::vector<Entry>> RaftLog::Entries(Index lo, Index hi) const {
  if (lo < first_index()) return Status::NotFound("entries compacted");
  if (lo > hi || hi > last_index() + 1) return Status::InvalidArgument("range beyond the log");
  return Slice(lo, hi, hi - lo);
}

bool RaftLog::IsUpToDate(Index last_index, Term last_term) const {
  const Term our_term = this->last_term();
  return last_term > our_term || (last_term == our_term && last_index >= this->last_index());
}

Index RaftLog::FindConflict(const std::vector<Entry>& entries) const {
  for (const Entry& e : entries) {
    if (e.index < first_index()) continue;  // compacted, hence committed and matching
    if (!MatchTerm(e.index, e.term)) return e.index;
  }
  return 0;
}

Index RaftLog::FirstIndexOfTerm(Index index) const {
  const Term term = At(index).term;
  while (index > first_index() && entries_[index - 1 - first_index()].term == term) --index;
  return index;
}

std::optional<Index> RaftLog::LastIndexOfTerm(Index index, Term term) const {
  index = std::min(index, last_index());
  while (true) {
    std::optional<Term> t = TermAt(index);
    if (!t.has_value() || *t < term) return std::nullopt;
    if (*t == term) return index;
    if (index == snapshot_index_) return std::nullopt;
    --index;
  }
}

void RaftLog::TruncateAndAppend(std::vector<Entry> entries) {
  if (entries.empty()) return;
  const Index from = entries.front().index;
  BATON_CHECK(from > committed_ && from <= last_index() + 1)
      << "append at " << from << " would overwrite committed " << committed_ << " or leave a gap";
  for (size_t i = 0; i < entries.size(); ++i) {
    BATON_CHECK(entries[i].index == from + i) << "entries not contiguous";
  }
  entries_.resize(from - first_index());
  stable_ = std::min(stable_, from - 1);
  for (Entry& e : entries) entries_.push_back(std::move(e));
}

void RaftLog::CommitTo(Index index) {
  if (index <= committed_) return;
  BATON_CHECK(index <= last_index()) << "commit " << index << " beyond last " << last_index();
  committed_ = index;
}

void RaftLog::AppliedTo(Index index) {
  if (index == 0) return;
  BATON_CHECK(index >= applied_ && index <= committed_)
      << "applied " << index << " outside [" << applied_ << ", " << committed_ << "]";
  applied_ = index;
}

void RaftLog::StableTo(Index index, Term term) {
  if (index <= stable_ || !MatchTerm(index, term)) return;
  stable_ = index;
}

std::vector<Entry> RaftLog::UnstableEntries() const {
  if (!HasUnstableEntries()) return {};
  const Index lo = std::max(stable_ + 1, first_index());
  return Slice(lo, last_index() + 1, last_index() + 1 - lo);
}

bool RaftLog::HasNextCommittedEntries() const {
  return !snapshot_pending_ && std::min(committed_, stable_) > applied_;
}

std::vector<Entry> RaftLog::NextCommittedEntries() const {
  if (!HasNextCommittedEntries()) return {};
  const Index hi = std::min(committed_, stable_) + 1;
  return Slice(applied_ + 1, hi, hi - applied_ - 1);
}

void RaftLog::Compact(Index index) {
  BATON_CHECK(index > snapshot_index_ && index <= applied_)
      << "compact " << index << " outside (" << snapshot_index_ << ", " << applied_ << "]";
  snapshot_term_ = At(index).term;
  entries_.erase(entries_.begin(), entries_.begin() + (index - snapshot_index_));
  snapshot_index_ = index;
}

void RaftLog::RestoreSnapshot(Index index, Term term) {
  BATON_CHECK(index > committed_) << "snapshot " << index << " not beyond commit " << committed_;
  entries_.clear();
  snapshot_index_ = index;
  snapshot_term_ = term;
  committed_ = index;
  stable_ = index;
  snapshot_pending_ = true;
}

void RaftLog::SnapshotPersisted(Index index) {
  if (!snapshot_pending_ || index != snapshot_index_) return;
  snapshot_pending_ = false;
  applied_ = std::max(applied_, index);
}

}  // namespace baton::raft
