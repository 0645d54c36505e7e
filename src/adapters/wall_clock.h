// WallClockNow: the wall-clock time as "2026-11-25T23:01:02.345Z" (UTC,
// milliseconds), for what leaves the process: notification JSON and the
// watchdog's log lines. Never for timing (that is the monotonic clock).
#pragma once

#include <string>

namespace baton::adapters {

std::string WallClockNow();

}  // namespace baton::adapters
