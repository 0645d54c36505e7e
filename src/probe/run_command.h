// RunCommand: run a program to completion with a timeout, capturing its
// output. The shared runner behind exec probes, the exec adapter, hooks and
// the watchdog.
//
// The program runs in its own process group (SpawnInNewGroup). When it exits,
// when the timeout passes, or when `cancel` turns true, the whole group is
// killed (SIGKILL) and the leader reaped, so a command never leaves processes
// behind. `input` is the child's stdin (read from an in-memory file, so a
// child that does not read it never blocks us and we never get SIGPIPE).
// Blocks the calling thread; thread-safe (no shared state).
#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace baton::probe {

struct CommandSpec {
  // argv; argv[0] is looked up on PATH when it has no '/'. No shell: a shell
  // line is {"/bin/sh", "-c", line}.
  std::vector<std::string> argv{};
  // Set on top of this process's environment.
  std::vector<std::pair<std::string, std::string>> env{};
  // The child's stdin; empty means /dev/null.
  std::string input{};
  // Bytes kept of stdout and of stderr, each (the first ones); the rest is
  // read and dropped.
  size_t output_limit_bytes = 4096;
  // Polled every 50 ms when set: true ends the run (outcome.cancelled).
  const std::atomic<bool>* cancel = nullptr;
};

struct CommandOutcome {
  bool timed_out = false;  // killed at the timeout
  bool cancelled = false;  // killed because `cancel` turned true
  int exit_code = -1;      // the exit status, or -1 when killed by a signal
  int signal = 0;          // the signal that ended it, or 0
  std::string stdout_text{};
  std::string stderr_text{};

  bool succeeded() const { return !timed_out && !cancelled && exit_code == 0; }
  // "exit 2", "killed by signal 9", "timed out after 5s (process group
  // killed)" or "cancelled".
  std::string Summary(Duration timeout) const;
};

// The outcome of a started command (whatever it did), or the spawn error:
// NotFound "exec: no such file: <argv0>", PermissionDenied, IOError.
// Duration::Max() waits without a bound. REQUIRES: spec.argv not empty.
Result<CommandOutcome> RunCommand(const CommandSpec& spec, Duration timeout);

}  // namespace baton::probe
