// Membership change requests carried in kConfChange entries.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "raft/types.h"

namespace baton::raft {

enum class ConfChangeType : uint8_t {
  kAddLearner = 0,  // join without a vote; receives the log
  kAddVoter = 1,    // promote a caught-up learner to voter
  kRemoveNode = 2,  // remove a voter or learner
};

struct ConfChange {
  ConfChangeType type = ConfChangeType::kAddLearner;
  NodeId node = kNoNode;
  // Opaque to Raft (e.g. the node's peer address), kept with the entry so the
  // application learns how to reach a new member when it applies the change.
  std::string context;

  friend bool operator==(const ConfChange&, const ConfChange&) = default;
};

std::string EncodeConfChange(const ConfChange& change);
Result<ConfChange> DecodeConfChange(std::string_view data);

// Returns `conf` with `change` applied. InvalidArgument when the change does
// not fit (adding an existing voter, removing an unknown node, removing the
// last voter).
Result<ConfState> ApplyConfChange(const ConfState& conf, const ConfChange& change);

}  // namespace baton::raft
