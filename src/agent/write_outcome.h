// OutcomeUnknownError: a write that was proposed to Raft but whose fate the
// proposer cannot know, because it lost leadership (or stopped) before the
// entry applied. The entry may still commit under the next leader, so the
// caller must read back before retrying; retrying blindly can apply a
// transaction twice. The admin API answers it 504 with code
// "OutcomeUnknown" (http_json.h), distinct from 503 "no leader", which means
// nothing was proposed.
#pragma once

#include <string_view>

#include "core/status.h"

namespace baton::agent {

// Aborted, "outcome unknown: <why>".
Status OutcomeUnknownError(std::string_view why);
bool IsOutcomeUnknown(const Status& status);

}  // namespace baton::agent
