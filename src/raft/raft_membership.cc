// Membership (single-server changes, Raft thesis 4.1) and leadership transfer
// (thesis 3.10). A configuration takes effect when its entry is appended and
// reverts if that entry is truncated.
#include <algorithm>

#include "core/check.h"
#include "raft/quorum.h"
#include "raft/raft.h"

namespace baton::raft {

void RaftImpl::RecordConfEntries(const std::vector<Entry>& entries) {
  for (const Entry& e : entries) {
    if (e.type != EntryType::kConfChange) continue;
    const ConfState current = conf_history_.empty() ? base_conf_ : conf_history_.back().second;
    Result<ConfChange> change = DecodeConfChange(e.data);
    if (!change.has_value()) {
      Log(LogLevel::kWarn, "ignoring undecodable conf change at " + std::to_string(e.index));
      continue;
    }
    Result<ConfState> next = ApplyConfChange(current, *change);
    if (!next.has_value()) {
      // Every node skips the same entry, so the membership stays the same everywhere.
      Log(LogLevel::kWarn,
          "ignoring conf change at " + std::to_string(e.index) + ": " + next.error().ToString());
      continue;
    }
    BATON_CHECK(conf_history_.empty() || conf_history_.back().first < e.index)
        << "conf entries out of order";
    conf_history_.emplace_back(e.index, std::move(*next));
  }
  conf_ = conf_history_.empty() ? base_conf_ : conf_history_.back().second;
}

void RaftImpl::ForgetConfEntriesFrom(Index index) {
  while (!conf_history_.empty() && conf_history_.back().first >= index) conf_history_.pop_back();
  conf_ = conf_history_.empty() ? base_conf_ : conf_history_.back().second;
}

ConfState RaftImpl::ConfAt(Index index) const {
  for (auto it = conf_history_.rbegin(); it != conf_history_.rend(); ++it) {
    if (it->first <= index) return it->second;
  }
  return base_conf_;
}

bool RaftImpl::HasPendingConfChange() const {
  return !conf_history_.empty() && conf_history_.back().first > log_.committed();
}

void RaftImpl::OnConfChanged() {
  conf_ = conf_history_.empty() ? base_conf_ : conf_history_.back().second;
  if (role_ != Role::kLeader) {
    // A candidate re-counts against the new voters.
    if (role_ != Role::kFollower && !votes_.empty()) {
      VoteResult result = TallyVotes(conf_.voters, votes_);
      if (result == VoteResult::kLost || !Promotable()) BecomeFollower(term_, kNoNode);
    }
    return;
  }
  std::map<NodeId, Progress> next;
  auto carry = [&](NodeId id, bool learner) {
    auto it = progress_.find(id);
    if (it != progress_.end()) {
      it->second.set_learner(learner);
      next.emplace(id, std::move(it->second));
      return;
    }
    Progress pr(log_.last_index() + 1, config_.max_inflight_appends, learner);
    if (id == config_.id) {
      pr.MaybeUpdate(log_.stable());  // only what is durable counts
      pr.BecomeReplicate();
    }
    next.emplace(id, std::move(pr));
  };
  for (NodeId id : conf_.voters) carry(id, false);
  for (NodeId id : conf_.learners) carry(id, true);
  progress_ = std::move(next);
  if (lead_transferee_ != kNoNode && !IsVoter(lead_transferee_)) AbortTransfer();
  MaybeCommit();
}

Status RaftImpl::ProposeConfChange(const ConfChange& change) {
  if (role_ != Role::kLeader || lead_transferee_ != kNoNode) {
    return Status::Unavailable("not the leader; leader is " + std::to_string(lead_));
  }
  // A leader may change the membership only after committing an entry of its
  // own term (the fix to single-server changes in the thesis' errata).
  if (!CommittedInCurrentTerm()) {
    return Status::FailedPrecondition("leader has not committed an entry in its term yet");
  }
  if (HasPendingConfChange()) {
    return Status::FailedPrecondition("a membership change is still uncommitted");
  }
  BATON_RETURN_IF_ERROR(ApplyConfChange(conf_, change).status());
  if (change.type == ConfChangeType::kAddVoter) {
    auto it = progress_.find(change.node);
    if (it == progress_.end() || !it->second.learner()) {
      return Status::FailedPrecondition("only a learner can be promoted to voter");
    }
    if (it->second.match() + config_.learner_catch_up_entries < log_.last_index()) {
      return Status::FailedPrecondition("learner " + std::to_string(change.node) +
                                        " has not caught up");
    }
  }
  AppendEntry(EntryType::kConfChange, EncodeConfChange(change));
  return Status::Ok();
}

Status RaftImpl::TransferLeadership(NodeId target) {
  if (role_ != Role::kLeader) {
    return Status::Unavailable("not the leader; leader is " + std::to_string(lead_));
  }
  if (target == config_.id) return Status::Ok();
  if (!IsVoter(target)) return Status::InvalidArgument("transfer target is not a voter");
  if (lead_transferee_ == target) return Status::Ok();
  Log(LogLevel::kInfo, "transferring leadership to " + std::to_string(target));
  lead_transferee_ = target;
  election_elapsed_ = 0;  // the transfer is abandoned after one election timeout
  if (progress_.at(target).match() == log_.last_index()) {
    SendTimeoutNow(target);
  } else {
    SendAppend(target, /*send_if_empty=*/true);
  }
  return Status::Ok();
}

void RaftImpl::SendTimeoutNow(NodeId to) {
  Message m;
  m.type = MessageType::kTimeoutNow;
  m.to = to;
  Send(std::move(m));
}

void RaftImpl::AbortTransfer() {
  Log(LogLevel::kInfo, "leadership transfer to " + std::to_string(lead_transferee_) + " abandoned");
  lead_transferee_ = kNoNode;
}

}  // namespace baton::raft
