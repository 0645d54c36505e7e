// Log replication, commit and snapshots: the leader's and the follower's side.
#include <algorithm>
#include <string>

#include "core/check.h"
#include "raft/quorum.h"
#include "raft/raft.h"

namespace baton::raft {

Status RaftImpl::Propose(std::string data) {
  if (role_ != Role::kLeader) {
    return Status::Unavailable("not the leader; leader is " + std::to_string(lead_));
  }
  if (lead_transferee_ != kNoNode) {
    return Status::Unavailable("leadership transfer to " + std::to_string(lead_transferee_) +
                               " in progress");
  }
  if (data.size() > config_.max_entry_bytes) {
    return EntryTooLargeError(data.size(), config_.max_entry_bytes);
  }
  AppendEntry(EntryType::kNormal, std::move(data));
  return Status::Ok();
}

void RaftImpl::AppendEntry(EntryType type, std::string data) {
  BATON_CHECK(role_ == Role::kLeader) << "only the leader appends";
  const Index index = log_.last_index() + 1;
  std::vector<Entry> entries{Entry{term_, index, type, std::move(data)}};
  log_.TruncateAndAppend(entries);  // at last_index + 1: never overwrites
  if (type == EntryType::kConfChange) {
    RecordConfEntries(entries);
    OnConfChanged();
  }
  // The leader counts itself toward a quorum only once the entry is durable
  // (Advance), so its appends may leave before its own fsync (thesis 10.2.1).
  BroadcastAppend();
}

void RaftImpl::OnOwnEntriesPersisted() {
  if (role_ != Role::kLeader) return;
  auto self = progress_.find(config_.id);
  if (self == progress_.end() || !self->second.MaybeUpdate(log_.stable())) return;
  if (MaybeCommit() && role_ == Role::kLeader) BroadcastAppend();  // tell the new commit index
}

bool RaftImpl::SendAppend(NodeId to, bool send_if_empty) {
  auto it = progress_.find(to);
  BATON_CHECK(it != progress_.end()) << "no progress for " << to;
  Progress& pr = it->second;
  if (pr.IsPaused()) return false;
  const Index prev = pr.next() - 1;
  std::optional<Term> prev_term = log_.TermAt(prev);
  if (!prev_term.has_value()) {
    SendSnapshot(to, pr);
    return true;
  }
  std::vector<Entry> entries;
  if (pr.next() <= log_.last_index()) {
    entries = log_.Slice(pr.next(), log_.last_index() + 1, config_.max_entries_per_append,
                         config_.max_append_bytes);
  }
  if (entries.empty() && !send_if_empty) return false;
  pr.SentAppend(entries.empty() ? prev : entries.back().index, !entries.empty());
  Message m;
  m.type = MessageType::kAppend;
  m.to = to;
  m.index = prev;
  m.log_term = *prev_term;
  m.entries = std::move(entries);
  m.commit = log_.committed();
  Send(std::move(m));
  return true;
}

void RaftImpl::SendSnapshot(NodeId to, Progress& pr) {
  BATON_CHECK(snapshot_ != nullptr && snapshot_->meta.index == log_.snapshot_index())
      << "log compacted without a snapshot";
  pr.BecomeSnapshot(snapshot_->meta.index);
  SendSnapshotChunk(to, pr, 0);
}

void RaftImpl::SendSnapshotChunk(NodeId to, Progress& pr, uint64_t offset) {
  const std::string& image = snapshot_->data;
  BATON_CHECK(offset <= image.size()) << "snapshot chunk beyond the image";
  const size_t length = std::min<size_t>(config_.max_snapshot_chunk_bytes, image.size() - offset);
  Message m;
  m.type = MessageType::kSnapshot;
  m.to = to;
  if (offset == 0 && length == image.size()) {
    m.snapshot = snapshot_;  // one chunk: share the image, no copy
  } else {
    auto chunk = std::make_shared<Snapshot>();
    chunk->meta = snapshot_->meta;
    chunk->data = image.substr(offset, length);
    m.snapshot = std::move(chunk);
  }
  m.snapshot_offset = offset;
  m.snapshot_size = image.size();
  pr.snapshot_sent_end = offset + length;
  pr.ticks_in_snapshot = 0;
  Send(std::move(m));
}

void RaftImpl::HandleSnapshotResponse(const Message& m, Progress& pr) {
  pr.ticks_since_contact = 0;
  if (pr.state() != ProgressState::kSnapshot || pr.pending_snapshot() != m.index) {
    BATON_CHECK_OK(Drop("stale_snapshot_response", m));
    return;
  }
  if (snapshot_ == nullptr || snapshot_->meta.index != m.index) {
    // A newer snapshot replaced the one in flight: start over with it.
    pr.BecomeProbe();
    SendAppend(m.from, /*send_if_empty=*/true);
    return;
  }
  // A reject restarts at the follower's offset; an ack continues only if it
  // answers the chunk sent last (a duplicate or late ack is ignored).
  if (!m.reject && m.snapshot_offset != pr.snapshot_sent_end) {
    BATON_CHECK_OK(Drop("stale_snapshot_response", m));
    return;
  }
  if (m.snapshot_offset >= snapshot_->data.size()) return;  // complete: an append ack follows
  SendSnapshotChunk(m.from, pr, m.snapshot_offset);
}

void RaftImpl::BroadcastAppend() {
  for (const auto& [id, pr] : progress_) {
    if (id != config_.id) SendAppend(id, /*send_if_empty=*/true);
  }
}

uint64_t RaftImpl::BroadcastHeartbeat() {
  const uint64_t round = read_only_.NewRound(now_ticks_);
  for (const auto& [id, pr] : progress_) {
    if (id == config_.id) continue;
    Message m;
    m.type = MessageType::kHeartbeat;
    m.to = id;
    // Only what the peer is known to hold may be committed by a heartbeat.
    m.commit = std::min(pr.match(), log_.committed());
    m.index = log_.committed();  // what the leader knows, for the follower's readiness
    m.context = round;
    Send(std::move(m));
  }
  ReleaseReads();  // a lone voter confirms its own rounds
  return round;
}

bool RaftImpl::MaybeCommit() {
  const Index quorum_index = QuorumIndex(conf_.voters, [&](NodeId id) -> Index {
    auto it = progress_.find(id);
    return it == progress_.end() ? 0 : it->second.match();
  });
  if (quorum_index <= log_.committed()) return false;
  // Raft §5.4.2: count replicas only for an entry of the current term; the
  // earlier entries are committed by implication. The unsafe flag counts
  // them too (Figure 8), which can lose a committed entry.
  if (*log_.TermAt(quorum_index) != term_ && !config_.unsafe.commit_previous_term_by_count) {
    return false;
  }
  log_.CommitTo(quorum_index);
  OnCommitAdvanced();
  return true;
}

void RaftImpl::OnCommitAdvanced() {
  if (role_ != Role::kLeader) return;
  if (!reads_awaiting_commit_.empty() && CommittedInCurrentTerm()) ServePendingReads();
  if (!IsVoter(config_.id) && !HasPendingConfChange()) {
    // Our own removal is committed: hand over by stepping down.
    Log(LogLevel::kInfo, "stepping down: removed from the configuration");
    BecomeFollower(term_, kNoNode);
  }
}

Index RaftImpl::HintNext(const Message& reject) const {
  if (reject.reject_hint_term == 0) return reject.reject_hint + 1;  // its log ends there
  // Skip the follower's whole conflicting term: resume after our last entry
  // of that term, or at the follower's first entry of it if we have none.
  std::optional<Index> ours =
      log_.LastIndexOfTerm(std::min(reject.index, log_.last_index()), reject.reject_hint_term);
  return ours.has_value() ? *ours + 1 : reject.reject_hint;
}

Status RaftImpl::HandleAppendResponse(const Message& m, Progress& pr) {
  pr.ticks_since_contact = 0;
  if (m.reject) {
    if (pr.MaybeDecrTo(m.index, HintNext(m))) {
      if (pr.state() == ProgressState::kReplicate) pr.BecomeProbe();
      SendAppend(m.from, /*send_if_empty=*/true);
    }
    return Status::Ok();
  }
  if (m.index > log_.last_index()) {
    ++drop_counters_["malformed"];
    return Status::InvalidArgument("append ack beyond the leader's log");
  }
  const bool was_paused = pr.IsPaused();
  if (!pr.MaybeUpdate(m.index)) return Status::Ok();
  switch (pr.state()) {
    case ProgressState::kProbe:
      pr.BecomeReplicate();
      break;
    case ProgressState::kSnapshot:
      if (pr.match() >= pr.pending_snapshot()) {
        pr.BecomeProbe();
        pr.BecomeReplicate();
      }
      break;
    case ProgressState::kReplicate:
      pr.FreeInflightsUpTo(m.index);
      break;
  }
  if (MaybeCommit()) {
    if (role_ != Role::kLeader) return Status::Ok();
    BroadcastAppend();  // tell everyone the new commit index
  } else if (was_paused) {
    SendAppend(m.from, /*send_if_empty=*/true);  // carries the commit index
  }
  // Stream as much as flow control allows.
  for (size_t i = 0; i < config_.max_inflight_appends && SendAppend(m.from, false); ++i) {
  }
  if (m.from == lead_transferee_ && pr.match() == log_.last_index()) SendTimeoutNow(m.from);
  return Status::Ok();
}

void RaftImpl::HandleHeartbeatResponse(const Message& m, Progress& pr) {
  pr.ticks_since_contact = 0;
  pr.Unpause();
  if (pr.state() == ProgressState::kReplicate && pr.inflights().full()) pr.FreeFirstInflight();
  if (pr.match() < log_.last_index()) SendAppend(m.from, /*send_if_empty=*/true);
  read_only_.Ack(m.from, m.context);
  ReleaseReads();
}

Status RaftImpl::HandleAppend(const Message& m) {
  leader_commit_ = std::max(leader_commit_, m.commit);
  Message resp;
  resp.type = MessageType::kAppendResponse;
  resp.to = m.from;
  if (m.index < log_.committed()) {
    resp.index = log_.committed();
    Send(std::move(resp));
    return Status::Ok();
  }
  if (log_.MatchTerm(m.index, m.log_term)) {
    const Index conflict = log_.FindConflict(m.entries);
    if (conflict != 0) {
      if (conflict <= log_.committed()) {
        ++drop_counters_["conflicts_with_commit"];
        return Status::InvalidArgument("append would overwrite a committed entry");
      }
      std::vector<Entry> suffix(m.entries.begin() + (conflict - m.index - 1), m.entries.end());
      const bool conf_affected =
          (!conf_history_.empty() && conf_history_.back().first >= conflict) ||
          std::any_of(suffix.begin(), suffix.end(),
                      [](const Entry& e) { return e.type == EntryType::kConfChange; });
      ForgetConfEntriesFrom(conflict);
      log_.TruncateAndAppend(suffix);
      if (conf_affected) {
        RecordConfEntries(suffix);
        OnConfChanged();
      }
    }
    const Index last_new = m.index + m.entries.size();
    log_.CommitTo(std::min(m.commit, last_new));
    resp.index = last_new;
    Send(std::move(resp));
    return Status::Ok();
  }
  resp.index = m.index;
  resp.reject = true;
  if (m.index > log_.last_index()) {
    resp.reject_hint = log_.last_index();  // hint term 0: "my log ends here"
  } else if (m.index <= log_.committed()) {
    ++drop_counters_["conflicts_with_commit"];
    return Status::InvalidArgument("append conflicts with a committed entry");
  } else {
    resp.reject_hint = log_.FirstIndexOfTerm(m.index);
    resp.reject_hint_term = *log_.TermAt(m.index);
  }
  Send(std::move(resp));
  return Status::Ok();
}

void RaftImpl::HandleHeartbeat(const Message& m) {
  leader_commit_ = std::max(leader_commit_, m.index);
  log_.CommitTo(std::min(m.commit, log_.last_index()));
  Message resp;
  resp.type = MessageType::kHeartbeatResponse;
  resp.to = m.from;
  resp.context = m.context;
  Send(std::move(resp));
}

std::shared_ptr<const Snapshot> RaftImpl::AssembleSnapshotChunk(const Message& m) {
  if (m.snapshot_offset == 0 && m.snapshot->data.size() == m.snapshot_size) {
    incoming_.reset();
    return m.snapshot;  // the whole image in one chunk
  }
  const bool same = incoming_.has_value() && incoming_->from == m.from &&
                    incoming_->term == m.term && incoming_->size == m.snapshot_size &&
                    incoming_->snapshot.meta == m.snapshot->meta;
  if (m.snapshot_offset == 0) {
    incoming_ = IncomingSnapshot{m.from, m.term, m.snapshot_size, Snapshot{m.snapshot->meta, ""}};
  } else if (!same || incoming_->snapshot.data.size() != m.snapshot_offset) {
    Message resp;
    resp.type = MessageType::kSnapshotResponse;
    resp.to = m.from;
    resp.index = m.snapshot->meta.index;
    resp.reject = !same;
    resp.snapshot_offset = same ? incoming_->snapshot.data.size() : 0;
    Send(std::move(resp));
    return nullptr;
  }
  incoming_->snapshot.data.append(m.snapshot->data);
  if (incoming_->snapshot.data.size() < m.snapshot_size) {
    Message resp;
    resp.type = MessageType::kSnapshotResponse;
    resp.to = m.from;
    resp.index = m.snapshot->meta.index;
    resp.snapshot_offset = incoming_->snapshot.data.size();
    Send(std::move(resp));
    return nullptr;
  }
  auto whole = std::make_shared<const Snapshot>(std::move(incoming_->snapshot));
  incoming_.reset();
  return whole;
}

void RaftImpl::HandleSnapshot(const Message& m) {
  const SnapshotMeta& meta = m.snapshot->meta;
  Message resp;
  resp.type = MessageType::kAppendResponse;
  resp.to = m.from;
  if (meta.index <= log_.committed()) {
    incoming_.reset();
    resp.index = log_.committed();
  } else if (log_.MatchTerm(meta.index, meta.term)) {
    // We already hold the snapshot's last entry: just learn the commit.
    incoming_.reset();
    log_.CommitTo(meta.index);
    resp.index = log_.committed();
  } else {
    std::shared_ptr<const Snapshot> whole = AssembleSnapshotChunk(m);
    if (whole == nullptr) return;  // more chunks to come (answered)
    Log(LogLevel::kInfo, "restoring snapshot at index " + std::to_string(meta.index));
    log_.RestoreSnapshot(meta.index, meta.term);
    snapshot_ = whole;
    unstable_snapshot_ = *whole;
    base_conf_ = meta.conf;
    conf_history_.clear();
    OnConfChanged();
    resp.index = log_.last_index();
  }
  Send(std::move(resp));
}

}  // namespace baton::raft
