// CommandStatus: the Status of a command run by an adapter or a hook, one
// rule for all of them: exit 0 is OK, exit 69 (EX_UNAVAILABLE) Unavailable,
// any other exit or signal FailedPrecondition, the timeout Timeout,
// cancellation Aborted. The message is "<what>: <summary>: <stderr tail>"
// (the last 512 bytes of stderr, trailing newlines dropped). Pure.
#pragma once

#include <string>

#include "core/result.h"
#include "core/time.h"
#include "probe/run_command.h"

namespace baton::adapters {

Status CommandStatus(const std::string& what, const Result<probe::CommandOutcome>& ran,
                     Duration timeout);

// The last 512 bytes of `text` without trailing newlines.
std::string StderrTail(const std::string& text);

}  // namespace baton::adapters
