// SpawnInNewGroup: start a program as a new process that leads its own
// process group (pgid == pid), so that the whole tree it starts can be
// signalled at once with kill(-pid, sig). stdin is /dev/null; stdout and
// stderr go to the given descriptors. Built on posix_spawnp, which is safe to
// call from a process with many threads; a command without '/' is looked up
// on PATH. Signal dispositions and the signal mask are reset to defaults in
// the child. The caller owns the child: it must reap it (waitpid).
// Thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/result.h"

namespace baton::probe {

// The child's pid, or NotFound "exec: no such file: <argv0>",
// PermissionDenied "exec: permission denied: <argv0>", or IOError
// "exec: <argv0>: <reason>". REQUIRES: argv not empty.
Result<pid_t> SpawnInNewGroup(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd);

}  // namespace baton::probe
