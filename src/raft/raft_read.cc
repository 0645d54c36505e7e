// Linearizable reads (Raft thesis 6.4): ReadIndex confirmed by a heartbeat
// round, or a lease derived from the last quorum-confirmed round.
#include "raft/raft.h"

namespace baton::raft {

bool RaftImpl::CommittedInCurrentTerm() const { return log_.TermAt(log_.committed()) == term_; }

bool RaftImpl::LeaseValid() const {
  std::optional<int64_t> start = read_only_.lease_start_tick();
  return role_ == Role::kLeader && lead_transferee_ == kNoNode && start.has_value() &&
         now_ticks_ < *start + config_.election_ticks - config_.lease_drift_ticks;
}

Status RaftImpl::ReadIndex(uint64_t context) {
  if (role_ == Role::kLeader) return HandleReadRequest(context, config_.id);
  if (lead_ == kNoNode) return Status::Unavailable("no leader known");
  Message m;
  m.type = MessageType::kReadIndex;
  m.to = lead_;
  m.context = context;
  Send(std::move(m));
  return Status::Ok();
}

Status RaftImpl::HandleReadRequest(uint64_t context, NodeId from) {
  if (!CommittedInCurrentTerm()) {
    // The commit index may still lag the previous leader's; wait for the no-op.
    reads_awaiting_commit_.emplace_back(context, from);
    return Status::Ok();
  }
  if (conf_.voters.size() == 1 && IsVoter(config_.id)) {
    AnswerRead(context, from, log_.committed());
    return Status::Ok();
  }
  if (config_.read_mode == ReadMode::kLeaseBased) {
    if (LeaseValid()) {
      AnswerRead(context, from, log_.committed());
      return Status::Ok();
    }
    if (from != config_.id) {
      ++drop_counters_["lease_expired"];
      return Status::Ok();
    }
    return Status::Unavailable("leader lease has lapsed");
  }
  const Index index = log_.committed();
  const uint64_t round = BroadcastHeartbeat();
  read_only_.AddRequest(ReadRequest{round, index, context, from});
  ReleaseReads();
  return Status::Ok();
}

void RaftImpl::ReleaseReads() {
  for (const ReadRequest& r : read_only_.Release(conf_.voters, config_.id)) {
    AnswerRead(r.context, r.from, r.index);
  }
}

void RaftImpl::ServePendingReads() {
  std::vector<std::pair<uint64_t, NodeId>> pending;
  pending.swap(reads_awaiting_commit_);
  for (const auto& [context, from] : pending) {
    Status s = HandleReadRequest(context, from);
    if (!s.ok()) ++drop_counters_["lease_expired"];
  }
}

void RaftImpl::AnswerRead(uint64_t context, NodeId from, Index index) {
  if (from == config_.id) {
    read_states_.push_back(ReadState{context, index});
    return;
  }
  Message m;
  m.type = MessageType::kReadIndexResponse;
  m.to = from;
  m.index = index;
  m.context = context;
  Send(std::move(m));
}

}  // namespace baton::raft
