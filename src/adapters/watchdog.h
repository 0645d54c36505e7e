// RunWatchdog: the body of the watchdog process (`baton watchdog`), which
// fences a primary's member on its own when the agent stops renewing it in
// time — the agent may be hung, paused (SIGSTOP, a long GC-like stall) or
// dead, and then cannot fence anything itself (docs/adapters.md,
// "Watchdog").
//
// It reads requests (watchdog_protocol.h) from `control_fd` and answers each
// on the same descriptor. Per member it keeps the last armed deadline and
// fence command. When a deadline passes (CLOCK_MONOTONIC, shared with the
// agent) without a newer Arm or a Disarm, it runs the fence command (up to 3
// attempts while it fails, each bounded by its timeout) and forgets the
// member. When the agent goes away (end of stream on `control_fd`) it keeps
// every deadline and still fences at it; it returns once the agent is gone
// and nothing is armed. Every step is logged as one line on `log` (stderr in
// the process): started, armed (first arm only), disarmed, agent gone,
// fencing, fenced / fence failed.
//
// Returns the process exit code (0). Single-threaded; blocks.
#pragma once

#include <cstdio>

namespace baton::adapters {

int RunWatchdog(int control_fd, std::FILE* log);

}  // namespace baton::adapters
