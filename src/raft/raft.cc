#include "raft/raft.h"

#include <algorithm>
#include <limits>
#include <sstream>

#include "core/check.h"
#include "raft/quorum.h"

namespace baton::raft {

RaftImpl::RaftImpl(const Config& config, Rng& rng, Logger& logger, Index snapshot_index,
                   Term snapshot_term)
    : config_(config), rng_(rng), logger_(logger), log_(snapshot_index, snapshot_term) {
  Reset(0);
}

Result<std::unique_ptr<RaftImpl>> RaftImpl::Bootstrap(const Config& config,
                                                      const std::vector<NodeId>& voters, Rng& rng,
                                                      Logger& logger) {
  BATON_RETURN_IF_ERROR(config.Validate());
  std::vector<NodeId> sorted = voters;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return Status::InvalidArgument("bootstrap: duplicate voter");
  }
  if (!sorted.empty() && !std::binary_search(sorted.begin(), sorted.end(), config.id)) {
    return Status::InvalidArgument("bootstrap: voters must include this node");
  }
  std::unique_ptr<RaftImpl> raft(new RaftImpl(config, rng, logger, 0, 0));
  if (sorted.empty()) return raft;  // a joining node waits to be added
  // Every founding member starts from the same log: one AddVoter entry per
  // voter at term 1, committed, so a restart can rebuild the membership.
  std::vector<Entry> entries;
  ConfState conf;
  for (NodeId voter : sorted) {
    ConfChange change{ConfChangeType::kAddVoter, voter, ""};
    BATON_ASSIGN_OR_RETURN(conf, ApplyConfChange(conf, change));
    entries.push_back(
        Entry{1, entries.size() + 1, EntryType::kConfChange, EncodeConfChange(change)});
  }
  raft->term_ = 1;
  raft->log_.TruncateAndAppend(entries);
  raft->log_.CommitTo(entries.size());
  raft->RecordConfEntries(entries);
  return raft;
}

Result<std::unique_ptr<RaftImpl>> RaftImpl::Restore(const Config& config,
                                                    const RestoredState& state, Rng& rng,
                                                    Logger& logger) {
  BATON_RETURN_IF_ERROR(config.Validate());
  const SnapshotMeta& meta = state.snapshot.meta;
  Index expected = meta.index + 1;
  Term last_term = meta.term;
  for (const Entry& e : state.entries) {
    if (e.index != expected++) return Status::InvalidArgument("restore: entries not contiguous");
    if (e.term < last_term) return Status::InvalidArgument("restore: entry terms decrease");
    last_term = e.term;
  }
  const Index last_index = expected - 1;
  if (state.hard_state.term < last_term) {
    return Status::InvalidArgument("restore: hard state term behind the log");
  }
  if (state.hard_state.commit > last_index) {
    return Status::InvalidArgument("restore: commit beyond the log");
  }
  std::unique_ptr<RaftImpl> raft(new RaftImpl(config, rng, logger, meta.index, meta.term));
  if (!state.snapshot.empty()) {
    raft->snapshot_ = std::make_shared<const Snapshot>(state.snapshot);
  }
  raft->base_conf_ = meta.conf;
  raft->conf_ = meta.conf;
  raft->log_.TruncateAndAppend(state.entries);
  raft->log_.StableTo(last_index, last_term);
  raft->log_.CommitTo(state.hard_state.commit);
  raft->RecordConfEntries(state.entries);
  raft->term_ = state.hard_state.term;
  raft->vote_ = state.hard_state.vote;
  raft->prev_hard_ = raft->hard_state();
  return raft;
}

void RaftImpl::Log(LogLevel level, const std::string& text) const {
  if (!logger_.Enabled(level)) return;
  std::ostringstream line;
  line << "raft " << config_.id << " term " << term_ << " " << RoleName(role_) << ": " << text;
  logger_.Log(level, line.str());
}

Status RaftImpl::Drop(const char* cause, const Message& m) {
  ++drop_counters_[cause];
  if (logger_.Enabled(LogLevel::kDebug)) {
    std::ostringstream text;
    text << "dropped " << MessageTypeName(m.type) << " from " << m.from << " term " << m.term
         << ": " << cause;
    Log(LogLevel::kDebug, text.str());
  }
  return Status::Ok();
}

Status RaftImpl::Validate(const Message& m) const {
  if (static_cast<uint8_t>(m.type) > static_cast<uint8_t>(MessageType::kSnapshotResponse)) {
    return Status::InvalidArgument("unknown message type");
  }
  if (m.from == kNoNode || m.from == config_.id) {
    return Status::InvalidArgument("message from node 0 or from itself");
  }
  if (m.term == std::numeric_limits<Term>::max()) {
    return Status::InvalidArgument("term at its limit");  // no election could follow it
  }
  if (m.type == MessageType::kAppend) {
    if (m.log_term > m.term) return Status::InvalidArgument("append: prev term beyond term");
    if (m.index > std::numeric_limits<Index>::max() - m.entries.size()) {
      return Status::InvalidArgument("append: index overflow");
    }
    Term prev = m.log_term;
    for (size_t i = 0; i < m.entries.size(); ++i) {
      const Entry& e = m.entries[i];
      if (e.index != m.index + 1 + i) return Status::InvalidArgument("append: entries gap");
      if (e.term < prev || e.term > m.term) return Status::InvalidArgument("append: entry term");
      if (static_cast<uint8_t>(e.type) > static_cast<uint8_t>(EntryType::kConfChange)) {
        return Status::InvalidArgument("append: entry type");
      }
      prev = e.term;
    }
  }
  if (m.type == MessageType::kSnapshot) {
    if (!m.snapshot || m.snapshot->meta.index == 0 || m.snapshot->meta.term == 0 ||
        m.snapshot->meta.term > m.term) {
      return Status::InvalidArgument("snapshot: missing or inconsistent metadata");
    }
    if (m.snapshot_offset > m.snapshot_size ||
        m.snapshot->data.size() > m.snapshot_size - m.snapshot_offset) {
      return Status::InvalidArgument("snapshot: chunk beyond the image size");
    }
    const ConfState& conf = m.snapshot->meta.conf;
    for (const auto* ids : {&conf.voters, &conf.learners}) {
      if (std::find(ids->begin(), ids->end(), kNoNode) != ids->end()) {
        return Status::InvalidArgument("snapshot: member 0");
      }
    }
  }
  return Status::Ok();
}

void RaftImpl::Send(Message m) {
  BATON_CHECK(m.to != config_.id) << "message to self";
  m.from = config_.id;
  // Vote and pre-vote requests and pre-vote responses set their own term.
  if (m.type != MessageType::kPreVote && m.type != MessageType::kVote &&
      m.type != MessageType::kPreVoteResponse && m.type != MessageType::kVoteResponse) {
    m.term = term_;
  }
  msgs_.push_back(std::move(m));
}

bool RaftImpl::IsVoter(NodeId id) const {
  return std::find(conf_.voters.begin(), conf_.voters.end(), id) != conf_.voters.end();
}

bool RaftImpl::Promotable() const { return IsVoter(config_.id); }

void RaftImpl::Reset(Term term) {
  if (term_ != term) {
    BATON_CHECK(term > term_) << "term must not decrease: " << term_ << " -> " << term;
    term_ = term;
    vote_ = kNoNode;
  }
  lead_ = kNoNode;
  leader_commit_ = 0;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  randomized_election_timeout_ =
      static_cast<int>(rng_.UniformInt(config_.election_ticks, 2 * config_.election_ticks - 1));
  votes_.clear();
  progress_.clear();
  lead_transferee_ = kNoNode;
  read_only_ = ReadOnly();
  reads_awaiting_commit_.clear();
}

void RaftImpl::BecomeFollower(Term term, NodeId lead) {
  Reset(term);
  lead_ = lead;
  role_ = Role::kFollower;
  Log(LogLevel::kInfo, "became follower of " + std::to_string(lead));
}

void RaftImpl::BecomePreCandidate() {
  BATON_CHECK(role_ != Role::kLeader) << "leader cannot pre-campaign";
  // Neither the term nor the vote change: a pre-vote is only a poll.
  lead_ = kNoNode;
  votes_.clear();
  election_elapsed_ = 0;
  randomized_election_timeout_ =
      static_cast<int>(rng_.UniformInt(config_.election_ticks, 2 * config_.election_ticks - 1));
  role_ = Role::kPreCandidate;
  Log(LogLevel::kInfo, "became pre-candidate");
}

void RaftImpl::BecomeCandidate() {
  BATON_CHECK(role_ != Role::kLeader) << "leader cannot campaign";
  Reset(term_ + 1);
  vote_ = config_.id;
  role_ = Role::kCandidate;
  Log(LogLevel::kInfo, "became candidate");
}

void RaftImpl::BecomeLeader() {
  BATON_CHECK(role_ == Role::kCandidate) << "only a candidate becomes leader";
  Reset(term_);
  lead_ = config_.id;
  role_ = Role::kLeader;
  OnConfChanged();  // builds progress for every member
  Log(LogLevel::kInfo, "became leader");
  AppendEntry(EntryType::kNormal, "");  // the no-op that lets this term commit
}

void RaftImpl::Hup(bool transfer) {
  if (role_ == Role::kLeader || !Promotable()) return;
  MessageType type;
  Term vote_term;
  if (config_.pre_vote && !transfer) {
    BecomePreCandidate();
    type = MessageType::kPreVote;
    vote_term = term_ + 1;
  } else {
    BecomeCandidate();
    type = MessageType::kVote;
    vote_term = term_;
  }
  votes_[config_.id] = true;
  if (TallyVotes(conf_.voters, votes_) == VoteResult::kWon) {
    if (type == MessageType::kPreVote) {
      Hup(/*transfer=*/true);  // a real election, without polling again
    } else {
      BecomeLeader();
    }
    return;
  }
  for (NodeId voter : conf_.voters) {
    if (voter == config_.id) continue;
    Message m;
    m.type = type;
    m.to = voter;
    m.term = vote_term;
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    m.context = transfer ? kCampaignTransfer : 0;
    Send(std::move(m));
  }
}

void RaftImpl::Tick() {
  ++now_ticks_;
  if (role_ == Role::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

void RaftImpl::TickElection() {
  ++election_elapsed_;
  if (Promotable() && election_elapsed_ >= randomized_election_timeout_) {
    election_elapsed_ = 0;
    Hup(/*transfer=*/false);
  }
}

void RaftImpl::ReportLeaderUnreachable(NodeId leader) {
  if (!config_.pre_vote || !config_.check_quorum) return;  // a real vote could depose it
  if (role_ != Role::kFollower || lead_ == kNoNode || lead_ != leader || !Promotable()) return;
  Log(LogLevel::kInfo,
      "lost the connection from leader " + std::to_string(leader) + ": campaigning soon");
  lead_ = kNoNode;  // stops refusing other survivors' PreVotes (in_lease)
  const int soon = static_cast<int>(rng_.UniformInt(1, 2 * config_.heartbeat_ticks));
  election_elapsed_ = std::max(election_elapsed_, randomized_election_timeout_ - soon);
}

void RaftImpl::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  for (auto& [id, pr] : progress_) {
    if (id == config_.id) continue;
    ++pr.ticks_since_contact;
    if (pr.state() == ProgressState::kSnapshot && ++pr.ticks_in_snapshot > config_.election_ticks) {
      pr.BecomeProbe();  // the snapshot was probably lost: probe again
    }
  }
  if (config_.check_quorum) {
    const bool active = HasQuorum(conf_.voters, [&](NodeId id) {
      if (id == config_.id) return true;
      auto it = progress_.find(id);
      return it != progress_.end() && it->second.ticks_since_contact < config_.election_ticks;
    });
    if (!active) {
      Log(LogLevel::kWarn, "stepping down: no quorum heard within an election timeout");
      BecomeFollower(term_, kNoNode);
      return;
    }
  }
  if (election_elapsed_ >= config_.election_ticks) {
    election_elapsed_ = 0;
    if (lead_transferee_ != kNoNode) AbortTransfer();
  }
  if (heartbeat_elapsed_ >= config_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    BroadcastHeartbeat();
  }
}

Status RaftImpl::Step(const Message& m) {
  if (m.to != config_.id) return Drop("wrong_recipient", m);
  Status valid = Validate(m);
  if (!valid.ok()) {
    ++drop_counters_["malformed"];
    return valid;
  }
  bool handled = false;
  Status s = StepByTerm(m, &handled);
  if (handled) return s;
  switch (m.type) {
    case MessageType::kPreVote:
    case MessageType::kVote:
      HandleVoteRequest(m);
      return Status::Ok();
    default:
      break;
  }
  switch (role_) {
    case Role::kLeader:
      return StepLeader(m);
    case Role::kPreCandidate:
    case Role::kCandidate:
      return StepCandidate(m);
    case Role::kFollower:
      return StepFollower(m);
  }
  return Status::Ok();
}

// The term rules common to every role (Raft §5.1, thesis 9.6 and 6.4).
Status RaftImpl::StepByTerm(const Message& m, bool* handled) {
  const bool vote_request = m.type == MessageType::kVote || m.type == MessageType::kPreVote;
  if (m.term > term_) {
    if (vote_request) {
      const bool forced = m.context == kCampaignTransfer;
      const bool in_lease =
          config_.check_quorum && lead_ != kNoNode && election_elapsed_ < config_.election_ticks;
      if (!forced && in_lease) {
        *handled = true;
        return Drop("vote_while_leader_alive", m);
      }
    }
    if (m.type == MessageType::kPreVote || (m.type == MessageType::kPreVoteResponse && !m.reject)) {
      // A pre-vote (or a grant of ours) names a future term; ours stays.
    } else if (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
               m.type == MessageType::kSnapshot) {
      BecomeFollower(m.term, m.from);
    } else {
      BecomeFollower(m.term, kNoNode);
    }
    return Status::Ok();
  }
  if (m.term < term_) {
    *handled = true;
    if ((config_.check_quorum || config_.pre_vote) &&
        (m.type == MessageType::kHeartbeat || m.type == MessageType::kAppend)) {
      // A stale leader (e.g. one cut off that came back) learns our term.
      Message resp;
      resp.type = MessageType::kAppendResponse;
      resp.to = m.from;
      Send(std::move(resp));
    } else if (m.type == MessageType::kPreVote) {
      Message resp;
      resp.type = MessageType::kPreVoteResponse;
      resp.to = m.from;
      resp.term = term_;
      resp.reject = true;
      Send(std::move(resp));
    }
    return Drop("stale_term", m);
  }
  return Status::Ok();
}

void RaftImpl::HandleVoteRequest(const Message& m) {
  const bool pre = m.type == MessageType::kPreVote;
  const bool can_vote =
      vote_ == m.from || (vote_ == kNoNode && lead_ == kNoNode) || (pre && m.term > term_);
  const bool up_to_date =
      config_.unsafe.vote_without_log_check || log_.IsUpToDate(m.index, m.log_term);
  Message resp;
  resp.type = pre ? MessageType::kPreVoteResponse : MessageType::kVoteResponse;
  resp.to = m.from;
  if (can_vote && up_to_date) {
    resp.term = m.term;
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    resp.term = term_;
    resp.reject = true;
  }
  Send(std::move(resp));
}

Status RaftImpl::StepLeader(const Message& m) {
  auto it = progress_.find(m.from);
  switch (m.type) {
    case MessageType::kAppendResponse:
      if (it == progress_.end()) return Drop("unknown_peer", m);
      return HandleAppendResponse(m, it->second);
    case MessageType::kHeartbeatResponse:
      if (it == progress_.end()) return Drop("unknown_peer", m);
      HandleHeartbeatResponse(m, it->second);
      return Status::Ok();
    case MessageType::kReadIndex:
      if (it == progress_.end()) return Drop("unknown_peer", m);
      return HandleReadRequest(m.context, m.from);
    case MessageType::kSnapshotResponse:
      if (it == progress_.end()) return Drop("unknown_peer", m);
      HandleSnapshotResponse(m, it->second);
      return Status::Ok();
    default:
      return Drop("unexpected_for_leader", m);
  }
}

Status RaftImpl::StepCandidate(const Message& m) {
  switch (m.type) {
    case MessageType::kAppend:
    case MessageType::kHeartbeat:
    case MessageType::kSnapshot:
      // A leader exists for this term: follow it.
      BecomeFollower(m.term, m.from);
      return StepFollower(m);
    case MessageType::kPreVoteResponse:
      if (role_ != Role::kPreCandidate) return Drop("stale_vote_response", m);
      HandleVoteResponse(m);
      return Status::Ok();
    case MessageType::kVoteResponse:
      if (role_ != Role::kCandidate) return Drop("stale_vote_response", m);
      HandleVoteResponse(m);
      return Status::Ok();
    default:
      return Drop("unexpected_for_candidate", m);
  }
}

void RaftImpl::HandleVoteResponse(const Message& m) {
  if (!IsVoter(m.from)) {
    BATON_CHECK_OK(Drop("unknown_peer", m));
    return;
  }
  votes_.emplace(m.from, !m.reject);
  switch (TallyVotes(conf_.voters, votes_)) {
    case VoteResult::kWon:
      if (role_ == Role::kPreCandidate) {
        Hup(/*transfer=*/true);
      } else {
        BecomeLeader();
      }
      return;
    case VoteResult::kLost:
      BecomeFollower(term_, kNoNode);
      return;
    case VoteResult::kPending:
      return;
  }
}

Status RaftImpl::StepFollower(const Message& m) {
  switch (m.type) {
    case MessageType::kAppend:
      election_elapsed_ = 0;
      lead_ = m.from;
      return HandleAppend(m);
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleHeartbeat(m);
      return Status::Ok();
    case MessageType::kSnapshot:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleSnapshot(m);
      return Status::Ok();
    case MessageType::kTimeoutNow:
      if (!Promotable()) return Drop("timeout_now_not_promotable", m);
      Log(LogLevel::kInfo, "campaigning on TimeoutNow from " + std::to_string(m.from));
      Hup(/*transfer=*/true);
      return Status::Ok();
    case MessageType::kReadIndexResponse:
      read_states_.push_back(ReadState{m.context, m.index});
      return Status::Ok();
    default:
      return Drop("unexpected_for_follower", m);
  }
}

std::vector<PeerProgress> RaftImpl::progress() const {
  std::vector<PeerProgress> out;
  for (const auto& [id, pr] : progress_) {
    out.push_back(PeerProgress{id, pr.learner(), pr.match(), pr.next(), pr.ticks_since_contact});
  }
  return out;
}

}  // namespace baton::raft
