#include "raft/raw_node.h"

#include <string>
#include <string_view>

#include "raft/raft.h"

namespace baton::raft {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "unknown";
}

bool SendableBeforePersisting(const Message& message) {
  return message.type == MessageType::kAppend || message.type == MessageType::kHeartbeat ||
         message.type == MessageType::kSnapshot;
}

namespace {
constexpr std::string_view kEntryTooLarge = "entry too large: ";
}  // namespace

Status EntryTooLargeError(size_t bytes, size_t limit) {
  return Status::InvalidArgument(std::string(kEntryTooLarge) + std::to_string(bytes) +
                                 " bytes, the limit is " + std::to_string(limit));
}

bool IsEntryTooLarge(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument &&
         status.message().starts_with(kEntryTooLarge);
}

RawNode::RawNode(std::unique_ptr<RaftImpl> impl) : impl_(std::move(impl)) {}
RawNode::~RawNode() = default;

Result<std::unique_ptr<RawNode>> RawNode::Bootstrap(const Config& config,
                                                    const std::vector<NodeId>& voters, Rng& rng,
                                                    Logger& logger) {
  BATON_ASSIGN_OR_RETURN(auto impl, RaftImpl::Bootstrap(config, voters, rng, logger));
  return std::unique_ptr<RawNode>(new RawNode(std::move(impl)));
}

Result<std::unique_ptr<RawNode>> RawNode::Restore(const Config& config, const RestoredState& state,
                                                  Rng& rng, Logger& logger) {
  BATON_ASSIGN_OR_RETURN(auto impl, RaftImpl::Restore(config, state, rng, logger));
  return std::unique_ptr<RawNode>(new RawNode(std::move(impl)));
}

void RawNode::Tick() { impl_->Tick(); }
Status RawNode::Step(const Message& message) { return impl_->Step(message); }
Status RawNode::Propose(std::string data) { return impl_->Propose(std::move(data)); }
Status RawNode::ProposeConfChange(const ConfChange& change) {
  return impl_->ProposeConfChange(change);
}
Status RawNode::TransferLeadership(NodeId target) { return impl_->TransferLeadership(target); }
Status RawNode::ReadIndex(uint64_t context) { return impl_->ReadIndex(context); }
void RawNode::Campaign() { impl_->Campaign(); }

bool RawNode::HasReady() const { return impl_->HasReady(); }
Ready RawNode::TakeReady() { return impl_->TakeReady(); }
void RawNode::Advance(const Ready& ready) { impl_->Advance(ready); }
Status RawNode::Compact(Index index, std::string data) {
  return impl_->Compact(index, std::move(data));
}

void RawNode::ReportLeaderUnreachable(NodeId leader) { impl_->ReportLeaderUnreachable(leader); }

NodeId RawNode::id() const { return impl_->id(); }
Role RawNode::role() const { return impl_->role(); }
Term RawNode::term() const { return impl_->term(); }
NodeId RawNode::leader() const { return impl_->leader(); }
Index RawNode::commit_index() const { return impl_->log().committed(); }
Index RawNode::leader_commit_index() const { return impl_->leader_commit(); }
bool RawNode::receiving_snapshot() const { return impl_->receiving_snapshot(); }
Index RawNode::applied_index() const { return impl_->log().applied(); }
Index RawNode::last_index() const { return impl_->log().last_index(); }
Index RawNode::first_index() const { return impl_->log().first_index(); }
const ConfState& RawNode::conf_state() const { return impl_->conf_state(); }
HardState RawNode::hard_state() const { return impl_->hard_state(); }
std::vector<PeerProgress> RawNode::progress() const { return impl_->progress(); }
Result<std::vector<Entry>> RawNode::Entries(Index lo, Index hi) const {
  return impl_->log().Entries(lo, hi);
}
const std::map<std::string, uint64_t>& RawNode::drop_counters() const {
  return impl_->drop_counters();
}

}  // namespace baton::raft
