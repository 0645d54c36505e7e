// What exec adapter scripts print, parsed: `observe` prints the member's
// role and position, `divergence` what a former primary would lose. Both are
// `key=value` words separated by spaces or newlines (docs/adapters.md,
// "Script protocol"); `detail=` takes the rest of its line. Unknown keys and
// malformed values are errors that name them, so a typo in a script shows up
// at once. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "adapters/adapter.h"
#include "core/result.h"

namespace baton::adapters {

// Keys: role (required: primary, writes-paused, replica, fenced, stopped,
// unknown), position (decimal), history, following (host:port), detail.
Result<MemberState> ParseObserveOutput(std::string_view text);

// Keys: fork_position, lost_bytes (decimal, required), saved_copy.
Result<Divergence> ParseDivergenceOutput(std::string_view text);

// A command setting's value as argv: `[a, "b c", d]` (a YAML flow list:
// comma-separated, items optionally quoted with " or ') runs without a shell;
// anything else is a shell line run as {"/bin/sh", "-c", value}.
// InvalidArgument for an empty value, an empty list or an unclosed quote.
Result<std::vector<std::string>> ParseCommandSetting(std::string_view value);

}  // namespace baton::adapters
