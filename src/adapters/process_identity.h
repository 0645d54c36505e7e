// ProcessIdentity: one process on this host, named so that a recycled pid is
// never taken for it: its pid and its start time (clock ticks after boot,
// field 22 of /proc/<pid>/stat). A fence uses it to kill a service that no
// longer answers (a hung server that resumed later would take writes).
// Pure functions over /proc; thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "core/result.h"
#include "core/status.h"
#include "core/time.h"

namespace baton::adapters {

struct ProcessIdentity {
  pid_t pid = 0;
  uint64_t start_ticks = 0;

  // "pid:start_ticks", what ParseProcessIdentity reads.
  std::string ToString() const;
  bool operator==(const ProcessIdentity&) const = default;
};

// The process `pid` as it runs now; NotFound when there is none.
Result<ProcessIdentity> IdentifyProcess(pid_t pid);

// Reads "pid:start_ticks"; InvalidArgument otherwise.
Result<ProcessIdentity> ParseProcessIdentity(const std::string& text);

// Kills `process` with SIGKILL when that very process (same pid, same start)
// still runs, then waits until it is gone (exited, or a zombie: it runs no
// more code) or `deadline` passes (Timeout). OK when it is gone,
// also when it was gone already.
Status KillProcess(const ProcessIdentity& process, Instant deadline);

}  // namespace baton::adapters
