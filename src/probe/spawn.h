// SpawnInNewGroup: start a program as a new process that leads its own
// process group (pgid == pid), so that the whole tree it starts can be
// signalled at once with kill(-pid, sig). stdin is /dev/null unless given;
// stdout and stderr go to the given descriptors. Built on posix_spawnp, which
// is safe to call from a process with many threads; a command without '/' is
// looked up on PATH. Signal dispositions and the signal mask are reset to
// defaults in the child. The caller owns the child: it must reap it
// (waitpid). Thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace baton::probe {

struct SpawnOptions {
  int stdin_fd = -1;  // -1: /dev/null
  int stdout_fd = -1;
  int stderr_fd = -1;
  // Variables set in the child on top of this process's environment (a name
  // given here replaces the inherited value).
  std::vector<std::pair<std::string, std::string>> env{};
};

// The child's pid, or NotFound "exec: no such file: <argv0>",
// PermissionDenied "exec: permission denied: <argv0>", or IOError
// "exec: <argv0>: <reason>". REQUIRES: argv not empty, stdout_fd and
// stderr_fd open.
Result<pid_t> SpawnInNewGroup(const std::vector<std::string>& argv, const SpawnOptions& options);
Result<pid_t> SpawnInNewGroup(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd);

}  // namespace baton::probe
