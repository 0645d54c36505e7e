// `baton watchdog`: the watchdog process an agent starts for itself
// (adapters/watchdog.h). It is a subcommand of the one binary rather than a
// separate program so there is nothing extra to install, and the agent runs
// it as a new process (posix_spawn of /proc/self/exe), so it shares no memory,
// thread or lock with the agent it guards: a hung or paused agent cannot stall
// it. Not for interactive use: its stdin/stdout are the agent's control
// socket.
#include <unistd.h>

#include <cstdio>

#include "adapters/watchdog.h"
#include "commands.h"

namespace baton::cli {

void AddWatchdogCommand(CLI::App& app, RunFn* run) {
  CLI::App* watchdog = app.add_subcommand(
      "watchdog", "Fence members whose agent stops re-arming in time (started by the agent)");
  watchdog->callback([run] { *run = [] { return adapters::RunWatchdog(STDIN_FILENO, stderr); }; });
}

}  // namespace baton::cli
