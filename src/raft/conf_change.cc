#include "raft/conf_change.h"

#include <algorithm>

#include "core/coding.h"

namespace baton::raft {
namespace {

bool Contains(const std::vector<NodeId>& ids, NodeId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

void Erase(std::vector<NodeId>* ids, NodeId id) {
  ids->erase(std::remove(ids->begin(), ids->end(), id), ids->end());
}

void InsertSorted(std::vector<NodeId>* ids, NodeId id) {
  ids->insert(std::lower_bound(ids->begin(), ids->end(), id), id);
}

}  // namespace

std::string EncodeConfChange(const ConfChange& change) {
  std::string out;
  out.push_back(static_cast<char>(change.type));
  PutVarint64(&out, change.node);
  PutLengthPrefixed(&out, change.context);
  return out;
}

Result<ConfChange> DecodeConfChange(std::string_view data) {
  Decoder decoder(data);
  uint8_t type = 0;
  uint64_t node = 0;
  std::string_view context;
  if (!decoder.GetU8(&type) || !decoder.GetVarint64(&node) ||
      !decoder.GetLengthPrefixed(&context)) {
    return Status::InvalidArgument("conf change: truncated");
  }
  if (!decoder.empty()) return Status::InvalidArgument("conf change: trailing bytes");
  if (type > static_cast<uint8_t>(ConfChangeType::kRemoveNode)) {
    return Status::InvalidArgument("conf change: unknown type");
  }
  if (node == kNoNode) return Status::InvalidArgument("conf change: node 0");
  return ConfChange{static_cast<ConfChangeType>(type), node, std::string(context)};
}

Result<ConfState> ApplyConfChange(const ConfState& conf, const ConfChange& change) {
  if (change.node == kNoNode) return Status::InvalidArgument("conf change: node 0");
  ConfState next = conf;
  const bool voter = Contains(conf.voters, change.node);
  const bool learner = Contains(conf.learners, change.node);
  switch (change.type) {
    case ConfChangeType::kAddLearner:
      if (voter || learner) return Status::InvalidArgument("conf change: node already a member");
      InsertSorted(&next.learners, change.node);
      return next;
    case ConfChangeType::kAddVoter:
      if (voter) return Status::InvalidArgument("conf change: node already a voter");
      Erase(&next.learners, change.node);
      InsertSorted(&next.voters, change.node);
      return next;
    case ConfChangeType::kRemoveNode:
      if (!voter && !learner) return Status::InvalidArgument("conf change: unknown node");
      if (voter && conf.voters.size() == 1) {
        return Status::InvalidArgument("conf change: cannot remove the last voter");
      }
      Erase(&next.voters, change.node);
      Erase(&next.learners, change.node);
      return next;
  }
  return Status::InvalidArgument("conf change: unknown type");
}

}  // namespace baton::raft
